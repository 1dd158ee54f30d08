import { chmod, readFile, writeFile } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { defineStep, equal } from '../../../src/core/step.js'
import { run } from '../../../src/engine/runner.js'
import { deletedPod, watchedPodDeletion } from '../../../src/engine/waits/deleting.js'
import { deletionCommand } from '../../../src/engine/guard/ledger.js'
import { articleCluster } from '../../helpers.js'
import { testDir } from '../../temp-dir.js'

describe('deletedPod', () => {
  it.each([
    ['kubectl delete pod/x --ignore-not-found', ['pod/x']],
    ['kubectl delete pod/x -n demo --ignore-not-found', ['pod/x', '-n', 'demo']],
    ['kubectl delete pod x', ['pod', 'x']],
    ['kubectl delete pods/x --kubeconfig /k --context c --wait=false', ['pods/x', '--kubeconfig', '/k', '--context', 'c']],
    ['kubectl delete deployment.apps/web', undefined],
    ['kubectl delete pod -l app=x', undefined],
    ['kubectl delete pod a b', undefined],
    ['kubectl delete namespace demo', undefined],
    ['kubectl delete pod/x && echo gone', undefined],
  ])('%s', (command, expected) => {
    expect(deletedPod({ command })).toEqual(expected)
  })

  it("watches the guard's own Pod deletion (uid-checked) go too", () => {
    const c = deletionCommand({ kind: 'Pod', group: '', name: 'x', namespace: 'n', uid: 'u1', verb: 'run', at: '' })
    const w = watchedPodDeletion(c, 10_000)
    expect(w.script).toContain(c.script)
    expect(w.script).toContain('kubectl get pod/x -n n --ignore-not-found -o name')
    expect([w.describe, w.command]).toEqual([c.describe, c.command])
  })

  it('leaves other cleanups as they are', () => {
    const c = { describe: 'delete deployment.apps/web', command: 'kubectl delete deployment.apps/web' }
    expect(watchedPodDeletion(c)).toBe(c)
  })
})

/** A kubectl stand-in whose Pod x goes `goneAfter` reads after its deletion (never, with Infinity). */
async function terminating(goneAfter: number): Promise<{ env: Record<string, string>; calls: () => Promise<string[]> }> {
  const dir = await testDir('kubewalk-deleting-')
  const log = join(dir, 'calls')
  await writeFile(
    join(dir, 'kubectl'),
    `#!/bin/sh
echo "$*" >> '${log}'
case "$1" in
  run) echo "pod/x created" ;;
  delete) echo 'pod "x" deleted' ;;
  get) n=$(grep -c '^get' '${log}'); if [ "$n" -le ${Number.isFinite(goneAfter) ? goneAfter : 1_000_000} ]; then echo pod/x; fi ;;
esac
`,
  )
  await chmod(join(dir, 'kubectl'), 0o755)
  return { env: { PATH: `${dir}${delimiter}${process.env.PATH ?? ''}` }, calls: async () => (await readFile(log, 'utf8')).trim().split('\n') }
}

const runPod = defineStep({
  id: 'run-pod',
  number: '01',
  title: 'run',
  command: 'kubectl run x --image=busybox',
  reads: [],
  parse: (o) => o.stdout,
  check: () => [equal('ran', true, true)],
  tracks: (o) => ({
    created: o.stdout.includes('created') ? [{ describe: 'delete pod/x', command: 'kubectl delete pod/x --ignore-not-found' }] : [],
    deleted: [],
  }),
})

describe('cleanup of a Pod', () => {
  it('asks for the deletion without blocking on it, then watches the Pod go', async () => {
    const k = await terminating(2)
    const r = await run({ cluster: articleCluster, clusters: [articleCluster], env: k.env, steps: [runPod] })
    expect(r.cleanup).toEqual([{ describe: 'delete pod/x', command: 'kubectl delete pod/x --ignore-not-found', status: 'done' }])
    expect(r.ok).toBe(true)
    const calls = await k.calls()
    expect(calls).toContain('delete pod/x --ignore-not-found --wait=false')
    expect(calls.filter((c) => c.startsWith('get'))).toHaveLength(3)
  })

  it('reports a Pod still terminating at the bound as deleting, not as left on the cluster', async () => {
    const k = await terminating(Infinity)
    const r = await run({ cluster: articleCluster, clusters: [articleCluster], env: k.env, podDeleteTimeoutMs: 1_000, steps: [runPod] })
    expect(r.cleanup).toEqual([
      {
        describe: 'delete pod/x',
        command: 'kubectl delete pod/x --ignore-not-found',
        status: 'deleting',
        error: 'still terminating after 1 s (its grace period); it goes by itself',
      },
    ])
    expect(r.ok).toBe(true)
  })
})
