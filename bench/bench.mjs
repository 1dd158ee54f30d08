// npm run bench: what kubewalk costs over the article's own command lines, on one lab, in one run.
// Alternates bash and kubewalk N times (default 5; BENCH_RUNS=N) so machine noise hits both alike,
// and reports ratios of medians. Writes bench/results.json.
import { execa } from 'execa'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureLabBinaries, labDown, labUp } from '../dist/src/lab/index.js'

const N = Number(process.env.BENCH_RUNS ?? 5)
const root = fileURLToPath(new URL('..', import.meta.url))
const BIN = join(root, 'bin/kubewalk.js')
const SCRIPT = join(root, 'bench/article.sh')
const log = (line) => process.stderr.write(`${line}\n`)

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
const stats = (xs) => ({ min: Math.min(...xs), median: median(xs), max: Math.max(...xs), runs: xs })

async function timed(fn) {
  const t = performance.now()
  const extra = await fn()
  return { ms: performance.now() - t, ...extra }
}

async function bash(env, mode) {
  const r = await execa('bash', [SCRIPT, 'kubewalk-lab', mode], { env, stdio: ['ignore', 'ignore', 'pipe', 'pipe'], reject: false })
  if (r.exitCode !== 0) throw new Error(`bench/article.sh failed (${r.exitCode}): ${r.stderr.slice(-500)}`)
  const fd3 = r.stdio[3] ?? ''
  return Object.fromEntries([...String(fd3).matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1], Number(m[2])]))
}

async function kubewalk(env, args) {
  const r = await execa('node', [BIN, 'run', '--kubeconfig', env.KUBECONFIG, '--reporter', 'json', ...args], { env, reject: false })
  const report = JSON.parse(r.stdout)
  if (!report.ok) throw new Error(`kubewalk failed: ${JSON.stringify(report.steps.find((s) => s.status === 'failed'))}`)
  const revoked = report.steps.find((s) => s.id === 'call-api-revoked')
  const steps_ms = report.steps.reduce((sum, s) => sum + s.durationMs, 0)
  return revoked ? { revoke_ms: revoked.durationMs, steps_ms } : { steps_ms }
}

const binaries = await ensureLabBinaries({ onProgress: log })
const parent = await mkdtemp(join(tmpdir(), 'kubewalk-bench-'))
const dir = join(parent, 'lab')
const results = { when: new Date().toISOString(), runs: N, node: process.version, machine: `${(await import('node:os')).cpus().length} cores` }
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
  const env = { ...process.env, KUBECONFIG: lab.kubeconfig, NO_COLOR: '1' }
  // Warm both paths once (first kubectl runs after boot read the disk; the dispatcher caches its choice).
  await bash(env, 'full')
  await kubewalk(env, [])

  // A legacy Secret token has no iat or jti: re-creating default-token mints the same JWT, and the
  // API server's 10 s cache of its last success would let a later run see the 401 early. So every
  // full run starts after that cache has expired (the wait is not timed).
  const settle = () => new Promise((r) => setTimeout(r, 10_500))
  const m = { bash12: [], kw12: [], bashFull: [], kwFull: [], bashRevoke: [], kwRevoke: [], kwSteps: [] }
  for (let i = 0; i < N; i++) {
    m.bash12.push((await timed(() => bash(env, 'to-12'))).ms)
    m.kw12.push((await timed(() => kubewalk(env, ['--to', 'call-api-secret-token']))).ms)
    await settle()
    const b = await timed(() => bash(env, 'full'))
    m.bashFull.push(b.ms)
    m.bashRevoke.push(b.revoke_ms)
    await settle()
    const k = await timed(() => kubewalk(env, []))
    m.kwSteps.push(k.steps_ms)
    m.kwFull.push(k.ms)
    m.kwRevoke.push(k.revoke_ms)
    log(`run ${i + 1}/${N}: 01-12 bash ${m.bash12[i].toFixed(0)} ms, kubewalk ${m.kw12[i].toFixed(0)} ms; whole bash ${m.bashFull[i].toFixed(0)} ms, kubewalk ${m.kwFull[i].toFixed(0)} ms; 401 after ${m.bashRevoke[i]} / ${m.kwRevoke[i]} ms`)
  }

  // CLI start-up against bare node.
  const s = { node: [], help: [], list: [] }
  for (let i = 0; i < 10; i++) {
    s.node.push((await timed(() => execa('node', ['-e', '0']))).ms)
    s.help.push((await timed(() => execa('node', [BIN, '--help']))).ms)
    s.list.push((await timed(() => execa('node', [BIN, 'list']))).ms)
  }
  const row = (name, a, b, target) => ({ name, bash: stats(a), kubewalk: stats(b), ratio: median(b) / median(a), target })
  results.replay = [
    row('steps 01-12 (then cleanup)', m.bash12, m.kw12, '<= 1.10'),
    row('whole replay', m.bashFull, m.kwFull, '<= 1.02'),
  ]
  // What kubewalk adds outside its steps (node start, module load, preflight, reporting), per full run.
  results.kubewalkOutsideStepsMs = stats(m.kwFull.map((ms, i) => ms - m.kwSteps[i]))
  results.revocation = { bash: stats(m.bashRevoke), kubewalk: stats(m.kwRevoke), lagMs: median(m.kwRevoke) - median(m.bashRevoke), target: '<= 300 ms later' }
  results.startup = { node: stats(s.node), help: stats(s.help), list: stats(s.list), helpOverNodeMs: median(s.help) - median(s.node), listOverNodeMs: median(s.list) - median(s.node), target: '<= 150 ms over node' }

  const f = (x) => x.toFixed(0).padStart(7)
  const lines = [
    `kubewalk benchmark, ${N} alternating runs, ${results.machine}, node ${process.version}`,
    '',
    '| measure | bash min / median / max (ms) | kubewalk min / median / max (ms) | ratio of medians | target |',
    '|---|---|---|---|---|',
    ...results.replay.map((r) => `| ${r.name} | ${f(r.bash.min)} / ${f(r.bash.median)} / ${f(r.bash.max)} | ${f(r.kubewalk.min)} / ${f(r.kubewalk.median)} / ${f(r.kubewalk.max)} | ${r.ratio.toFixed(3)} | ${r.target} |`),
    `| deletion → first 401 | ${f(results.revocation.bash.min)} / ${f(results.revocation.bash.median)} / ${f(results.revocation.bash.max)} | ${f(results.revocation.kubewalk.min)} / ${f(results.revocation.kubewalk.median)} / ${f(results.revocation.kubewalk.max)} | ${results.revocation.lagMs >= 0 ? '+' : ''}${results.revocation.lagMs.toFixed(0)} ms | <= +300 ms |`,
    `| \`kubewalk --help\` vs \`node -e 0\` | ${f(results.startup.node.median)} (node) | ${f(results.startup.help.median)} | +${results.startup.helpOverNodeMs.toFixed(0)} ms | <= +150 ms |`,
    `| \`kubewalk list\` vs \`node -e 0\` | ${f(results.startup.node.median)} (node) | ${f(results.startup.list.median)} | +${results.startup.listOverNodeMs.toFixed(0)} ms | <= +150 ms |`,
    `| kubewalk outside its steps (whole replay) | | ${f(results.kubewalkOutsideStepsMs.min)} / ${f(results.kubewalkOutsideStepsMs.median)} / ${f(results.kubewalkOutsideStepsMs.max)} | | |`,
    `| lab start, cached binaries | | ${f(results.labStartMs.min)} / ${f(results.labStartMs.median)} / ${f(results.labStartMs.max)} | | <= 10 s |`,
  ]
  console.log(lines.join('\n'))
  await writeFile(join(root, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`)
  log('\nwrote bench/results.json')
} finally {
  await labDown({ dir }).catch(() => undefined)
  await rm(parent, { recursive: true, force: true })
}
