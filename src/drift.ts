// Drift: each step's parsed live result against the same step's parse of what the article recorded,
// every difference classified: expected (tokens, times, ids, addresses), a version change, or real.
import { ARTICLE, articleOutputs } from './article.js'
import type { RunResult } from './runner.js'
import type { Step, StepContext } from './step.js'

export type DriftKind = 'expected' | 'version' | 'real'

/** One difference between the article and the live run. */
export interface DriftItem {
  path: string
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

type Rule = { path: RegExp; kind: DriftKind | 'ignore'; note: string; steps?: string[]; when?: (live: Map<string, unknown>) => boolean; hideValues?: boolean }

const VERSION_NOTE = `the article ran Kubernetes ${ARTICLE.kubernetes} with kubectl ${ARTICLE.kubectl}`

// First match wins. Paths are dotted, arrays as [i]; claim names keep their dots and slashes.
const RULES: Rule[] = [
  { path: /^body\.text$/, kind: 'ignore', note: '' },
  // A token step's value also holds fields derived from the claims; compare the claims only, once.
  { path: /^(?!header\.|claims\.)/, steps: ['create-token', 'read-secret-token'], kind: 'ignore', note: '' },
  { path: /^body\.truncated$/, kind: 'version', note: 'kubectl cuts logged bodies longer than 1024 characters at -v=8' },
  { path: /^(format|body\.encoding|requestContentType)$/, kind: 'version', note: 'kubectl 1.32+ logs structured lines and sends TokenRequest as protobuf' },
  { path: /^expirationSeconds$/, kind: 'version', note: 'kubectl 1.32+ logs a protobuf body, cut at -v=8 before spec.expirationSeconds', when: (l) => l.get('body.encoding') === 'protobuf' && !l.has('expirationSeconds') },
  { path: /^(expirationSeconds|tokenLifetime)$/, kind: 'real', note: "the server's default token lifetime differs from the article's 3600 s" },
  { path: /^userAgent$/, kind: 'version', note: 'another kubectl build' },
  { path: /^claims\.jti$/, kind: 'version', note: 'bound tokens carry a jti claim from Kubernetes 1.30 on' },
  { path: /^claims\.kubernetes\.io\.(node|warnafter)/, kind: 'version', note: 'newer API servers add these bound-token claims' },
  { path: /^secret\.metadata\.labels/, kind: 'version', note: 'API servers from 1.29 on label legacy token Secrets with their last use' },
  { path: /^secret\.data\./, kind: 'expected', note: 'Secret data is per cluster (CA, token); values not shown', hideValues: true },
  { path: /^(header\.kid|claims\.(exp|iat|nbf|iss|aud(\[\d+\])?)|claims\..*uid)$/, kind: 'expected', note: "the cluster's signing key, issuer, audiences, ids and the time of the run" },
  { path: /(^|\.)(uid|resourceVersion|creationTimestamp|AGE)$|service-account\.uid$/, kind: 'expected', note: 'ids and times are per object' },
  { path: /(^|\.|\])(server|serverAddress|clientCIDR|url|name)$|^rows\[\d+\]/, kind: 'expected', note: 'cluster names and addresses are per cluster' },
  { path: /^value$/, steps: ['set-cluster-name', 'apiserver-url'], kind: 'expected', note: 'cluster names and addresses are per cluster' },
  { path: /^\[\d+\]\./, steps: ['list-secrets-before'], kind: 'expected', note: 'other Secrets in the namespace' },
  { path: /^value$/, steps: ['apply-token-secret', 'delete-token-secret'], kind: 'version', note: 'this kubectl words the message differently' },
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

function classify(stepId: string, path: string, live: Map<string, unknown>): Rule | undefined {
  for (const r of RULES) {
    if (!r.path.test(path) || (r.steps && !r.steps.includes(stepId)) || (r.when && !r.when(live))) continue
    return r.kind === 'ignore' ? undefined : r
  }
  return { path: /./, kind: 'real', note: `differs from the article (${VERSION_NOTE})` }
}

/** The differences between two parsed values of one step. */
export function diffValues(stepId: string, articleValue: unknown, liveValue: unknown): DriftItem[] {
  const a = flatten(articleValue)
  const l = flatten(liveValue)
  const items: DriftItem[] = []
  for (const path of new Set([...a.keys(), ...l.keys()])) {
    const av = a.get(path)
    const lv = l.get(path)
    if (JSON.stringify(av) === JSON.stringify(lv)) continue
    const c = classify(stepId, path, l)
    if (!c || c.kind === 'ignore') continue
    const item: DriftItem = { path, kind: c.kind, note: c.note }
    if (a.has(path) && !c.hideValues) item.article = av
    if (l.has(path) && !c.hideValues) item.live = lv
    items.push(item)
  }
  return items
}

/** Drift of every step that passed in a run (a failed step has no trustworthy value). */
export function driftOf(result: RunResult, steps: readonly Step<any>[]): StepDrift[] {
  const recorded = articleOutputs()
  const values = new Map<string, unknown>()
  const ctx = (): StepContext => ({ vars: { CLUSTER_NAME: ARTICLE.cluster.name }, cluster: ARTICLE.cluster, clusters: [ARTICLE.cluster], expectedTokenLifetimeSeconds: 3600, values, now: ARTICLE.recordedAt })
  const drift: StepDrift[] = []
  for (const step of steps) {
    const out = recorded[step.id]
    if (!out) continue
    let articleValue: unknown
    try {
      articleValue = step.parse(out, ctx())
    } catch {
      continue // not the article's line (an exercise): nothing recorded to compare with
    }
    values.set(step.id, articleValue)
    const live = result.steps.find((s) => s.id === step.id)
    if (live?.status !== 'passed') continue
    drift.push({ id: step.id, items: diffValues(step.id, articleValue, live.value) })
  }
  return drift
}

/** Counts by kind, for summaries. */
export function driftCounts(drift: StepDrift[]): Record<DriftKind, number> {
  const counts: Record<DriftKind, number> = { expected: 0, version: 0, real: 0 }
  for (const d of drift) for (const i of d.items) counts[i.kind]++
  return counts
}
