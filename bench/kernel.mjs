// Per-line cost of the kernel: 200 trivial lines written into one bash, against 200 `bash -c true`
// spawns and one bash script of 200 lines, alternated round by round. Run: npx tsx bench/kernel.mjs [rounds]
import { spawn } from 'node:child_process'
import { openKernel } from '../src/engine/kernel.ts'

const LINES = 200
const rounds = Number(process.argv[2] ?? 7)

const exit = (child) => new Promise((resolve) => child.on('exit', resolve))

async function viaKernel(k) {
  const t = performance.now()
  for (let i = 0; i < LINES; i++) await k.run('true', { timeoutMs: 10_000 })
  return performance.now() - t
}

async function viaSpawns() {
  const t = performance.now()
  for (let i = 0; i < LINES; i++) await exit(spawn('bash', ['-c', 'true'], { stdio: 'ignore' }))
  return performance.now() - t
}

async function viaScript() {
  const t = performance.now()
  await exit(spawn('bash', ['-c', 'true\n'.repeat(LINES)], { stdio: 'ignore' }))
  return performance.now() - t
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const k = await openKernel({ env: {}, cwd: process.cwd() })
await viaKernel(k) // warm up both
await viaSpawns()
const times = { kernel: [], spawns: [], script: [] }
for (let r = 0; r < rounds; r++) {
  times.kernel.push(await viaKernel(k))
  times.spawns.push(await viaSpawns())
  times.script.push(await viaScript())
}
await k.close()
const per = (name) => (median(times[name]) / LINES).toFixed(3)
console.log(
  `per line, median of ${rounds} rounds of ${LINES}: kernel ${per('kernel')} ms, bash -c spawn ${per('spawns')} ms, one bash script ${per('script')} ms (incl. its start)`,
)
console.log(`kernel / spawn = ${(median(times.kernel) / median(times.spawns)).toFixed(3)}`)
