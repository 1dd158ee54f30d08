import { describe, expect, it } from 'vitest'
import { lookAtPod, selectorOf, waitForPod, waitNote, type GetResult, type Getter } from '../../../src/engine/waits/pod.js'
import type { PodRead } from '../../../src/engine/waits/argv.js'

type State = { running?: object; waiting?: { reason: string }; terminated?: { reason: string } }
const pod = (phase: string, state: State | undefined, extra: { name?: string; containers?: string[]; lastTerminated?: boolean } = {}) => ({
  metadata: { name: extra.name ?? 'x' },
  spec: { containers: (extra.containers ?? ['c']).map((name) => ({ name })) },
  status: {
    phase,
    ...(state
      ? { containerStatuses: [{ name: (extra.containers ?? ['c'])[0], state, ...(extra.lastTerminated ? { lastState: { terminated: {} } } : {}) }] }
      : {}),
  },
})
const read = (verb: PodRead['verb'], kind = 'pod', name = 'x'): PodRead => ({ verb, kind, name, target: [] })

describe('lookAtPod', () => {
  it.each([
    ['exec', pod('Pending', undefined), false, undefined, 'Pending'],
    ['exec', pod('Pending', { waiting: { reason: 'ContainerCreating' } }), false, undefined, 'ContainerCreating'],
    ['exec', pod('Running', { running: {} }), true, undefined, 'Running'],
    ['attach', pod('Running', { running: {} }), true, undefined, 'Running'],
    ['port-forward', pod('Running', { waiting: { reason: 'CrashLoopBackOff' } }), true, undefined, 'CrashLoopBackOff'],
    ['exec', pod('Running', { waiting: { reason: 'CrashLoopBackOff' } }, { lastTerminated: true }), false, true, 'CrashLoopBackOff'],
    ['logs', pod('Running', { waiting: { reason: 'CrashLoopBackOff' } }, { lastTerminated: true }), true, undefined, 'CrashLoopBackOff'],
    ['logs', pod('Pending', { waiting: { reason: 'ContainerCreating' } }), false, undefined, 'ContainerCreating'],
    ['logs', pod('Succeeded', { terminated: { reason: 'Completed' } }), true, undefined, 'Completed'],
    ['logs', pod('Failed', { terminated: { reason: 'Error' } }), true, undefined, 'Error'],
    ['exec', pod('Succeeded', { terminated: { reason: 'Completed' } }), false, true, 'Completed'],
    ['logs', pod('Pending', { waiting: { reason: 'ImagePullBackOff' } }), false, true, 'ImagePullBackOff'],
    ['exec', pod('Pending', { waiting: { reason: 'ErrImagePull' } }), false, true, 'ErrImagePull'],
  ] as const)('%s on %j', (verb, p, ready, hopeless, status) => {
    const l = lookAtPod(p, { verb })
    expect([l.ready, l.hopeless, l.status, l.pod]).toEqual([ready, hopeless, status, 'pod/x'])
  })

  it('looks at the container the line names, else the default-container annotation, else the first', () => {
    const p = {
      metadata: { name: 'x', annotations: { 'kubectl.kubernetes.io/default-container': 'b' } },
      spec: { containers: [{ name: 'a' }, { name: 'b' }] },
      status: {
        phase: 'Running',
        containerStatuses: [
          { name: 'a', state: { running: {} } },
          { name: 'b', state: { waiting: { reason: 'PodInitializing' } } },
        ],
      },
    }
    expect(lookAtPod(p, { verb: 'exec' }).ready).toBe(false)
    expect(lookAtPod(p, { verb: 'exec', container: 'a' }).ready).toBe(true)
    delete (p.metadata as { annotations?: object }).annotations
    expect(lookAtPod(p, { verb: 'exec' }).ready).toBe(true)
  })
})

describe('selectorOf', () => {
  it.each([
    [{ spec: { selector: { matchLabels: { app: 'web', tier: 'fe' } } } }, 'app=web,tier=fe'],
    [{ spec: { selector: { app: 'redis' } } }, 'app=redis'],
    [{ spec: { selector: { matchExpressions: [{ key: 'a', operator: 'Exists' }] } } }, undefined],
    [{ spec: {} }, undefined],
  ])('%j', (obj, expected) => {
    expect(selectorOf(obj)).toBe(expected)
  })
})

/** A getter that answers from a script of results (the last repeats) and counts its calls. */
function scripted(...answers: ((args: readonly string[]) => GetResult)[]): Getter & { calls: string[][] } {
  const calls: string[][] = []
  const get = (async (args: readonly string[]) => {
    calls.push([...args])
    const f = answers[Math.min(calls.length - 1, answers.length - 1)] as (a: readonly string[]) => GetResult
    return f(args)
  }) as Getter & { calls: string[][] }
  get.calls = calls
  return get
}

describe('waitForPod', () => {
  it('costs one read when the Pod is already Running, and says nothing', async () => {
    const get = scripted(() => ({ found: pod('Running', { running: {} }) }))
    const w = await waitForPod({ ...read('exec'), namespace: 'demo', target: ['--context=k'] }, { get, timeoutMs: 5_000 })
    expect(w.outcome).toBe('ready')
    expect(get.calls).toEqual([['pod/x', '-n', 'demo', '--context=k']])
    expect(waitNote(w)).toBeUndefined()
  })

  it('looks again until the Pod is there and Running, reporting each pause', async () => {
    const get = scripted(
      () => ({ missing: true }),
      () => ({ found: pod('Pending', { waiting: { reason: 'ContainerCreating' } }) }),
      () => ({ found: pod('Running', { running: {} }) }),
    )
    const events: [number, string][] = []
    const w = await waitForPod(read('exec'), { get, timeoutMs: 5_000, intervalMs: 10, onWaiting: (a, _ms, what) => events.push([a, what]) })
    expect(w.outcome).toBe('ready')
    expect(w.requests).toBe(3)
    expect(events).toEqual([
      [1, 'pod/x to be Running'],
      [2, 'pod/x to be Running'],
    ])
    expect(waitNote(w)).toMatch(/^waited \d+\.\d s for pod\/x to be Running before the line ran$/)
  })

  it('stops at the bound, saying what it last saw', async () => {
    const get = scripted(() => ({ found: pod('Pending', { waiting: { reason: 'ContainerCreating' } }) }))
    const began = performance.now()
    const w = await waitForPod(read('logs'), { get, timeoutMs: 300, intervalMs: 20 })
    const took = performance.now() - began
    expect(w.outcome).toBe('late')
    expect(took).toBeLessThan(1_000)
    expect(took).toBeGreaterThanOrEqual(290)
    expect(waitNote(w)).toMatch(/limit \(--wait\); it was still ContainerCreating$/)
  })

  it('does not wait for what waiting cannot change', async () => {
    const get = scripted(() => ({ found: pod('Pending', { waiting: { reason: 'ImagePullBackOff' } }) }))
    const w = await waitForPod(read('exec'), { get, timeoutMs: 5_000 })
    expect([w.outcome, w.requests]).toEqual(['hopeless', 1])
    expect(waitNote(w)).toMatch(/ImagePullBackOff, which waiting does not change/)
  })

  it('gives up at once when the Pod cannot be read (Forbidden, unreachable)', async () => {
    const get = scripted(() => ({ error: 'Error from server (Forbidden): pods "x" is forbidden' }))
    const w = await waitForPod(read('exec'), { get, timeoutMs: 5_000 })
    expect([w.outcome, w.requests]).toEqual(['unreadable', 1])
  })

  it("finds a workload's Pods by its selector and takes one that can answer", async () => {
    const get = scripted(
      () => ({ found: { spec: { selector: { matchLabels: { app: 'web' } } } } }),
      () => ({
        found: {
          items: [
            pod('Pending', { waiting: { reason: 'ContainerCreating' } }, { name: 'web-1' }),
            pod('Running', { running: {} }, { name: 'web-2' }),
          ],
        },
      }),
    )
    const w = await waitForPod({ ...read('logs', 'deployment', 'web'), namespace: 'n' }, { get, timeoutMs: 5_000 })
    expect(w.outcome).toBe('ready')
    expect(w.status).toBe('pod/web-2 Running')
    expect(get.calls).toEqual([
      ['deployment/web', '-n', 'n'],
      ['pods', '-l', 'app=web', '-n', 'n'],
    ])
  })

  it('ends a wait when the run is interrupted', async () => {
    const get = scripted(() => ({ missing: true }))
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 50)
    const began = performance.now()
    const w = await waitForPod(read('exec'), { get, timeoutMs: 10_000, intervalMs: 1_000, signal: ac.signal })
    expect(w.outcome).toBe('late')
    expect(performance.now() - began).toBeLessThan(900)
  })
})
