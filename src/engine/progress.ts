// --report-progress: with the participant's consent, what their check, run or serve verified, kept in
// one ConfigMap of kubewalk's in their own namespace, for the instructor's board to read beside the
// traces. It holds step ids, how they were verified and when; never a variable's value or any output.
import { runScript, type ShellOptions, type ShellResult } from '../platform/shell.js'
import { firstLine } from '../core/text.js'

/** The ConfigMap's name; its data has one key per walkthrough id. */
export const PROGRESS_NAME = 'kubewalk-progress'
export const PROGRESS_LABELS = { 'app.kubernetes.io/managed-by': 'kubewalk', 'app.kubernetes.io/component': 'progress' } as const

/** Which face verified a step. */
export type ProgressVia = 'run' | 'check' | 'serve'

/** One walkthrough's progress in one namespace. */
export interface Progress {
  /** Step id → how and when it was last verified. */
  steps: Record<string, { via: ProgressVia; at: string }>
  /** When the record last changed (a step verified, or a Reset that cleared it). */
  at: string
}

/** How progress runs kubectl: the shell, or a stand-in in tests. */
export type ProgressLine = (script: string, options: ShellOptions) => Promise<Pick<ShellResult, 'stdout' | 'stderr' | 'exitCode'>>

const GET = `kubectl get configmap ${PROGRESS_NAME} -n "$KUBEWALK_NAMESPACE" --ignore-not-found -o json`
// The manifest comes through the environment: nothing of it is spliced into the line.
const APPLY = `printf '%s' "$KUBEWALK_PROGRESS" | kubectl apply -n "$KUBEWALK_NAMESPACE" -f - -o name`
const DELETE = `kubectl delete configmap ${PROGRESS_NAME} -n "$KUBEWALK_NAMESPACE" --ignore-not-found`

const VIAS = new Set<string>(['run', 'check', 'serve'])

/** The progress a ConfigMap's JSON holds for `walkthrough`, keeping only what has the right shape (a participant can write anything there). */
export function progressOf(configMapJson: string, walkthrough: string, stepIds: readonly string[]): Progress | undefined {
  if (configMapJson.trim() === '') return undefined
  let raw: unknown
  try {
    const cm = JSON.parse(configMapJson) as { data?: Record<string, unknown> }
    const text = cm.data?.[walkthrough]
    if (typeof text !== 'string') return undefined
    raw = JSON.parse(text)
  } catch {
    return undefined
  }
  const r = raw as { steps?: Record<string, { via?: unknown; at?: unknown }>; at?: unknown }
  const valid = (at: unknown): at is string => typeof at === 'string' && !Number.isNaN(Date.parse(at))
  const steps: Progress['steps'] = {}
  for (const id of stepIds) {
    const s = r.steps?.[id]
    if (s && typeof s.via === 'string' && VIAS.has(s.via) && valid(s.at)) steps[id] = { via: s.via as ProgressVia, at: s.at }
  }
  return { steps, at: valid(r.at) ? r.at : new Date(0).toISOString() }
}

const shellOf = (env: Record<string, string | undefined>, namespace: string, extra: Record<string, string> = {}): ShellOptions => ({
  env: { ...env, ...extra, KUBEWALK_NAMESPACE: namespace },
  timeoutMs: 30_000,
})

/** Reads one walkthrough's progress in a namespace (undefined when none was reported or it cannot be read). */
export async function readProgress(
  env: Record<string, string | undefined>,
  namespace: string,
  walkthrough: string,
  stepIds: readonly string[],
  run: ProgressLine = runScript,
): Promise<Progress | undefined> {
  const r = await run(GET, shellOf(env, namespace))
  return r.exitCode === 0 ? progressOf(r.stdout, walkthrough, stepIds) : undefined
}

/** What a write did: done, or why not (RBAC, an unreachable server): the caller says the board will not see it. */
export type ProgressWrite = { ok: true } | { ok: false; why: string }

/**
 * Adds `verified` to the walkthrough's record (or, with 'reset', empties it) and writes the ConfigMap
 * back; the other walkthroughs' keys stay as they were.
 */
export async function recordProgress(
  env: Record<string, string | undefined>,
  namespace: string,
  walkthrough: string,
  stepIds: readonly string[],
  verified: readonly string[] | 'reset',
  via: ProgressVia,
  run: ProgressLine = runScript,
): Promise<ProgressWrite> {
  const got = await run(GET, shellOf(env, namespace))
  if (got.exitCode !== 0) return { ok: false, why: firstLine(got.stderr) || `kubectl exited with ${got.exitCode}` }
  let data: Record<string, string> = {}
  try {
    if (got.stdout.trim() !== '') data = (JSON.parse(got.stdout) as { data?: Record<string, string> }).data ?? {}
  } catch {
    // not JSON: start again
  }
  const at = new Date().toISOString()
  const before = verified === 'reset' ? undefined : progressOf(got.stdout, walkthrough, stepIds)
  const steps: Progress['steps'] = { ...before?.steps }
  if (verified !== 'reset') for (const id of verified) steps[id] = { via, at }
  data[walkthrough] = JSON.stringify({ steps, at } satisfies Progress)
  const manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: PROGRESS_NAME, labels: PROGRESS_LABELS }, data }
  const put = await run(APPLY, shellOf(env, namespace, { KUBEWALK_PROGRESS: JSON.stringify(manifest) }))
  return put.exitCode === 0 ? { ok: true } : { ok: false, why: firstLine(put.stderr) || `kubectl exited with ${put.exitCode}` }
}

/** Removes the ConfigMap (every walkthrough's record) from the namespace. */
export async function forgetProgress(
  env: Record<string, string | undefined>,
  namespace: string,
  run: ProgressLine = runScript,
): Promise<ProgressWrite> {
  const r = await run(DELETE, shellOf(env, namespace))
  return r.exitCode === 0 ? { ok: true } : { ok: false, why: firstLine(r.stderr) || `kubectl exited with ${r.exitCode}` }
}

/** What a participant reads when the write failed: the check's answer stands, the board just will not see it. */
export const progressNotRecorded = (namespace: string, why: string): string =>
  `kubewalk: your progress was not recorded in namespace ${namespace} (${why}); the instructor's board will not see it.`
