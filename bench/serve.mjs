// npm run bench:serve: the browser notebook's costs, as ratios and differences in one run on one lab.
// 1. From `kubewalk serve` starting to its page served (spawn → URL printed → GET / answered), against
//    a 300 ms target. 2. A step run from the page (POST /api/run → its result on the event stream, as
//    the page sees it) against the same step in `kubewalk run --only` (the step's own duration in the
//    JSON report), alternating BENCH_SERVE_RUNS times (default 7), for a step that reads only the
//    kubeconfig (01) and one that asks the API server (07); target: at most 50 ms more. 3. With
//    --editable, the same line run as an edited cell (the line and a trailing space: a step copy through
//    the same runner path) against it unedited, alternating; target: medians within ±5 ms.
// BENCH_SERVE_OUT=FILE also writes the figures as JSON.
import { execa } from 'execa'
import { spawn } from 'node:child_process'
import { request } from 'node:http'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureLabBinaries, labDown, labUp } from '../dist/src/platform/lab/index.js'
import { median } from './lib.mjs'

const RUNS = Number(process.env.BENCH_SERVE_RUNS ?? 7)
const root = fileURLToPath(new URL('..', import.meta.url))
const BIN = join(root, 'bin/kubewalk.js')
const STEPS = ['list-clusters', 'list-secrets-before']
const log = (line) => process.stderr.write(`${line}\n`)

/** Starts `kubewalk serve`; resolves when GET / answered 200, with the times from the spawn. */
function startServe(args, env) {
  const t0 = performance.now()
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stderr.on('data', (d) => (err += d))
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)))
    child.stdout.on('data', (d) => {
      out += d
      const m = /open (http:\/\/\S+)/.exec(out)
      if (!m || child.url) return
      child.url = m[1]
      const printedMs = performance.now() - t0
      request(child.url, (res) => {
        res.resume()
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`GET / answered ${res.statusCode}`))
          const u = new URL(child.url)
          resolve({ child, origin: u.origin, token: u.searchParams.get('token'), printedMs, servedMs: performance.now() - t0 })
        })
      }).end()
    })
  })
}

const stop = (s) =>
  new Promise((resolve) => {
    s.child.removeAllListeners('exit')
    s.child.on('exit', resolve)
    s.child.kill('SIGINT')
  })

/** The event stream, as the page reads it: resolves `waitFor(predicate)` on the first matching event. */
function events(s) {
  const waiting = new Set()
  request(`${s.origin}/events?token=${s.token}`, (res) => {
    let buf = ''
    res.setEncoding('utf8')
    res.on('data', (d) => {
      buf += d
      for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
        const chunk = buf.slice(0, i)
        buf = buf.slice(i + 2)
        const line = chunk.split('\n').find((l) => l.startsWith('data: '))
        if (!line) continue
        const e = JSON.parse(line.slice(6))
        for (const w of [...waiting])
          if (w.predicate(e)) {
            waiting.delete(w)
            w.resolve(e)
          }
      }
    })
  }).end()
  return { waitFor: (predicate) => new Promise((resolve) => waiting.add({ predicate, resolve })) }
}

function post(s, path, body) {
  return new Promise((resolve, reject) => {
    const r = request(
      `${s.origin}${path}?token=${s.token}`,
      { method: 'POST', headers: { origin: s.origin, 'content-type': 'application/json' } },
      (res) => {
        let t = ''
        res.on('data', (d) => (t += d))
        res.on('end', () => resolve(JSON.parse(t)))
      },
    )
    r.on('error', reject)
    r.end(JSON.stringify(body))
  })
}

const stateOf = (s) =>
  new Promise((resolve) =>
    request(`${s.origin}/api/state?token=${s.token}`, (res) => {
      let t = ''
      res.on('data', (d) => (t += d))
      res.on('end', () => resolve(JSON.parse(t)))
    }).end(),
  )

/** One Run from the page (with `command`: as an edited cell): POST → the cell's result on the event stream. */
async function runFromPage(s, ev, id, command) {
  const seen = (await stateOf(s)).cells.find((c) => c.id === id).runs
  const t = performance.now()
  const done = ev.waitFor(
    (e) => e.type === 'cell' && e.cell.id === id && e.cell.runs === seen + 1 && (e.cell.status === 'passed' || e.cell.status === 'failed'),
  )
  const answer = await post(s, '/api/run', { step: id, seen, ...(command !== undefined ? { command } : {}) })
  if (!answer.run) throw new Error(`the page's run was refused: ${JSON.stringify(answer)}`)
  const e = await done
  return { e, ms: performance.now() - t }
}

const binaries = await ensureLabBinaries({ onProgress: log })
const parent = await mkdtemp(join(tmpdir(), 'kubewalk-bench-serve-'))
const dir = join(parent, 'lab')
const results = {
  when: new Date().toISOString(),
  machine: `${cpus().length} cores`,
  node: process.version,
  runs: RUNS,
  loadAverage: { start: loadavg() },
}
try {
  const lab = await labUp({ dir, binaries })
  const kubectl = binaries.kubectl
  // The lab's kubectl first on PATH, as a user's kubectl is (--kubectl would add its own version check to the start).
  const env = { ...process.env, NO_COLOR: '1', CLUSTER_NAME: '', APISERVER: '', TOKEN: '', PATH: `${join(kubectl, '..')}:${process.env.PATH}` }
  const common = ['--kubeconfig', lab.kubeconfig]
  const nodeOnly = []
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now()
    await execa('node', ['-e', '0'])
    nodeOnly.push(performance.now() - t)
  }
  // 1. Start → page.
  const starts = []
  for (let i = 0; i < RUNS; i++) {
    const s = await startServe(['--port', '0', ...common], env)
    starts.push({ printedMs: s.printedMs, servedMs: s.servedMs })
    await stop(s)
  }
  results.start = {
    printedMs: median(starts.map((x) => x.printedMs)),
    servedMs: median(starts.map((x) => x.servedMs)),
    nodeMs: median(nodeOnly),
    all: starts,
  }
  // 2. A step from the page against the same step in kubewalk run, alternating.
  const s = await startServe(['--port', '0', '--editable', ...common], env)
  const ev = events(s)
  // The page is served while the session opens: the steps wait for it, as a user's click would.
  await ev.waitFor((e) => e.type === 'state' && !e.state.opening)
  results.steps = {}
  for (const id of STEPS) {
    const page = []
    const inServe = []
    const inRun = []
    for (let i = 0; i < RUNS; i++) {
      const { e, ms } = await runFromPage(s, ev, id)
      page.push(ms)
      inServe.push(e.cell.result.durationMs)
      if (e.cell.result.status !== 'passed') throw new Error(`${id} failed from the page: ${e.cell.result.error?.message}`)
      const r = await execa('node', [BIN, 'run', '--only', id, '--reporter', 'json', ...common], { env, reject: false })
      const step = JSON.parse(r.stdout).steps[0]
      if (step.status !== 'passed') throw new Error(`${id} failed in kubewalk run: ${step.error?.message}`)
      inRun.push(step.durationMs)
    }
    results.steps[id] = {
      pageMs: median(page),
      serveStepMs: median(inServe),
      runStepMs: median(inRun),
      extraMs: median(page) - median(inRun),
      all: { page, inServe, inRun },
    }
  }
  // 3. The same line, edited (a trailing space) and not, alternating.
  results.edited = {}
  for (const id of STEPS) {
    const line = (await stateOf(s)).cells.find((c) => c.id === id).command
    const plain = []
    const edited = []
    for (let i = 0; i < RUNS; i++)
      for (const [into, command] of [
        [plain, undefined],
        [edited, `${line} `],
      ]) {
        const { e, ms } = await runFromPage(s, ev, id, command)
        if (e.cell.result.status !== 'passed') throw new Error(`${id} failed from the page: ${e.cell.result.error?.message}`)
        if ((e.cell.edited !== undefined) !== (command !== undefined)) throw new Error(`${id}: the cell does not say whether it ran edited`)
        into.push(ms)
      }
    results.edited[id] = { plainMs: median(plain), editedMs: median(edited), diffMs: median(edited) - median(plain), all: { plain, edited } }
  }
  await stop(s)
  const f = (ms) => `${ms.toFixed(0)} ms`
  const f1 = (ms) => `${ms >= 0 ? '+' : ''}${ms.toFixed(1)} ms`
  const st = results.start
  const lines = [
    `kubewalk serve, on one lab (${results.machine}, node ${process.version}), medians of ${RUNS}`,
    `load average (1/5/15 min) at start ${results.loadAverage.start.map((x) => x.toFixed(2)).join(' ')}, at end ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
    '',
    '| measure | kubewalk serve | compared with | ratio / difference | target |',
    '|---|---|---|---|---|',
    `| start → page served (GET / answered) | ${f(st.servedMs)} | 300 ms | ${(st.servedMs / 300).toFixed(2)} | ≤ 1.00 — ${st.servedMs <= 300 ? 'met' : 'missed'} |`,
    `| start → URL printed | ${f(st.printedMs)} | \`node -e 0\` ${f(st.nodeMs)} | ${st.printedMs >= st.nodeMs ? '+' : ''}${f(st.printedMs - st.nodeMs)} | — |`,
    ...STEPS.map((id) => {
      const x = results.steps[id]
      return `| ${id}: Run on the page → result on the event stream | ${f(x.pageMs)} | the step in \`kubewalk run --only\` ${f(x.runStepMs)} (in serve ${f(x.serveStepMs)}) | ${x.extraMs >= 0 ? '+' : ''}${f(x.extraMs)} | ≤ +50 ms — ${x.extraMs <= 50 ? 'met' : 'missed'} |`
    }),
    ...STEPS.map((id) => {
      const x = results.edited[id]
      return `| ${id}: Run as an edited cell (--editable) | ${f(x.editedMs)} | the same line unedited ${f(x.plainMs)} | ${f1(x.diffMs)} | within ±5 ms — ${Math.abs(x.diffMs) <= 5 ? 'met' : 'missed'} |`
    }),
  ]
  console.log(lines.join('\n'))
  if (process.env.BENCH_SERVE_OUT) await writeFile(process.env.BENCH_SERVE_OUT, `${JSON.stringify(results, null, 2)}\n`)
} finally {
  await labDown({ dir }).catch(() => undefined)
  await rm(parent, { recursive: true, force: true })
}
