// npm run bench:node (root): the lab's node, in one run. Starts with cached binaries (lab up --node, to the node Ready
// and to CoreDNS ready), a Pod from the tools image from `kubectl run` to Running, the pod-token replay against its
// lines in bash on the same lab (alternating, ratio of medians), and the idle RSS of every component. Writes
// bench/node-results.json. BENCH_RUNS=N (default 3) runs of each; KUBEWALK_LAB_VERSION picks the release.
import { execa } from 'execa'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFAULT_LAB_VERSION, ensureLabBinaries, ensureNode, labDown, labUp } from '../dist/src/platform/lab/index.js'
import { labPids, median, rssNow, stats } from './lib.mjs'

const N = Number(process.env.BENCH_RUNS ?? 3)
const version = process.env.KUBEWALK_LAB_VERSION || DEFAULT_LAB_VERSION
const root = fileURLToPath(new URL('..', import.meta.url))
const BIN = join(root, 'bin/kubewalk.js')
const log = (line) => process.stderr.write(`${line}\n`)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
if (process.getuid?.() !== 0) {
  log('bench:node needs root (a lab with a node mounts, makes links and routes, and writes cgroups)')
  process.exit(2)
}

const binaries = await ensureLabBinaries({ version, onProgress: log })
const node = await ensureNode(binaries, { onProgress: log })
const kubectl = join(binaries.dir, 'kubectl')
const parent = await mkdtemp(join(tmpdir(), 'kubewalk-bench-node-'))
const dir = join(parent, 'lab')
const results = { when: new Date().toISOString(), version, runs: N, node: process.version, machine: `${cpus().length} cores` }
for (const sig of ['SIGINT', 'SIGTERM'])
  process.once(
    sig,
    () =>
      void labDown({ dir })
        .finally(() => rm(parent, { recursive: true, force: true }))
        .finally(() => process.exit(130)),
  )

/** labUp with a node: ms from the call to the node Ready, and to the lab ready (CoreDNS available). */
async function start(at) {
  const began = performance.now()
  let readyAt
  await labUp({ dir: at, binaries, node, onProgress: (l) => void (/^node\/\S+ Ready/.test(l) && (readyAt = performance.now())) })
  return { nodeReadyMs: readyAt - began, labReadyMs: performance.now() - began }
}

try {
  const starts = []
  for (let i = 0; i < N; i++) {
    const at = join(parent, `lab-${i}`)
    starts.push(await start(at))
    await labDown({ dir: at })
    log(
      `lab up --node ${i + 1}/${N}: node Ready ${(starts[i].nodeReadyMs / 1000).toFixed(1)} s, CoreDNS ready ${(starts[i].labReadyMs / 1000).toFixed(1)} s`,
    )
  }
  results.nodeReadyMs = stats(starts.map((s) => s.nodeReadyMs))
  results.labReadyMs = stats(starts.map((s) => s.labReadyMs))

  const lab = await labUp({ dir, binaries, node })
  const env = { ...process.env, KUBECONFIG: lab.kubeconfig, KUBERC: 'off', PATH: `${binaries.dir}:${process.env.PATH}` }
  const k = (...args) => execa(kubectl, args, { env, reject: false })

  // kubectl run → phase Running, polled every 100 ms.
  const running = []
  for (let i = 0; i < Math.max(N, 5); i++) {
    const began = performance.now()
    const r = await k('run', `bench-${i}`, '--image=kubewalk.local/tools:1', '--restart=Never', '--command', '--', 'sleep', '3600')
    if (r.exitCode !== 0) throw new Error(`kubectl run failed: ${r.stderr}`)
    while ((await k('get', 'pod', `bench-${i}`, '-o', 'jsonpath={.status.phase}')).stdout !== 'Running') {
      if (performance.now() - began > 60_000) throw new Error(`Pod bench-${i} not Running after 60 s`)
      await sleep(100)
    }
    running.push(performance.now() - began)
    await k('delete', 'pod', `bench-${i}`, '--now', '--wait=false')
  }
  results.podRunningMs = stats(running)
  log(`Pod Running after kubectl run: median ${(median(running) / 1000).toFixed(2)} s`)
  await k('wait', '--for=delete', 'pod', '-l', 'run', '--timeout=60s')

  // pod-token: bash and kubewalk alternate, wall time of each process.
  const bash = []
  const kw = []
  for (let i = 0; i < N; i++) {
    let t = performance.now()
    const b = await execa('bash', [join(root, 'bench/pod-token.sh')], { env, stdio: ['ignore', 'ignore', 'pipe', 'pipe'], reject: false })
    if (b.exitCode !== 0) throw new Error(`bench/pod-token.sh failed: ${b.stderr.slice(-500)}`)
    bash.push(performance.now() - t)
    t = performance.now()
    const r = await execa(
      'node',
      [BIN, 'run', '--walkthrough', 'pod-token', '--kubeconfig', lab.kubeconfig, '--kubectl', kubectl, '--reporter', 'json'],
      { env, reject: false },
    )
    kw.push(performance.now() - t)
    if (!JSON.parse(r.stdout).ok) throw new Error(`kubewalk run --walkthrough pod-token failed: ${r.stdout.slice(-800)}`)
    log(`pod-token ${i + 1}/${N}: bash ${(bash[i] / 1000).toFixed(1)} s, kubewalk ${(kw[i] / 1000).toFixed(1)} s`)
  }
  results.podTokenBashMs = stats(bash)
  results.podTokenKubewalkMs = stats(kw)
  results.podTokenRatio = median(kw) / median(bash)

  // Idle: 15 s after the last replay, each component's RSS (median of 10 samples), the shims and CoreDNS by command line.
  await sleep(15_000)
  const nodeState = JSON.parse(await readFile(join(dir, 'node', 'node.json'), 'utf8'))
  const pids = { ...(await labPids(dir)), ...Object.fromEntries(Object.entries(nodeState.components).map(([n, c]) => [n, c.pid])) }
  const shims = []
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue
    const cmd = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0')
    if (cmd[0]?.endsWith('containerd-shim-runc-v2') && cmd.includes(join(dir, 'node', 'containerd', 'containerd.sock'))) shims.push(pid)
    if (cmd[0] === '/coredns') pids.coredns = Number(pid)
  }
  shims.forEach((pid, i) => (pids[`shim-${i}`] = Number(pid)))
  results.idleRssMiB = Object.fromEntries(Object.entries(await rssNow(pids)).map(([n, v]) => [n, Math.round(v)]))
  log(`idle RSS (MiB): ${JSON.stringify(results.idleRssMiB)}`)
} finally {
  await labDown({ dir }).catch(() => undefined)
  await rm(parent, { recursive: true, force: true })
}
await writeFile(join(root, 'bench/node-results.json'), `${JSON.stringify(results, null, 2)}\n`)
const s = (ms) => `${(ms / 1000).toFixed(1)} s`
console.log(`lab up --node, node Ready: median ${s(results.nodeReadyMs.median)} (target ≤ 15 s); CoreDNS ready ${s(results.labReadyMs.median)}`)
console.log(`Pod Running after kubectl run: median ${s(results.podRunningMs.median)} (target ≤ 5 s)`)
console.log(
  `pod-token: bash ${s(results.podTokenBashMs.median)}, kubewalk ${s(results.podTokenKubewalkMs.median)}, ratio ${results.podTokenRatio.toFixed(2)} (target ≤ 1.5)`,
)
