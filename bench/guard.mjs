// The guard's cost on a kubectl call that creates nothing (issue 23: at most 2 ms), for bench.mjs. In one
// bash, round by round, the same call runs unguarded and through the guard (the run's `kubectl` function;
// the shim that child processes find on PATH): the median of the per-round differences is the guard's cost,
// bursts of load aside. Once with a copy of `true` as kubectl (the guard's own time, resolved to a few
// hundredths of a millisecond), once with the lab's kubectl against the lab (the same figure inside a real
// call's noise). The order alternates between rounds, so neither side always runs second.
import { execa } from 'execa'
import { copyFile, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { installGuard } from '../dist/src/engine/guard/shim.js'
import { median } from './lib.mjs'

const mode = { lab: false, namespaces: [], allow: [] }

/** Runs `rounds` rounds of `calls` (shell words, each timed alone) in one bash; per round, the calls' times in ms. */
async function rounds(functionText, calls, count, env) {
  const timedCalls = (order) => order.map((i) => `t${i}=$EPOCHREALTIME; ${calls[i]} >/dev/null 2>&1; u${i}=$EPOCHREALTIME`).join('\n    ')
  const report = calls.map((_, i) => `$t${i} $u${i}`).join(' ')
  const ids = calls.map((_, i) => i)
  // Odd rounds in the given order, even rounds reversed; the report is always in the given order.
  const script = `${functionText}
for i in $(seq ${count}); do
  if (( i % 2 )); then
    ${timedCalls(ids)}
  else
    ${timedCalls([...ids].reverse())}
  fi
  echo "${report}"
done`
  const r = await execa('bash', ['--norc', '--noprofile', '-c', script], { env })
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => l.split(' ').map(Number))
    .map((xs) => calls.map((_, i) => ((xs[2 * i + 1] ?? 0) - (xs[2 * i] ?? 0)) * 1000))
}

const diffOf = (rs, a, b) => median(rs.map((x) => x[a] - x[b]))
const ms = (x) => `${x.toFixed(2)} ms`

export async function guardCost({ kubectl, env, parent, log }) {
  const dir = join(parent, 'guard-cost')
  await mkdir(join(dir, 'real'), { recursive: true })
  const standIn = join(dir, 'real', 'kubectl')
  await copyFile('/bin/true', standIn)
  const rows = []

  // 1. A stand-in kubectl that does nothing: the difference is the guard's own work.
  const s = await installGuard({ stateDir: join(dir, 'state-standin'), realKubectl: standIn, mode })
  const bare = join(dir, 'bare-shim')
  await writeFile(bare, `#!/bin/sh\nexec ${standIn} "$@"\n`, { mode: 0o755 })
  const shim = join(s.binDir, 'kubectl')
  const call = 'get secrets -n default -o wide'
  const sr = await rounds(s.functionText, [`${standIn} ${call}`, `kubectl ${call}`, `${shim} ${call}`, `${bare} ${call}`], 300, {
    ...env,
    ...s.env,
  })
  const direct = median(sr.map((x) => x[0]))
  const fn = diffOf(sr, 1, 0)
  const decision = diffOf(sr, 2, 3)
  rows.push({
    name: 'the guard function on a call that creates nothing (`kubectl get secrets`, kubectl a copy of `true`, 300 rounds)',
    unguarded: ms(direct),
    guarded: ms(median(sr.map((x) => x[1]))),
    diff: `+${ms(fn)}`,
    target: '<= 2 ms',
    met: fn <= 2,
    fnMs: fn,
  })
  rows.push({
    name: "the shim's decision (child processes), over a shim that only execs kubectl (300 rounds)",
    unguarded: ms(median(sr.map((x) => x[3]))),
    guarded: ms(median(sr.map((x) => x[2]))),
    diff: `+${ms(decision)}`,
    target: '<= 2 ms',
    met: decision <= 2,
    decisionMs: decision,
  })
  log(`guard, stand-in kubectl: function +${ms(fn)}, shim decision +${ms(decision)} (direct ${ms(direct)})`)

  // 2. The lab's kubectl: the same calls against the lab, reads and a `create token` (a verb that changes, a sub-verb that does not).
  const g = await installGuard({ stateDir: join(dir, 'state-lab'), realKubectl: kubectl, mode, path: env.PATH })
  for (const [args, count] of [
    ['get secrets', 60],
    ['create token default', 30],
  ]) {
    const rr = await rounds(g.functionText, [`${kubectl} ${args}`, `kubectl ${args}`], count, { ...env, ...g.env })
    const d = diffOf(rr, 1, 0)
    rows.push({
      name: `the guard function on \`kubectl ${args}\` against the lab (${count} rounds)`,
      unguarded: ms(median(rr.map((x) => x[0]))),
      guarded: ms(median(rr.map((x) => x[1]))),
      diff: `${d >= 0 ? '+' : ''}${ms(d)}`,
      target: '',
      diffMs: d,
    })
    log(`guard, lab kubectl ${args}: ${d >= 0 ? '+' : ''}${ms(d)}`)
  }
  return { rows }
}
