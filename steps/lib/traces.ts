// What the article leaves on the cluster, for the instructor's board (`kubewalk class`). Only step 08's
// Secret stays: steps 01-07 read or mint (a TokenRequest stores nothing), a deleted Secret (step 13)
// looks the same as one never applied, and a use of its token (step 12) is not reliably marked: the
// API server's legacy-token-last-used label did not appear on the lab (1.33) after a use.
import type { Trace } from '../../src/core/walkthrough.js'

// One read of the Secret serves both traces: its name, and whether the controller filled it. No Secret
// data leaves the cluster: the template prints a word, not the token.
const SECRET_STATE = `kubectl -n "$KUBEWALK_NAMESPACE" get secret default-token --ignore-not-found -o go-template='{{.metadata.name}}{{"\\t"}}{{with .data}}{{if .token}}filled{{end}}{{end}}'`

const field = (stdout: string, i: number): string => stdout.split('\t')[i]?.trim() ?? ''

export const articleTraces: readonly Trace[] = [
  { step: 'apply-token-secret', command: SECRET_STATE, done: (out) => field(out.stdout, 0) === 'default-token' },
  { step: 'list-secrets-after', command: SECRET_STATE, done: (out) => field(out.stdout, 1) === 'filled' },
]
