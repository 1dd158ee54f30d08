// What the guard costs a kubectl call that changes nothing: the function (in the run's shell) and the
// shim (for child processes) decide with a `case` on the verb and run the real kubectl at once. The
// real kubectl here is a copy of `true`, so the difference is the guard's own time.
import { spawnSync } from 'node:child_process'
import { copyFile, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { installGuard } from '../../../src/engine/guard/shim.js'
import { testDir } from '../../temp-dir.js'

it('costs at most 2 ms per read-only call, through the function and through the shim (200 calls each)', async () => {
  const dir = await testDir('kw-guard-cost-')
  await mkdir(join(dir, 'real'))
  const real = join(dir, 'real', 'kubectl')
  await copyFile('/bin/true', real)
  const g = await installGuard({ stateDir: join(dir, 'state'), realKubectl: real, mode: { lab: false, namespaces: [], allow: [] } })
  const shim = join(g.binDir, 'kubectl')
  // Rounds alternate direct, function and shim so that load from other jobs falls on all three alike.
  const script = `${g.functionText}
for round in 1 2 3 4 5; do
  t0=$EPOCHREALTIME; for i in $(seq 40); do ${real} get pods -n kube-system -o wide; done
  t1=$EPOCHREALTIME; for i in $(seq 40); do kubectl get pods -n kube-system -o wide; done
  t2=$EPOCHREALTIME; for i in $(seq 40); do ${shim} get pods -n kube-system -o wide; done
  t3=$EPOCHREALTIME
  echo "$t0 $t1 $t2 $t3"
done`
  await writeFile(join(dir, 'cost.sh'), script)
  const r = spawnSync('bash', ['--norc', '--noprofile', join(dir, 'cost.sh')], { encoding: 'utf8' })
  expect(r.stderr).toBe('')
  const rounds = r.stdout
    .trim()
    .split('\n')
    .map((l) => l.split(' ').map(Number))
    .map(([t0 = 0, t1 = 0, t2 = 0, t3 = 0]) => [t1 - t0, t2 - t1, t3 - t2].map((s) => (s * 1000) / 40))
  expect(rounds).toHaveLength(5)
  // The quietest round of each kind, so that a burst of load on one round does not count.
  const quietest = (k: number): number => Math.min(...rounds.map((x) => x[k] as number))
  const direct = quietest(0)
  const fn = quietest(1) - direct
  const sh = quietest(2) - direct
  console.log(`guard cost per read-only call: function +${fn.toFixed(2)} ms, shim +${sh.toFixed(2)} ms (direct ${direct.toFixed(2)} ms)`)
  expect(fn).toBeLessThanOrEqual(2)
  expect(sh).toBeLessThanOrEqual(2)
})
