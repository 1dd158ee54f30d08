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

/** A record that is there but cannot be read (not JSON, null, the wrong shape): the board shows it as an error row. */
export interface Unreadable {
  unreadable: string
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * The progress a ConfigMap's JSON holds for `walkthrough`, keeping only what has the right shape (a
 * participant can write anything there): undefined when nothing was reported, Unreadable when the
 * record is there and is not one.
 */
export function progressOf(configMapJson: string, walkthrough: string, stepIds: readonly string[]): Progress | Unreadable | undefined {
  if (configMapJson.trim() === '') return undefined
  let raw: unknown
  try {
    const cm: unknown = JSON.parse(configMapJson)
    if (!isObject(cm)) return { unreadable: `configmap/${PROGRESS_NAME} is not an object` }
    if (cm.data === undefined || cm.data === null) return undefined
    if (!isObject(cm.data)) return { unreadable: `configmap/${PROGRESS_NAME} has data that is not a map` }
    const text = cm.data[walkthrough]
    if (text === undefined) return undefined
    if (typeof text !== 'string') return { unreadable: `configmap/${PROGRESS_NAME}: ${walkthrough} is not text` }
    raw = JSON.parse(text)
  } catch {
    return { unreadable: `configmap/${PROGRESS_NAME}: the record of ${walkthrough} is not JSON` }
  }
  if (!isObject(raw) || !(raw.steps === undefined || isObject(raw.steps)))
    return { unreadable: `configmap/${PROGRESS_NAME}: the record of ${walkthrough} is not a progress record (${raw === null ? 'null' : typeof raw})` }
  const valid = (at: unknown): at is string => typeof at === 'string' && !Number.isNaN(Date.parse(at))
  const steps: Progress['steps'] = {}
  const recorded = (raw.steps ?? {}) as Record<string, unknown>
  for (const id of stepIds) {
    const s = recorded[id]
    if (isObject(s) && typeof s.via === 'string' && VIAS.has(s.via) && valid(s.at)) steps[id] = { via: s.via as ProgressVia, at: s.at }
  }
  return { steps, at: valid(raw.at) ? raw.at : new Date(0).toISOString() }
}

/** Whether a read found a record that cannot be read. */
export const isUnreadable = (p: Progress | Unreadable | undefined): p is Unreadable => p !== undefined && 'unreadable' in p

const shellOf = (env: Record<string, string | undefined>, namespace: string, extra: Record<string, string> = {}): ShellOptions => ({
  env: { ...env, ...extra, KUBEWALK_NAMESPACE: namespace },
  timeoutMs: 30_000,
})

/** Reads one walkthrough's progress in a namespace (undefined when none was reported or kubectl could not read it; Unreadable when it is not a record). */
export async function readProgress(
  env: Record<string, string | undefined>,
  namespace: string,
  walkthrough: string,
  stepIds: readonly string[],
  run: ProgressLine = runScript,
): Promise<Progress | Unreadable | undefined> {
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
  const data: Record<string, string> = {}
  try {
    const cm: unknown = got.stdout.trim() === '' ? {} : JSON.parse(got.stdout)
    // The other walkthroughs' records stay as they were, as far as they are text.
    if (isObject(cm) && isObject(cm.data)) for (const [k, v] of Object.entries(cm.data)) if (typeof v === 'string') data[k] = v
  } catch {
    // not JSON: start again
  }
  const at = new Date().toISOString()
  const before = verified === 'reset' ? undefined : progressOf(got.stdout, walkthrough, stepIds)
  // A record that cannot be read is written anew.
  const steps: Progress['steps'] = { ...(before !== undefined && !isUnreadable(before) ? before.steps : {}) }
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
