// Drift: each step's parsed live result against the same step's parse of what the walkthrough's source
// recorded, every difference classified: expected (tokens, times, ids, addresses, the namespace), a
// version change, or real. A walkthrough brings its own rules; the engine's generic ones come after.
import type { RunResult } from '../engine/runner.js'
import type { StepContext, Vars } from './step.js'
import { escapeRe } from './text.js'
import { settingsOf, type Walkthrough } from './walkthrough.js'

export type DriftKind = 'expected' | 'version' | 'real'

/** One difference between the recording and the live run. */
export interface DriftItem {
  path: string
  /** The recorded value (the key keeps its first name, from when the only recording was the article's). */
  article?: unknown
  live?: unknown
  kind: DriftKind
  note: string
}

/** A step's differences. */
export interface StepDrift {
  id: string
  items: DriftItem[]
}

/** How to classify a difference at a path (dotted, arrays as [i]); `steps` limits it to some step ids. */
export interface DriftRule {
  path: RegExp
  kind: DriftKind | 'ignore'
  note: string
  steps?: readonly string[]
  /** Applies only when the live value's flattened paths satisfy this. */
  when?: (live: ReadonlyMap<string, unknown>) => boolean
  /** Values are not copied into the report (Secret data). */
  hideValues?: boolean
}

// After the walkthrough's own rules: what differs on every cluster whatever the walkthrough.
const ENGINE_RULES: DriftRule[] = [
  { path: /(^|\.)(uid|resourceVersion|creationTimestamp|AGE)$|\.uid$/, kind: 'expected', note: 'ids and times are per object' },
  { path: /(^|\.|\])(server|serverAddress|clientCIDR|url|name)$/, kind: 'expected', note: 'cluster names and addresses are per cluster' },
]

function flatten(value: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (Array.isArray(value)) value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out))
  else if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
    if (entries.length === 0 && prefix !== '') out.set(prefix, value)
    for (const [k, v] of entries) flatten(v, prefix === '' ? k : `${prefix}.${k}`, out)
  } else if (value !== undefined) out.set(prefix === '' ? 'value' : prefix, value)
  return out
}

/** Where the live run acts in another namespace than the recording, that difference is expected. */
export interface NamespacePair {
  recorded: string
  live: string
}

function onlyTheNamespace(av: unknown, lv: unknown, ns: NamespacePair | undefined): boolean {
  if (ns === undefined || ns.recorded === ns.live || typeof av !== 'string' || typeof lv !== 'string') return false
  // The name wherever it stands whole: a value, a path segment (/namespaces/x/), a field of
  // system:serviceaccount:x:default, a string inside JSON ("namespace":"x").
  return av === lv.replace(new RegExp(`(?<![a-z0-9-])${escapeRe(ns.live)}(?![a-z0-9-])`, 'g'), ns.recorded)
}

function classify(rules: readonly DriftRule[], stepId: string, path: string, live: Map<string, unknown>, versionNote: string): DriftRule | undefined {
  for (const r of rules) {
    if (!r.path.test(path) || (r.steps && !r.steps.includes(stepId)) || (r.when && !r.when(live))) continue
    return r.kind === 'ignore' ? undefined : r
  }
  return { path: /./, kind: 'real', note: `differs from the recording (${versionNote})` }
}

/** The differences between two parsed values of one step. */
export function diffValues(
  stepId: string,
  recordedValue: unknown,
  liveValue: unknown,
  opts: { rules?: readonly DriftRule[]; versionNote?: string; namespace?: NamespacePair } = {},
): DriftItem[] {
  const rules = [...(opts.rules ?? []), ...ENGINE_RULES]
  const a = flatten(recordedValue)
  const l = flatten(liveValue)
  const items: DriftItem[] = []
  for (const path of new Set([...a.keys(), ...l.keys()])) {
    const av = a.get(path)
    const lv = l.get(path)
    if (JSON.stringify(av) === JSON.stringify(lv)) continue
    const c: DriftRule | undefined = onlyTheNamespace(av, lv, opts.namespace)
      ? { path: /./, kind: 'expected', note: `this run acts in namespace ${opts.namespace?.live}` }
      : classify(rules, stepId, path, l, opts.versionNote ?? 'another cluster')
    if (!c || c.kind === 'ignore') continue
    const item: DriftItem = { path, kind: c.kind, note: c.note }
    if (a.has(path) && !c.hideValues) item.article = av
    if (l.has(path) && !c.hideValues) item.live = lv
    items.push(item)
  }
  return items
}

/** "the recording ran Kubernetes v1.x with kubectl v1.y", from a walkthrough's source. */
export function versionNote(w: Walkthrough): string {
  const s = w.source
  if (s?.kubernetes === undefined) return 'its recording'
  return `the recording ran Kubernetes ${s.kubernetes}${s.kubectl ? ` with kubectl ${s.kubectl}` : ''}`
}

/** Drift of every step that passed in a run (a failed step has no trustworthy value); none without recordings. */
export function driftOf(result: RunResult, w: Walkthrough, opts: { namespace?: string } = {}): StepDrift[] {
  const recorded = w.recorded?.()
  if (recorded === undefined) return []
  const values = new Map<string, unknown>()
  const vars: Vars = {}
  const cluster = w.source?.cluster ?? { name: 'recorded', server: '' }
  const ctx = (): StepContext => ({
    vars: { ...vars },
    cluster,
    clusters: [cluster],
    namespace: 'default',
    settings: settingsOf(w),
    values,
    now: w.source?.recordedAt ?? new Date(),
  })
  const namespace = opts.namespace !== undefined ? { recorded: 'default', live: opts.namespace } : undefined
  const drift: StepDrift[] = []
  for (const step of w.steps) {
    const out = recorded[step.id]
    if (!out) continue
    let recordedValue: unknown
    try {
      recordedValue = step.parse(out, ctx())
    } catch {
      continue // nothing this step's parser can read was recorded
    }
    values.set(step.id, recordedValue)
    if (step.writes !== undefined && out.captured !== undefined) vars[step.writes.name] = out.captured
    const live = result.steps.find((s) => s.id === step.id)
    if (live?.status !== 'passed') continue
    const own = w.compare?.(step, recordedValue, live.value)
    drift.push({
      id: step.id,
      items:
        own ??
        diffValues(step.id, recordedValue, live.value, { rules: w.drift ?? [], versionNote: versionNote(w), ...(namespace ? { namespace } : {}) }),
    })
  }
  return drift
}

/** Counts by kind, for summaries. */
export function driftCounts(drift: StepDrift[]): Record<DriftKind, number> {
  const counts: Record<DriftKind, number> = { expected: 0, version: 0, real: 0 }
  for (const d of drift) for (const i of d.items) counts[i.kind]++
  return counts
}
