// npm run bench: what kubewalk costs over the article's own command lines, on one lab it starts, in one run
// (issue 23's measures). Alternates, BENCH_RUNS times (default 15), `node -e 0`, the article's lines 01-12 in
// bash (bench/article.sh) and `kubewalk run --to call-api-secret-token` with the json, plain and pretty (live)
// reporters, every process timed from outside, so machine noise hits all alike; the median of the pairs,
// with the load average stated. Then BENCH_FULL_RUNS (default 5) whole replays of the article (bash and
// kubewalk), for the revocation lag and kubewalk's time outside its steps; the guard's cost on a call that
// creates nothing; memory, loading a walkthrough from a path, and the CLI's start. Writes bench/results.json.
// KUBEWALK_BEFORE=DIR also replays another checkout's bin/kubewalk.js (built), alternating with the
// others on the same lab: the "before" column of a change, under the same machine noise.
// The lab's own kubectl is first on PATH for bash and kubewalk alike (as a user's kubectl is).
import { execa } from 'execa'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { ensureLabBinaries, labDown, labUp } from '../dist/src/platform/lab/index.js'
import { guardCost } from './guard.mjs'
import { labPids, median, memoryOf, rssNow, sampleRss, stats, timed } from './lib.mjs'

const N = Number(process.env.BENCH_RUNS ?? 15)
const NF = Number(process.env.BENCH_FULL_RUNS ?? 5)
const root = fileURLToPath(new URL('..', import.meta.url))
const BIN = join(root, 'bin/kubewalk.js')
const BEFORE = process.env.KUBEWALK_BEFORE ? join(resolve(process.env.KUBEWALK_BEFORE), 'bin/kubewalk.js') : undefined
const SCRIPT = join(root, 'bench/article.sh')
const RSS_HOOK = pathToFileURL(join(root, 'bench/maxrss.mjs')).href
const log = (line) => process.stderr.write(`${line}\n`)
const fd3 = (r) => Object.fromEntries([...String(r.stdio[3] ?? '').matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1], Number(m[2])]))

async function bash(env, mode) {
  const r = await execa('bash', [SCRIPT, 'kubewalk-lab', mode], { env, stdio: ['ignore', 'ignore', 'pipe', 'pipe'], reject: false })
  if (r.exitCode !== 0) throw new Error(`bench/article.sh failed (${r.exitCode}): ${r.stderr.slice(-500)}`)
  return fd3(r)
}

/** `kubewalk run` with a human reporter (plain, or pretty: colour and a live elapsed-time line), timed from outside. */
async function kubewalkHuman(env, reporter, args, bin = BIN) {
  const r = await execa('node', [bin, 'run', '--kubeconfig', env.KUBECONFIG, '--reporter', reporter, ...args], {
    env,
    reject: false,
    stdout: 'ignore',
    stderr: 'pipe',
  })
  if (r.exitCode !== 0) throw new Error(`kubewalk (${reporter}) failed with ${r.exitCode}: ${r.stderr.slice(-500)}`)
  return {}
}

async function kubewalk(env, args, bin = BIN) {
  const r = await execa('node', [bin, 'run', '--kubeconfig', env.KUBECONFIG, '--reporter', 'json', ...args], { env, reject: false })
  const report = JSON.parse(r.stdout)
  if (!report.ok) throw new Error(`kubewalk failed: ${JSON.stringify(report.steps.find((s) => s.status === 'failed'))}`)
  const revoked = report.steps.find((s) => s.id === 'call-api-revoked')
  const sum = (steps) => steps.reduce((total, s) => total + s.durationMs, 0)
  const steps12_ms = sum(report.steps.filter((s) => Number(s.number) <= 12))
  return { steps_ms: sum(report.steps), steps12_ms, ...(revoked ? { revoke_ms: revoked.durationMs } : {}) }
}

const binaries = await ensureLabBinaries({ onProgress: log })
const parent = await mkdtemp(join(tmpdir(), 'kubewalk-bench-'))
const dir = join(parent, 'lab')
const results = {
  when: new Date().toISOString(),
  runs: N,
  node: process.version,
  machine: `${cpus().length} cores`,
  ...(BEFORE ? { before: BEFORE } : {}),
}
// Ctrl-C or a kill still stops the lab.
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(
    sig,
    () =>
      void labDown({ dir })
        .finally(() => rm(parent, { recursive: true, force: true }))
        .finally(() => process.exit(130)),
  )
}
try {
  // Lab start with cached binaries (up to ready, including the default ServiceAccount).
  const labStarts = []
  for (let i = 0; i < 3; i++) {
    const dir = join(parent, `lab-${i}`)
    labStarts.push((await timed(() => labUp({ dir, binaries }))).ms)
    await labDown({ dir })
  }
  results.labStartMs = stats(labStarts)
  log(`lab start: median ${median(labStarts).toFixed(0)} ms`)

  const lab = await labUp({ dir, binaries })
  const pids = await labPids(dir)
  const env = { ...process.env, KUBECONFIG: lab.kubeconfig, NO_COLOR: '1', PATH: `${dirname(binaries.kubectl)}:${process.env.PATH}` }
  const prettyEnv = { ...env, NO_COLOR: '' }
  const to12 = ['--to', 'call-api-secret-token']
  // Warm every path once (first kubectl runs after boot read the disk).
  await bash(env, 'full')
  await kubewalk(env, [])
  if (BEFORE) await kubewalk(env, to12, BEFORE)

  // A legacy Secret token has no iat or jti: re-creating default-token mints the same JWT, and the
  // API server's 10 s cache of its last success would let a later run see the 401 early. So every
  // full run starts after that cache has expired (the wait is not timed).
  const settle = () => new Promise((r) => setTimeout(r, 10_500))
  await settle()
  const labIdle = await rssNow(pids)
  const sampler = sampleRss(pids)
  const m = { node: [], load: [], bash12: [], bashSteps12: [], kw12: [], kwSteps12: [], kwPlain12: [], kwPretty12: [] }
  const mb = { kw12: [], kwSteps12: [], kwPlain12: [], kwPretty12: [] }
  results.loadAverage = { start: loadavg() }
  for (let i = 0; i < N; i++) {
    m.load.push(loadavg()[0])
    // `node -e 0` in the same rhythm: what kubewalk's fixed cost is measured against.
    m.node.push((await timed(() => execa('node', ['-e', '0']))).ms)
    const b12 = await timed(() => bash(env, 'to-12'))
    m.bash12.push(b12.ms)
    m.bashSteps12.push(b12.steps_ms)
    const k12 = await timed(() => kubewalk(env, to12))
    m.kw12.push(k12.ms)
    m.kwSteps12.push(k12.steps12_ms)
    const plain = await timed(() => kubewalkHuman(env, 'plain', to12))
    m.kwPlain12.push(plain.ms)
    const pretty = await timed(() => kubewalkHuman(prettyEnv, 'pretty', to12))
    m.kwPretty12.push(pretty.ms)
    if (BEFORE) {
      const p12 = await timed(() => kubewalk(env, to12, BEFORE))
      mb.kw12.push(p12.ms)
      mb.kwSteps12.push(p12.steps12_ms)
      mb.kwPlain12.push((await timed(() => kubewalkHuman(env, 'plain', to12, BEFORE))).ms)
      mb.kwPretty12.push((await timed(() => kubewalkHuman(prettyEnv, 'pretty', to12, BEFORE))).ms)
      log(
        `  before: lines 01-12 ${p12.steps12_ms} ms; process json ${p12.ms.toFixed(0)}, plain ${mb.kwPlain12[i].toFixed(0)}, pretty ${mb.kwPretty12[i].toFixed(0)} ms`,
      )
    }
    log(
      `pair ${i + 1}/${N} (load ${m.load[i].toFixed(2)}): lines 01-12 bash ${b12.steps_ms} ms, kubewalk ${k12.steps12_ms} ms; process bash ${b12.ms.toFixed(0)} ms, kubewalk json ${k12.ms.toFixed(0)}, plain ${plain.ms.toFixed(0)}, pretty ${pretty.ms.toFixed(0)} ms; node -e 0 ${m.node[i].toFixed(0)} ms`,
    )
  }
  // Whole replays (all 14 lines, so nothing is left to clean up): the revocation lag, and what kubewalk does outside its steps.
  const w = { bash: [], bashRevoke: [], kw: [], kwSteps: [], kwRevoke: [], node: [], beforeKw: [], beforeSteps: [], beforeRevoke: [] }
  for (let i = 0; i < NF; i++) {
    w.node.push((await timed(() => execa('node', ['-e', '0']))).ms)
    await settle()
    const b = await timed(() => bash(env, 'full'))
    w.bash.push(b.ms)
    w.bashRevoke.push(b.revoke_ms)
    await settle()
    const k = await timed(() => kubewalk(env, []))
    w.kw.push(k.ms)
    w.kwSteps.push(k.steps_ms)
    w.kwRevoke.push(k.revoke_ms)
    if (BEFORE) {
      await settle()
      const p = await timed(() => kubewalk(env, [], BEFORE))
      w.beforeKw.push(p.ms)
      w.beforeSteps.push(p.steps_ms)
      w.beforeRevoke.push(p.revoke_ms)
    }
    log(
      `whole ${i + 1}/${NF}: bash ${b.ms.toFixed(0)} ms, kubewalk ${k.ms.toFixed(0)} ms (outside its steps ${(k.ms - k.steps_ms).toFixed(0)}, node -e 0 ${w.node[i].toFixed(0)}); 401 after ${b.revoke_ms} / ${k.revoke_ms} ms`,
    )
  }
  results.loadAverage.end = loadavg()
  results.loadAverage.duringPairs = stats(m.load)
  // The guard on a kubectl call that creates nothing, function and shim, against the same call unguarded.
  results.guard = await guardCost({ kubectl: binaries.kubectl, env, parent, log })
  const labDuring = await sampler.stop()

  // Memory, untimed: kubewalk's own peak RSS (the node process, not its kubectl children) on a whole
  // replay, node -e 0's for scale, and the largest process of the bash replay (a kubectl) from GNU time.
  const rssFile = join(parent, 'rss.txt')
  const memEnv = { ...env, NODE_OPTIONS: `--import=${RSS_HOOK}`, KUBEWALK_BENCH_RSS: rssFile }
  const kbOf = async () => (await readFile(rssFile, 'utf8')).trim().split('\n').map(Number)
  for (let i = 0; i < 3; i++) {
    await settle()
    await kubewalk(memEnv, [])
  }
  const kwRssKiB = await kbOf()
  await rm(rssFile, { force: true })
  for (let i = 0; i < 3; i++) await execa('node', ['-e', '0'], { env: memEnv })
  const nodeRssKiB = await kbOf()
  const kubectlRssKiB = []
  for (let i = 0; i < 3; i++) {
    await settle()
    const r = await execa('/usr/bin/time', ['-f', '%M', '-o', join(parent, 'time.txt'), 'bash', SCRIPT, 'kubewalk-lab', 'full'], {
      env,
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      reject: false,
    })
    if (r.exitCode === 0) kubectlRssKiB.push(Number((await readFile(join(parent, 'time.txt'), 'utf8')).trim().split('\n').pop()))
  }
  const mib = (kib) => kib / 1024
  const labHwm = Object.fromEntries(await Promise.all(Object.entries(pids).map(async ([name, pid]) => [name, (await memoryOf(pid))?.hwmMiB])))
  results.memory = {
    kubewalkPeakMiB: stats(kwRssKiB.map(mib)),
    nodeEmptyPeakMiB: stats(nodeRssKiB.map(mib)),
    bashReplayLargestProcessMiB: kubectlRssKiB.length ? stats(kubectlRssKiB.map(mib)) : undefined,
    lab: { idleMiB: labIdle, duringReplaysPeakMiB: labDuring.peakMiB, lifetimePeakMiB: labHwm, samples: labDuring.samples },
  }

  // Walkthroughs from a path: a typed folder compiled on the fly (first: an empty cache; next: cached),
  // against listing the built-in article the same way.
  const folder = join(parent, 'typed')
  await execa('mkdir', ['-p', folder])
  const tiny = await readFile(join(root, 'test/fixtures/tiny/index.ts'), 'utf8')
  await writeFile(join(folder, 'index.ts'), tiny.replace(/from '[^']*src\/index\.js'/, "from 'kubewalk'"))
  const wp = { builtin: [], first: [], next: [] }
  for (let i = 0; i < 10; i++) {
    wp.builtin.push((await timed(() => execa('node', [BIN, 'list', '--walkthrough', 'article']))).ms)
    const cache = join(parent, `cache-${i}`)
    wp.first.push((await timed(() => execa('node', [BIN, 'list', '--walkthrough', folder], { env: { ...process.env, XDG_CACHE_HOME: cache } }))).ms)
    wp.next.push((await timed(() => execa('node', [BIN, 'list', '--walkthrough', folder], { env: { ...process.env, XDG_CACHE_HOME: cache } }))).ms)
  }
  results.walkthroughFromPath = {
    builtin: stats(wp.builtin),
    typedFirst: stats(wp.first),
    typedNext: stats(wp.next),
    firstOverBuiltinMs: median(wp.first) - median(wp.builtin),
    nextOverBuiltinMs: median(wp.next) - median(wp.builtin),
  }

  // CLI start-up against bare node.
  const s = { node: [], help: [], list: [], helpBefore: [], listBefore: [] }
  for (let i = 0; i < 10; i++) {
    s.node.push((await timed(() => execa('node', ['-e', '0']))).ms)
    s.help.push((await timed(() => execa('node', [BIN, '--help']))).ms)
    s.list.push((await timed(() => execa('node', [BIN, 'list']))).ms)
    if (BEFORE) {
      s.helpBefore.push((await timed(() => execa('node', [BEFORE, '--help']))).ms)
      s.listBefore.push((await timed(() => execa('node', [BEFORE, 'list']))).ms)
    }
  }
  const ratioRow = (name, a, b, target, limit) => ({
    name,
    bash: stats(a),
    kubewalk: stats(b),
    ratio: median(b) / median(a),
    // Under a load that swings between pairs, the ratio within each pair is the steadier figure.
    pairRatio: median(b.map((x, i) => x / a[i])),
    target,
    met: median(b) / median(a) <= limit,
  })
  // Issue 23's targets: the lines, the process with a plain and with a live reporter.
  results.replay = [
    ratioRow("lines 01-12 (bash's clock vs the sum of kubewalk's step durations)", m.bashSteps12, m.kwSteps12, '<= 1.05', 1.05),
    ratioRow('process, lines 01-12 then cleanup, json reporter', m.bash12, m.kw12, '', Infinity),
    ratioRow('process, lines 01-12 then cleanup, plain reporter', m.bash12, m.kwPlain12, '<= 1.25', 1.25),
    ratioRow('process, lines 01-12 then cleanup, live reporter (pretty)', m.bash12, m.kwPretty12, '<= 1.30', 1.3),
    ratioRow(`process, whole replay (${NF} pairs)`, w.bash, w.kw, '', Infinity),
  ]
  // What kubewalk adds outside its steps (node start, module load, preflight, reporting, closing), per whole replay.
  results.kubewalkOutsideStepsMs = stats(w.kw.map((ms, i) => ms - w.kwSteps[i]))
  results.nodeEmptyMs = stats([...m.node, ...w.node])
  results.outsideOverNodeMs = results.kubewalkOutsideStepsMs.median - results.nodeEmptyMs.median
  results.revocation = {
    bash: stats(w.bashRevoke),
    kubewalk: stats(w.kwRevoke),
    lagMs: median(w.kwRevoke) - median(w.bashRevoke),
    target: '<= 300 ms later',
  }
  results.startup = {
    node: stats(s.node),
    help: stats(s.help),
    list: stats(s.list),
    helpOverNodeMs: median(s.help) - median(s.node),
    listOverNodeMs: median(s.list) - median(s.node),
    target: '<= 150 ms over node',
  }

  const f = (x) => (x === undefined || Number.isNaN(x) ? '—' : x.toFixed(0))
  const mmm = (st) => `${f(st.min)} / ${f(st.median)} / ${f(st.max)}`
  const plus = (x) => `${x >= 0 ? '+' : ''}${f(x)}`
  const yes = (ok) => (ok ? 'yes' : '**no**')
  const { memory } = results
  const labRow = (name) =>
    `| ${name} RSS (MiB) | idle ${f(memory.lab.idleMiB[name])} | peak during replays ${f(memory.lab.duringReplaysPeakMiB[name])} | ${plus(memory.lab.duringReplaysPeakMiB[name] - memory.lab.idleMiB[name])} | | |`
  const lines = [
    `kubewalk benchmark, ${N} alternated pairs (${NF} whole replays), ${results.machine}, node ${process.version}`,
    `load average (1/5/15 min) at start ${results.loadAverage.start.map((x) => x.toFixed(2)).join(' ')}, at end ${results.loadAverage.end.map((x) => x.toFixed(2)).join(' ')}; 1-min load during the pairs ${results.loadAverage.duringPairs.min.toFixed(2)} / ${results.loadAverage.duringPairs.median.toFixed(2)} / ${results.loadAverage.duringPairs.max.toFixed(2)}`,
    'times in ms as min / median / max; ratios and differences of medians',
    '',
    "| measure | bash (or node) | kubewalk | ratio / difference (median of the pairs' ratios) | target | met? |",
    '|---|---|---|---|---|---|',
    ...results.replay.map(
      (r) =>
        `| ${r.name} | ${mmm(r.bash)} | ${mmm(r.kubewalk)} | ${r.ratio.toFixed(3)} (${r.pairRatio.toFixed(3)}) | ${r.target} | ${r.target ? yes(r.met) : ''} |`,
    ),
    `| kubewalk outside its steps (whole replay) vs \`node -e 0\` | ${mmm(results.nodeEmptyMs)} | ${mmm(results.kubewalkOutsideStepsMs)} | ${plus(results.outsideOverNodeMs)} ms | <= +60 ms | ${yes(results.outsideOverNodeMs <= 60)} |`,
    ...results.guard.rows.map(
      (g) => `| ${g.name} | ${g.unguarded} | ${g.guarded} | ${g.diff} | ${g.target} | ${g.met === undefined ? '' : yes(g.met)} |`,
    ),
    `| deletion → first 401 | ${mmm(results.revocation.bash)} | ${mmm(results.revocation.kubewalk)} | ${plus(results.revocation.lagMs)} ms | <= +300 ms | ${yes(results.revocation.lagMs <= 300)} |`,
    `| \`kubewalk --help\` vs \`node -e 0\` | ${mmm(results.startup.node)} | ${mmm(results.startup.help)} | ${plus(results.startup.helpOverNodeMs)} ms | <= +150 ms | ${yes(results.startup.helpOverNodeMs <= 150)} |`,
    `| \`kubewalk list\` vs \`node -e 0\` | ${mmm(results.startup.node)} | ${mmm(results.startup.list)} | ${plus(results.startup.listOverNodeMs)} ms | <= +150 ms | ${yes(results.startup.listOverNodeMs <= 150)} |`,
    `| lab start, cached binaries | | ${mmm(results.labStartMs)} | | <= 10000 | ${yes(median(labStarts) <= 10_000)} |`,
    `| typed folder, first load (compiles) vs the built-in article (\`list --walkthrough\`) | ${mmm(results.walkthroughFromPath.builtin)} | ${mmm(results.walkthroughFromPath.typedFirst)} | ${plus(results.walkthroughFromPath.firstOverBuiltinMs)} ms | <= +400 ms | ${yes(results.walkthroughFromPath.firstOverBuiltinMs <= 400)} |`,
    `| typed folder, next loads (cached) vs the built-in article | ${mmm(results.walkthroughFromPath.builtin)} | ${mmm(results.walkthroughFromPath.typedNext)} | ${plus(results.walkthroughFromPath.nextOverBuiltinMs)} ms | <= +30 ms | ${yes(results.walkthroughFromPath.nextOverBuiltinMs <= 30)} |`,
    '',
    '| memory | bash (or node) | kubewalk | difference | target | met? |',
    '|---|---|---|---|---|---|',
    `| peak RSS of the node process, whole replay (MiB) vs \`node -e 0\` | ${f(memory.nodeEmptyPeakMiB.median)} | ${mmm(memory.kubewalkPeakMiB)} | ${plus(memory.kubewalkPeakMiB.median - memory.nodeEmptyPeakMiB.median)} | | |`,
    `| largest process of the bash replay (a kubectl), MiB | ${memory.bashReplayLargestProcessMiB ? mmm(memory.bashReplayLargestProcessMiB) : '—'} | | | | |`,
    ...['etcd', 'kube-apiserver', 'kube-controller-manager'].filter((n) => n in memory.lab.idleMiB).map(labRow),
  ]
  if (BEFORE) {
    const outside = w.beforeKw.map((ms, i) => ms - w.beforeSteps[i])
    results.before = {
      bin: BEFORE,
      steps12Ratio: median(mb.kwSteps12) / median(m.bashSteps12),
      pairRatios: {
        steps12: median(mb.kwSteps12.map((x, i) => x / m.bashSteps12[i])),
        json12: median(mb.kw12.map((x, i) => x / m.bash12[i])),
        plain12: median(mb.kwPlain12.map((x, i) => x / m.bash12[i])),
        pretty12: median(mb.kwPretty12.map((x, i) => x / m.bash12[i])),
      },
      process12Ratio: median(mb.kw12) / median(m.bash12),
      plain12Ratio: median(mb.kwPlain12) / median(m.bash12),
      pretty12Ratio: median(mb.kwPretty12) / median(m.bash12),
      wholeRatio: median(w.beforeKw) / median(w.bash),
      outsideStepsMs: stats(outside),
      outsideOverNodeMs: median(outside) - results.nodeEmptyMs.median,
      revokeLagMs: median(w.beforeRevoke) - median(w.bashRevoke),
      helpOverNodeMs: median(s.helpBefore) - median(s.node),
      listOverNodeMs: median(s.listBefore) - median(s.node),
    }
    const b = results.before
    const a = results
    lines.push(
      '',
      `before and after, same run (before = ${BEFORE})`,
      '',
      '| measure | before | after | target |',
      '|---|---|---|---|',
      `| lines 01-12, kubewalk / bash (median of the pairs' ratios) | ${b.steps12Ratio.toFixed(3)} (${b.pairRatios.steps12.toFixed(3)}) | ${a.replay[0].ratio.toFixed(3)} (${a.replay[0].pairRatio.toFixed(3)}) | <= 1.05 |`,
      `| process 01-12 + cleanup, json reporter, kubewalk / bash | ${b.process12Ratio.toFixed(3)} (${b.pairRatios.json12.toFixed(3)}) | ${a.replay[1].ratio.toFixed(3)} (${a.replay[1].pairRatio.toFixed(3)}) | |`,
      `| process 01-12 + cleanup, plain reporter, kubewalk / bash | ${b.plain12Ratio.toFixed(3)} (${b.pairRatios.plain12.toFixed(3)}) | ${a.replay[2].ratio.toFixed(3)} (${a.replay[2].pairRatio.toFixed(3)}) | <= 1.25 |`,
      `| process 01-12 + cleanup, live reporter, kubewalk / bash | ${b.pretty12Ratio.toFixed(3)} (${b.pairRatios.pretty12.toFixed(3)}) | ${a.replay[3].ratio.toFixed(3)} (${a.replay[3].pairRatio.toFixed(3)}) | <= 1.30 |`,
      `| process, whole replay, kubewalk / bash | ${b.wholeRatio.toFixed(3)} | ${a.replay[4].ratio.toFixed(3)} | |`,
      `| outside the steps, over \`node -e 0\` (ms) | ${plus(b.outsideOverNodeMs)} | ${plus(a.outsideOverNodeMs)} | <= +60 |`,
      `| deletion → first 401, later than bash (ms) | ${plus(b.revokeLagMs)} | ${plus(a.revocation.lagMs)} | <= +300 |`,
      `| \`--help\` over \`node -e 0\` (ms) | ${plus(b.helpOverNodeMs)} | ${plus(a.startup.helpOverNodeMs)} | <= +150 |`,
      `| \`list\` over \`node -e 0\` (ms) | ${plus(b.listOverNodeMs)} | ${plus(a.startup.listOverNodeMs)} | <= +150 |`,
    )
  }
  console.log(lines.join('\n'))
  await writeFile(join(root, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`)
  log('\nwrote bench/results.json')
} finally {
  await labDown({ dir }).catch(() => undefined)
  await rm(parent, { recursive: true, force: true })
}
