// What the article leaves on the cluster, for the instructor's board (`kubewalk class`). Only step 08's
// Secret stays: steps 01-07 read or mint (a TokenRequest stores nothing), and a deleted Secret
// (step 13) looks the same as one never applied.
import type { Trace } from '../../src/walkthrough.js'

// One read of the Secret serves every trace: its name, whether the controller filled it, whether the
// API server has seen its token used. No Secret data leaves the cluster.
const SECRET_STATE = `kubectl -n "$KUBEWALK_NAMESPACE" get secret default-token --ignore-not-found -o go-template='{{.metadata.name}}{{"\\t"}}{{with .data}}{{if .token}}filled{{end}}{{end}}{{"\\t"}}{{with .metadata.labels}}{{range $k, $v := .}}{{if eq $k "kubernetes.io/legacy-token-last-used"}}used{{end}}{{end}}{{end}}'`

const field = (stdout: string, i: number): string => stdout.split('\t')[i]?.trim() ?? ''

export const articleTraces: readonly Trace[] = [
  { step: 'apply-token-secret', command: SECRET_STATE, done: (out) => field(out.stdout, 0) === 'default-token' },
  { step: 'list-secrets-after', command: SECRET_STATE, done: (out) => field(out.stdout, 1) === 'filled' },
  { step: 'call-api-secret-token', command: SECRET_STATE, done: (out) => field(out.stdout, 2) === 'used' },
]
