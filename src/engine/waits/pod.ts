// Whether a Pod can answer a line that reads it (a reader looks at `kubectl get pod` until it is Running), and the
// bounded wait for it: one read when it already can, a few a second while it starts, never past the bound.
import { setTimeout as sleep } from 'node:timers/promises'
import type { PodRead } from './argv.js'

/** One `kubectl get … -o json`: the object, or that it is not there (NotFound), or why it could not be read. */
export type GetResult = { found: unknown } | { missing: true } | { error: string }

/** Reads objects the way the run's lines do (its kubectl, kubeconfig and context); `args` go after `kubectl get`. */
export type Getter = (args: readonly string[]) => Promise<GetResult>

/** What a look at the Pod(s) showed. */
export interface PodLook {
  /** The line can run: its container started (or, for logs, ran and ended). */
  ready: boolean
  /** Waiting cannot help (an image that does not pull, a Pod that ended before an exec): the line runs and says why. */
  hopeless?: boolean
  /** kubectl's STATUS word for it: Running, ContainerCreating, ImagePullBackOff, Completed, Pending, or `not there yet`. */
  status: string
  /** `pod/NAME` (the Pod chosen for a workload, once there is one). */
  pod: string
}

interface ContainerStatus {
  name?: string
  state?: { running?: object; waiting?: { reason?: string }; terminated?: { reason?: string } }
  lastState?: { terminated?: object }
}
interface PodJson {
  metadata?: { name?: string; annotations?: Record<string, string>; deletionTimestamp?: string }
  spec?: { containers?: { name?: string }[] }
  status?: { phase?: string; reason?: string; containerStatuses?: ContainerStatus[] }
}

// Reasons a container stays waiting until someone changes something: a reader would stop looking too.
const STUCK = new Set([
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
])

/** Whether one Pod can answer `read` (its container, else the default one: the annotation's, else the first). */
export function lookAtPod(pod: unknown, read: Pick<PodRead, 'verb' | 'container'>): PodLook {
  const p = (pod ?? {}) as PodJson
  const name = `pod/${p.metadata?.name ?? '?'}`
  const phase = p.status?.phase ?? 'Pending'
  const wanted = read.container ?? p.metadata?.annotations?.['kubectl.kubernetes.io/default-container'] ?? p.spec?.containers?.[0]?.name ?? undefined
  const statuses = p.status?.containerStatuses ?? []
  const c = statuses.find((s) => s.name === wanted) ?? (read.container === undefined ? statuses[0] : undefined)
  const waiting = c?.state?.waiting?.reason
  const status =
    p.metadata?.deletionTimestamp !== undefined
      ? 'Terminating'
      : phase === 'Succeeded'
        ? 'Completed'
        : phase === 'Failed'
          ? (p.status?.reason ?? 'Error')
          : (waiting ?? (c?.state?.terminated ? (c.state.terminated.reason ?? 'Terminated') : phase))
  if (read.verb === 'logs') {
    // Logs answer once the container has started, even after it ended (a Job's Pod, a crash loop's last run).
    const started = c?.state?.running !== undefined || c?.state?.terminated !== undefined || c?.lastState?.terminated !== undefined
    if (started || phase === 'Succeeded' || phase === 'Failed') return { ready: true, status, pod: name }
    return { ready: false, ...(waiting !== undefined && STUCK.has(waiting) ? { hopeless: true } : {}), status, pod: name }
  }
  if (phase === 'Succeeded' || phase === 'Failed' || p.metadata?.deletionTimestamp !== undefined)
    return { ready: false, hopeless: true, status, pod: name }
  // port-forward needs the Pod Running; exec and attach the container too.
  const ready = phase === 'Running' && (read.verb === 'port-forward' || c?.state?.running !== undefined)
  return {
    ready,
    ...(!ready && waiting !== undefined && (STUCK.has(waiting) || waiting === 'CrashLoopBackOff') ? { hopeless: true } : {}),
    status,
    pod: name,
  }
}

/** The label selector of a workload or Service (`k=v,k2=v2`), from its matchLabels or its selector map; undefined when it has none. */
export function selectorOf(obj: unknown): string | undefined {
  const spec = (obj as { spec?: { selector?: Record<string, unknown> & { matchLabels?: Record<string, string> } } } | undefined)?.spec
  const sel = spec?.selector
  if (sel === undefined || sel === null) return undefined
  const labels = (sel.matchLabels ?? (Object.values(sel).every((v) => typeof v === 'string') ? sel : undefined)) as Record<string, string> | undefined
  if (labels === undefined || Object.keys(labels).length === 0) return undefined
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')
}

const scope = (read: PodRead): string[] => [...(read.namespace !== undefined ? ['-n', read.namespace] : []), ...read.target]

/** One look: the Pod itself, or the workload then its Pods (the first that can answer, as kubectl prefers a running one). */
export async function look(read: PodRead, get: Getter): Promise<{ look: PodLook; requests: number } | { error: string; requests: number }> {
  const what = `${read.kind}/${read.name}`
  const first = await get([what, ...scope(read)])
  if ('error' in first) return { error: first.error, requests: 1 }
  if ('missing' in first) return { look: { ready: false, status: 'not there yet', pod: what }, requests: 1 }
  if (read.kind === 'pod') return { look: lookAtPod(first.found, read), requests: 1 }
  const selector = selectorOf(first.found)
  if (selector === undefined) return { error: `${what} has no label selector to find its Pods by`, requests: 1 }
  const list = await get(['pods', '-l', selector, ...scope(read)])
  if ('error' in list) return { error: list.error, requests: 2 }
  const items = 'found' in list ? (((list.found as { items?: unknown[] }).items ?? []) as unknown[]) : []
  const looks = items.map((p) => lookAtPod(p, read))
  const best = looks.find((l) => l.ready) ?? looks.find((l) => !l.hopeless) ?? looks[0]
  return { look: best ?? { ready: false, status: 'no Pod yet', pod: what }, requests: 2 }
}

/** How one wait went. */
export interface PodWait {
  read: PodRead
  /** What was awaited, for messages: `pod/x to be Running`. */
  awaited: string
  waitedMs: number
  requests: number
  /** ready: it can answer; hopeless: it never will without a change; late: the bound ran out; unreadable: the reads failed. */
  outcome: 'ready' | 'hopeless' | 'late' | 'unreadable'
  /** The last status seen (or the read's error). */
  status: string
}

export interface PodWaitOptions {
  get: Getter
  timeoutMs: number
  /** Between looks; grows from this to 1 s. */
  intervalMs?: number
  signal?: AbortSignal
  /** Called before each pause while it is not ready (look 1, 2, …). */
  onWaiting?: (attempt: number, elapsedMs: number, awaited: string) => void
}

/** Looks until the Pod can answer `read`, it never will, or `timeoutMs` passes; one look when it already can. */
export async function waitForPod(read: PodRead, o: PodWaitOptions): Promise<PodWait> {
  const awaited = `${read.kind}/${read.name}${read.kind === 'pod' ? '' : "'s Pod"} to ${read.verb === 'logs' ? 'start its container' : 'be Running'}`
  const began = performance.now()
  const deadline = began + o.timeoutMs
  let interval = o.intervalMs ?? 250
  let requests = 0
  for (let attempt = 1; ; attempt++) {
    const r = await look(read, o.get)
    requests += r.requests
    const waitedMs = Math.round(performance.now() - began)
    if ('error' in r) return { read, awaited, waitedMs, requests, outcome: 'unreadable', status: r.error }
    if (r.look.ready || r.look.hopeless)
      return { read, awaited, waitedMs, requests, outcome: r.look.ready ? 'ready' : 'hopeless', status: `${r.look.pod} ${r.look.status}` }
    // The last look comes at the bound itself, not one interval short of it.
    const left = deadline - performance.now()
    if (left <= 0 || o.signal?.aborted === true)
      return { read, awaited, waitedMs, requests, outcome: 'late', status: `${r.look.pod} ${r.look.status}` }
    o.onWaiting?.(attempt, waitedMs, awaited)
    try {
      await sleep(Math.min(interval, left), undefined, o.signal ? { signal: o.signal } : {})
    } catch {
      return { read, awaited, waitedMs: Math.round(performance.now() - began), requests, outcome: 'late', status: `${r.look.pod} ${r.look.status}` }
    }
    interval = Math.min(1000, interval * 2)
  }
}

/** The sentence a step's result carries about a wait that took time or did not end well; undefined for a look that found it ready. */
export function waitNote(w: PodWait): string | undefined {
  const s = (w.waitedMs / 1000).toFixed(1)
  switch (w.outcome) {
    case 'ready':
      return w.requests <= (w.read.kind === 'pod' ? 1 : 2) ? undefined : `waited ${s} s for ${w.awaited} before the line ran`
    case 'hopeless':
      return `did not wait for ${w.awaited}: it is ${w.status.split(' ').pop()}, which waiting does not change`
    case 'late':
      return `waited ${s} s for ${w.awaited}, the limit (--wait); it was still ${w.status.split(' ').pop()}`
    case 'unreadable':
      return `could not read ${w.read.kind}/${w.read.name} to wait for it (${w.status}); the line ran at once`
  }
}
