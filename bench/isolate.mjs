// npm run bench:isolate: many replays at once on one lab, each in its own fresh namespace
// (`kubewalk run --isolate --reporter json`), at 1, 4, 8, 16 and 32 at a time (BENCH_ISOLATE=1,4,…).
// For each batch: how many passed, the median and slowest replay, the batch's wall time, and the peak
// RSS of the lab's processes during it. Bounded: a replay is stopped (SIGTERM, so it still removes its
// namespace) after BENCH_ISOLATE_TIMEOUT_S (default 300) seconds. At the end no kubewalk- namespace
// may be left: any found is counted as a leftover, deleted, and the script exits 1.
// BENCH_ISOLATE_OUT=FILE also writes the figures as JSON.
import { execa } from 'execa'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureLabBinaries, labDown, labUp } from '../dist/src/platform/lab/index.js'
import { labPids, median, rssNow, sampleRss } from './lib.mjs'

const LEVELS = (process.env.BENCH_ISOLATE ?? '1,4,8,16,32').split(',').map(Number)
const TIMEOUT_MS = Number(process.env.BENCH_ISOLATE_TIMEOUT_S ?? 300) * 1000
const root = fileURLToPath(new URL('..', import.meta.url))
const BIN = join(root, 'bin/kubewalk.js')
const log = (line) => process.stderr.write(`${line}\n`)

/** One isolated replay: passed or not, how long, and the first failure when there is one. */
async function replay(env) {
  const t = performance.now()
  const r = await execa('node', [BIN, 'run', '--isolate', '--reporter', 'json', '--kubeconfig', env.KUBECONFIG], {
    env,
    reject: false,
    timeout: TIMEOUT_MS,
    killSignal: 'SIGTERM',
    forceKillAfterDelay: 60_000,
  })
  const ms = performance.now() - t
  let report
  try {
    report = JSON.parse(r.stdout)
  } catch {
    return { ok: false, ms, why: r.timedOut ? `stopped after ${TIMEOUT_MS / 1000} s` : (r.stderr.trim().split('\n').pop() ?? `exit ${r.exitCode}`) }
  }
  const failed = report.steps.find((s) => s.status === 'failed')
  const cleanupFailed = report.cleanup?.find((c) => c.status === 'failed')
  return {
    ok: report.ok === true,
    ms,
    ...(report.ok
      ? {}
      : {
          why: failed ? `${failed.id}: ${failed.error?.message ?? 'failed'}` : cleanupFailed ? `cleanup: ${cleanupFailed.describe}` : report.status,
        }),
  }
}

async function kubewalkNamespaces(env) {
  const r = await execa('kubectl', ['get', 'namespaces', '-o', 'name'], { env, reject: false })
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('namespace/kubewalk-'))
    .map((l) => l.slice('namespace/'.length))
}

const binaries = await ensureLabBinaries({ onProgress: log })
const parent = await mkdtemp(join(tmpdir(), 'kubewalk-isolate-'))
const dir = join(parent, 'lab')
const results = { when: new Date().toISOString(), machine: `${cpus().length} cores`, node: process.version, timeoutS: TIMEOUT_MS / 1000, batches: [] }
let leftover = []
// Ctrl-C reaches the replays too (one process group), and each removes its namespace; after a grace
// period the lab stops, taking anything left with it. A kill of this script alone does the same.
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(
    sig,
    () =>
      void new Promise((r) => setTimeout(r, 15_000))
        .then(() => labDown({ dir }))
        .finally(() => rm(parent, { recursive: true, force: true }))
        .finally(() => process.exit(130)),
  )
}
try {
  const lab = await labUp({ dir, binaries })
  const pids = await labPids(dir)
  const env = { ...process.env, KUBECONFIG: lab.kubeconfig, NO_COLOR: '1' }
  const warm = await replay(env)
  log(`warm-up replay: ${warm.ok ? 'passed' : `failed (${warm.why})`} in ${warm.ms.toFixed(0)} ms`)
  results.labIdleMiB = await rssNow(pids)
  for (const n of LEVELS) {
    const sampler = sampleRss(pids)
    const t = performance.now()
    const runs = await Promise.all(Array.from({ length: n }, () => replay(env)))
    const wallMs = performance.now() - t
    const { peakMiB } = await sampler.stop()
    const left = await kubewalkNamespaces(env)
    const times = runs.map((r) => r.ms)
    const why = [...new Set(runs.filter((r) => !r.ok).map((r) => r.why))]
    const batch = {
      concurrent: n,
      passed: runs.filter((r) => r.ok).length,
      medianMs: median(times),
      slowestMs: Math.max(...times),
      wallMs,
      peakMiB,
      namespacesLeft: left.length,
      failures: why,
    }
    results.batches.push(batch)
    log(
      `${n} at once: ${batch.passed}/${n} passed, median ${(batch.medianMs / 1000).toFixed(1)} s, slowest ${(batch.slowestMs / 1000).toFixed(1)} s, kube-apiserver peak ${peakMiB['kube-apiserver'].toFixed(0)} MiB, ${left.length} kubewalk- namespaces left${why.length ? `; ${why.join('; ')}` : ''}`,
    )
    // A namespace still terminating when the next batch starts would count against it: wait it out (bounded).
    for (let i = 0; i < 60 && (await kubewalkNamespaces(env)).length > 0; i++) await new Promise((r) => setTimeout(r, 1000))
  }
  leftover = await kubewalkNamespaces(env)
  if (leftover.length > 0) await execa('kubectl', ['delete', 'namespace', ...leftover, '--wait=true', '--timeout=60s'], { env, reject: false })
  results.leftoverNamespaces = leftover

  const f = (ms) => (ms / 1000).toFixed(1)
  const lines = [
    `kubewalk run --isolate, concurrent replays on one lab (${results.machine}, node ${process.version}); each replay is the whole article, 01-14`,
    `lab idle: kube-apiserver ${results.labIdleMiB['kube-apiserver'].toFixed(0)} MiB, etcd ${results.labIdleMiB.etcd.toFixed(0)} MiB, kube-controller-manager ${results.labIdleMiB['kube-controller-manager'].toFixed(0)} MiB RSS`,
    '',
    '| at once | passed | median replay (s) | slowest (s) | batch wall (s) | kube-apiserver peak RSS (MiB) | etcd peak (MiB) | kube-controller-manager peak (MiB) |',
    '|---|---|---|---|---|---|---|---|',
    ...results.batches.map(
      (b) =>
        `| ${b.concurrent} | ${b.passed}/${b.concurrent} | ${f(b.medianMs)} | ${f(b.slowestMs)} | ${f(b.wallMs)} | ${b.peakMiB['kube-apiserver'].toFixed(0)} | ${b.peakMiB.etcd.toFixed(0)} | ${b.peakMiB['kube-controller-manager'].toFixed(0)} |`,
    ),
    '',
    `kubewalk- namespaces left after the batches: ${leftover.length}${leftover.length ? ` (${leftover.join(', ')}; deleted now)` : ''}`,
  ]
  console.log(lines.join('\n'))
  if (process.env.BENCH_ISOLATE_OUT) await writeFile(process.env.BENCH_ISOLATE_OUT, `${JSON.stringify(results, null, 2)}\n`)
} finally {
  await labDown({ dir }).catch(() => undefined)
  await rm(parent, { recursive: true, force: true })
}
if (leftover.length > 0) process.exitCode = 1
