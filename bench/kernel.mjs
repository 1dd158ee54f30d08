// Per-line cost of the kernel. 200 lines written into one bash, against 200 `bash -c LINE` spawns and
// one bash script of the same 200 lines, alternated round by round; for a builtin (`true`) and for an
// external command (`/bin/true`, as a kubectl line is). Run: npx tsx bench/kernel.mjs [rounds]
import { spawn } from 'node:child_process'
import { openKernel } from '../src/engine/kernel.ts'

const LINES = 200
const rounds = Number(process.argv[2] ?? 7)

const exit = (child) => new Promise((resolve) => child.on('exit', resolve))

const ways = {
  kernel: async (k, line) => {
    for (let i = 0; i < LINES; i++) await k.run(line, { timeoutMs: 10_000 })
  },
  spawns: async (_, line) => {
    for (let i = 0; i < LINES; i++) await exit(spawn('bash', ['-c', line], { stdio: 'ignore' }))
  },
  script: async (_, line) => {
    await exit(spawn('bash', ['-c', `${line}\n`.repeat(LINES)], { stdio: 'ignore' }))
  },
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const k = await openKernel({ env: {}, cwd: process.cwd() })
for (const line of ['true', '/bin/true']) {
  const times = { kernel: [], spawns: [], script: [] }
  for (let r = -1; r < rounds; r++) {
    for (const [name, way] of Object.entries(ways)) {
      const t = performance.now()
      await way(k, line)
      if (r >= 0) times[name].push(performance.now() - t) // round -1 warms up
    }
  }
  const per = (name) => median(times[name]) / LINES
  console.log(
    `${line.padEnd(9)} per line (median of ${rounds} rounds of ${LINES}): kernel ${per('kernel').toFixed(3)} ms, bash -c spawn ${per('spawns').toFixed(3)} ms, bash script ${per('script').toFixed(3)} ms; kernel/script ${(per('kernel') / per('script')).toFixed(2)}, kernel/spawn ${(per('kernel') / per('spawns')).toFixed(2)}`,
  )
}
await k.close()
