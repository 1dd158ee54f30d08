// npm run bench:class: a workshop's credentials on one lab. `kubewalk class open --participants N`
// (default 30; BENCH_CLASS_PARTICIPANTS) then `kubewalk class close`, BENCH_CLASS_ROUNDS times (default 3),
// with the lab's own kubectl first on PATH. For each: wall time, the kube-apiserver's peak RSS during it,
// and the namespaces left after close (must be none). Budgets: open ≤ 20 s, close ≤ 60 s for 30; a round
// over budget or with leftovers makes the script exit 1. BENCH_CLASS_OUT=FILE writes the figures as JSON.
import { execa } from 'execa'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureLabBinaries, labDown, labUp } from '../dist/src/platform/lab/index.js'
import { labPids, median, rssNow, sampleRss } from './lib.mjs'

const N = Number(process.env.BENCH_CLASS_PARTICIPANTS ?? 30)
const ROUNDS = Number(process.env.BENCH_CLASS_ROUNDS ?? 3)
const OPEN_BUDGET_MS = 20_000
const CLOSE_BUDGET_MS = 60_000
const root = fileURLToPath(new URL('..', import.meta.url))
const BIN = join(root, 'bin/kubewalk.js')
const log = (line) => process.stderr.write(`${line}\n`)

const binaries = await ensureLabBinaries({ onProgress: log })
const parent = await mkdtemp(join(tmpdir(), 'kubewalk-bench-class-'))
const dir = join(parent, 'lab')
const bin = join(parent, 'bin')
await mkdir(bin)
await symlink(binaries.kubectl, join(bin, 'kubectl'))
const results = { when: new Date().toISOString(), machine: `${cpus().length} cores`, node: process.version, participants: N, rounds: [] }
let failed = false
try {
  const lab = await labUp({ dir, binaries })
  const pids = await labPids(dir)
  const env = { ...process.env, KUBECONFIG: lab.kubeconfig, NO_COLOR: '1', PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` }
  const kw = (args) => execa('node', [BIN, ...args], { env, reject: false, timeout: 300_000 })
  results.labIdleMiB = await rssNow(pids)
  for (let i = 0; i < ROUNDS; i++) {
    const prefix = `bench${i}-`
    const out = join(parent, `out${i}`)
    let sampler = sampleRss(pids)
    let t = performance.now()
    const opened = await kw(['class', 'open', '--participants', String(N), '--prefix', prefix, '--out', out])
    const openMs = performance.now() - t
    const openPeak = (await sampler.stop()).peakMiB
    if (opened.exitCode !== 0) throw new Error(`class open failed: ${opened.stderr.trim().split('\n').pop()}`)
    sampler = sampleRss(pids)
    t = performance.now()
    const closed = await kw(['class', 'close', '--prefix', prefix])
    const closeMs = performance.now() - t
    const closePeak = (await sampler.stop()).peakMiB
    const left = (await execa('kubectl', ['get', 'namespaces', '-l', `kubewalk.dev/class=bench${i}`, '-o', 'name'], { env, reject: false })).stdout
      .split('\n')
      .filter(Boolean)
    const round = {
      openMs,
      closeMs,
      closeExit: closed.exitCode,
      apiserverPeakMiB: Math.max(openPeak['kube-apiserver'], closePeak['kube-apiserver']),
      etcdPeakMiB: Math.max(openPeak.etcd, closePeak.etcd),
      left: left.length,
    }
    results.rounds.push(round)
    if (openMs > OPEN_BUDGET_MS || closeMs > CLOSE_BUDGET_MS || left.length > 0 || closed.exitCode !== 0) failed = true
    log(
      `round ${i + 1}: open ${(openMs / 1000).toFixed(1)} s, close ${(closeMs / 1000).toFixed(1)} s (exit ${closed.exitCode}), kube-apiserver peak ${round.apiserverPeakMiB.toFixed(0)} MiB, ${left.length} left`,
    )
    await rm(out, { recursive: true, force: true })
  }
  results.labAfterMiB = await rssNow(pids)
  const f = (ms) => (ms / 1000).toFixed(1)
  const opens = results.rounds.map((r) => r.openMs)
  const closes = results.rounds.map((r) => r.closeMs)
  console.log(
    [
      `kubewalk class open/close, ${N} participants, ${ROUNDS} round(s) on one lab (${results.machine}, node ${process.version})`,
      `open:  median ${f(median(opens))} s, slowest ${f(Math.max(...opens))} s (budget ${OPEN_BUDGET_MS / 1000} s)`,
      `close: median ${f(median(closes))} s, slowest ${f(Math.max(...closes))} s (budget ${CLOSE_BUDGET_MS / 1000} s)`,
      `kube-apiserver RSS: idle ${results.labIdleMiB['kube-apiserver'].toFixed(0)} MiB, peak ${Math.max(...results.rounds.map((r) => r.apiserverPeakMiB)).toFixed(0)} MiB, after ${results.labAfterMiB['kube-apiserver'].toFixed(0)} MiB`,
      `namespaces left after close: ${results.rounds.reduce((s, r) => s + r.left, 0)}`,
    ].join('\n'),
  )
  if (process.env.BENCH_CLASS_OUT) await writeFile(process.env.BENCH_CLASS_OUT, `${JSON.stringify(results, null, 2)}\n`)
} finally {
  await labDown({ dir }).catch(() => undefined)
  await rm(parent, { recursive: true, force: true })
}
if (failed) process.exitCode = 1
