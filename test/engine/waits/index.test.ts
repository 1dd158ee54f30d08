import { chmod, readFile, writeFile } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { defineStep, equal, type Step } from '../../../src/core/step.js'
import { run, type RunEvent } from '../../../src/engine/runner.js'
import { createdByRun, kernelGetter, readsToWaitFor, variablesIn } from '../../../src/engine/waits/index.js'
import type { LineResult } from '../../../src/engine/kernel.js'
import { articleCluster } from '../../helpers.js'
import { testDir } from '../../temp-dir.js'

describe('createdByRun: whether the run made what a line reads', () => {
  const cleanups = [
    { describe: 'delete pod/shell-demo', command: 'kubectl delete pod/shell-demo --ignore-not-found' },
    { describe: 'delete deployment.apps/nginx-deployment in namespace demo', command: "kubectl delete 'deployment.apps/nginx-deployment' -n demo" },
    { describe: 'delete the job', command: 'kubectl delete job pi' },
  ]
  it.each([
    [{ kind: 'pod', name: 'shell-demo' }, true],
    [{ kind: 'pod', name: 'shell' }, false],
    [{ kind: 'pod', name: 'shell-demo-2' }, false],
    [{ kind: 'deployment', name: 'nginx-deployment' }, true],
    // A Pod a Deployment or a Job of the run made is the run's.
    [{ kind: 'pod', name: 'nginx-deployment-66b6c48dd5-x2k4q' }, true],
    [{ kind: 'job', name: 'pi' }, true],
    [{ kind: 'pod', name: 'pi-abcde' }, true],
    [{ kind: 'service', name: 'nginx-deployment' }, false],
    [{ kind: 'pod', name: 'coredns-abc' }, false],
  ])('%j: %s', (read, expected) => {
    expect(createdByRun(read, { cleanups })).toBe(expected)
  })

  it("counts what the guard's ledger saw the lines create, in the line's namespace", () => {
    const ledger = [{ kind: 'Pod', name: 'web', namespace: 'a' }]
    expect(createdByRun({ kind: 'pod', name: 'web' }, { cleanups: [], ledger })).toBe(true)
    expect(createdByRun({ kind: 'pod', name: 'web', namespace: 'a' }, { cleanups: [], ledger })).toBe(true)
    expect(createdByRun({ kind: 'pod', name: 'web', namespace: 'b' }, { cleanups: [], ledger })).toBe(false)
  })
})

describe('readsToWaitFor', () => {
  const known = { cleanups: [{ describe: 'delete pod/x', command: 'kubectl delete pod/x' }] }
  it.each([
    ['kubectl logs x', ['logs pod/x']],
    ['kubectl exec x -- echo hi', ['exec pod/x']],
    ['kubectl exec $P -- echo hi', ['exec pod/x']],
    ['kubectl logs x; kubectl logs x', ['logs pod/x']],
    ['kubectl logs other', []],
    ['kubectl get pod x', []],
    ['kubectl delete pod x', []],
  ])('%s', (line, expected) => {
    expect(readsToWaitFor(line, { P: 'x' }, known).map((r) => `${r.verb} ${r.kind}/${r.name}`)).toEqual(expected)
  })

  it('names the variables to read from the shell first', () => {
    expect(variablesIn('kubectl exec "$POD" -c ${C} -- echo $POD')).toEqual(['POD', 'C'])
  })
})

describe('kernelGetter', () => {
  const answer = (stdout: string, stderr = ''): Pick<LineResult, 'stdout' | 'stderr' | 'timedOut'> => ({ stdout, stderr, timedOut: false })
  it.each([
    [answer('{"kind":"Pod"}'), { found: { kind: 'Pod' } }],
    [answer('', 'Error from server (NotFound): pods "x" not found'), { missing: true }],
    [
      answer('', 'Error from server (Forbidden): pods "x" is forbidden: User "u" cannot get resource "pods"'),
      { error: 'Error from server (Forbidden): pods "x" is forbidden: User "u" cannot get resource "pods"' },
    ],
    [answer('not json'), { error: 'its answer was not JSON' }],
  ])('%j', async (r, expected) => {
    const lines: string[] = []
    const get = kernelGetter({ run: async (line) => (lines.push(line), r as LineResult) }, { timeoutMs: 1_000 })
    expect(await get(['pod/x', '-n', 'a b'])).toEqual(expected)
    // Quoted through the tool; a failed read never ends the shell, even under set -e.
    expect(lines).toEqual([`kubectl get pod/x -n $'a b' -o json || :`])
  })
})

/** A kubectl stand-in (kubewalk's own logic under test, not kubectl's): a Pod that is Running from its `runningAt`-th read on. */
async function standIn(runningAt: number): Promise<{ env: Record<string, string>; calls: () => Promise<string[]> }> {
  const dir = await testDir('kubewalk-waits-')
  const log = join(dir, 'calls')
  const pending = JSON.stringify({ metadata: { name: 'x' }, spec: { containers: [{ name: 'x' }] }, status: { phase: 'Pending' } })
  const running = JSON.stringify({
    metadata: { name: 'x' },
    spec: { containers: [{ name: 'x' }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'x', state: { running: {} } }] },
  })
  await writeFile(
    join(dir, 'kubectl'),
    `#!/bin/sh
echo "$*" >> '${log}'
case "$1" in
  run) echo "pod/$2 created" ;;
  get) case "$*" in *'-o name'*) exit 0 ;; esac; n=$(grep -c '^get.*-o json' '${log}'); if [ "$n" -ge ${runningAt} ]; then echo '${running}'; else echo '${pending}'; fi ;;
  logs) echo hello ;;
  exec) shift; while [ "$1" != -- ]; do shift; done; shift; "$@" ;;
  delete) echo "pod \\"x\\" deleted" ;;
esac
`,
  )
  await chmod(join(dir, 'kubectl'), 0o755)
  return {
    env: { PATH: `${dir}${delimiter}${process.env.PATH ?? ''}` },
    calls: async () => (await readFile(log, 'utf8')).trim().split('\n'),
  }
}

const step = (id: string, command: string, extra: Partial<Step<string>> = {}): Step<string> =>
  defineStep({ id, number: '01', title: id, command, reads: [], parse: (o) => o.stdout.trim(), check: (v) => [equal('printed', v, v)], ...extra })
const runPod = step('run-pod', 'kubectl run x --image=busybox', {
  tracks: (o) => ({
    created: o.stdout.includes('created') ? [{ describe: 'delete pod/x', command: 'kubectl delete pod/x' }] : [],
    deleted: [],
  }),
})

describe('the runner waits before a line that reads a Pod the run created', () => {
  it('waits until the Pod is Running, reports it, then runs the line once', async () => {
    const k = await standIn(3)
    const events: RunEvent[] = []
    const r = await run({
      cluster: articleCluster,
      clusters: [articleCluster],
      env: k.env,
      steps: [runPod, step('exec', 'kubectl exec x -- echo hi', { check: (v) => [equal('printed', 'hi', v)] })],
      onEvent: (e) => events.push(e),
    })
    expect(r.steps.map((s) => s.status)).toEqual(['passed', 'passed'])
    expect(r.steps[1]?.attempts).toBe(1)
    expect(r.steps[1]?.notes).toEqual([expect.stringMatching(/^waited \d+\.\d s for pod\/x to be Running before the line ran$/)])
    expect(events.filter((e) => e.type === 'attempt').map((e) => e.type === 'attempt' && e.waitingFor)).toEqual([
      'pod/x to be Running',
      'pod/x to be Running',
    ])
    expect((await k.calls()).filter((c) => c.endsWith('-o json'))).toEqual(Array(3).fill('get pod/x -o json'))
  })

  it('costs one read when the Pod is already Running', async () => {
    const k = await standIn(1)
    const r = await run({ cluster: articleCluster, clusters: [articleCluster], env: k.env, steps: [runPod, step('logs', 'kubectl logs x')] })
    expect(r.ok).toBe(true)
    expect(r.steps[1]?.notes).toBeUndefined()
    expect((await k.calls()).filter((c) => c.endsWith('-o json'))).toEqual(['get pod/x -o json'])
  })

  it('does not wait for a Pod the run did not create', async () => {
    const k = await standIn(1)
    const r = await run({ cluster: articleCluster, clusters: [articleCluster], env: k.env, steps: [step('logs', 'kubectl logs x')] })
    expect(r.ok).toBe(true)
    expect((await k.calls()).filter((c) => c.endsWith('-o json'))).toEqual([])
  })

  it('stops waiting at --wait and runs the line, saying so', async () => {
    const k = await standIn(1_000)
    const began = performance.now()
    const r = await run({
      cluster: articleCluster,
      clusters: [articleCluster],
      env: k.env,
      waitTimeoutMs: 600,
      steps: [runPod, step('logs', 'kubectl logs x')],
    })
    expect(performance.now() - began).toBeLessThan(5_000)
    expect(r.steps[1]?.notes).toEqual([
      expect.stringMatching(/^waited 0\.\d s for pod\/x to start its container, the limit \(--wait\); it was still Pending$/),
    ])
  })
})
