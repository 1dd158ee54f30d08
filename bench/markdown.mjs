// npm run bench:markdown: what a 14-step Markdown walkthrough costs before its first step, over the
// built-in article (target: ≤ 30 ms more). Measured two ways, each alternated N times (BENCH_RUNS,
// default 21) so machine noise hits both alike, as medians and their difference:
// - on a lab, `kubewalk run --to 01`: the process's whole time less step 01's own (the same line in
//   both), i.e. start, loading, planning, the preflight and the report;
// - `kubewalk run --dry-run`, which loads, compiles and plans and prints the lines, with no cluster
//   (an upper bound: a real run loads the YAML parser for the kubeconfig anyway, a dry run does not).
// Plus the in-process cost of loading each (median of 50, warm). Writes bench/markdown-results.json.
// The Markdown is `kubewalk import` of the seed article (../shared/article/article.txt) when this
// machine has it, else the first 14 steps of a Kubernetes docs tutorial (test/fixtures/markdown).
import { execa } from 'execa'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureLabBinaries, labDown, labUp } from '../dist/src/platform/lab/index.js'
import { median, stats, timed } from './lib.mjs'

const N = Number(process.env.BENCH_RUNS ?? 21)
const root = fileURLToPath(new URL('..', import.meta.url))
const BIN = join(root, 'bin/kubewalk.js')
const ARTICLE = join(root, '../shared/article/article.txt')
const log = (line) => process.stderr.write(`${line}\n`)

const dir = await mkdtemp(join(tmpdir(), 'kubewalk-bench-md-'))
try {
  const md = join(dir, 'walkthrough.md')
  if (existsSync(ARTICLE)) await execa('node', [BIN, 'import', ARTICLE, '--out', md])
  else {
    const text = await readFile(join(root, 'test/fixtures/markdown/k8s-namespaces-walkthrough.md'), 'utf8')
    await writeFile(md, text)
  }
  const env = { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: join(dir, 'cache') }
  const count = async (args) => {
    const r = await execa('node', [BIN, 'run', '--dry-run', ...args], { env })
    return Number(/(\d+) step\(s\) would run/.exec(r.stdout)?.[1])
  }
  const steps = await count(['--walkthrough', md])
  log(`Markdown: ${steps} steps (${existsSync(ARTICLE) ? 'the imported article' : 'a docs tutorial'}); the article: ${await count([])} steps`)
  const article = []
  const markdown = []
  for (let i = 0; i < N; i++) {
    article.push((await timed(() => execa('node', [BIN, 'run', '--dry-run'], { env }))).ms)
    markdown.push((await timed(() => execa('node', [BIN, 'run', '--dry-run', '--walkthrough', md], { env }))).ms)
  }
  // On a lab: everything but step 01 itself.
  const lab = await labUp({ dir: join(dir, 'lab'), binaries: await ensureLabBinaries({ onProgress: log }) })
  const before01 = { article: [], markdown: [] }
  try {
    const labEnv = { ...env, KUBECONFIG: lab.kubeconfig }
    const outside01 = async (args) => {
      const t = await timed(() => execa('node', [BIN, 'run', '--to', '01', '--reporter', 'json', ...args], { env: labEnv }))
      const report = JSON.parse(t.stdout)
      if (!report.ok) throw new Error(`step 01 failed: ${JSON.stringify(report.steps[0])}`)
      return t.ms - report.steps[0].durationMs
    }
    await outside01([])
    await outside01(['--walkthrough', md])
    for (let i = 0; i < N; i++) {
      before01.article.push(await outside01([]))
      before01.markdown.push(await outside01(['--walkthrough', md]))
    }
  } finally {
    await labDown({ dir: join(dir, 'lab') })
  }
  // In process, warm: the loader's own cost for each (registry import vs read, parse and compile).
  const { loadWalkthrough } = await import('../dist/src/sources/load/index.js')
  const { walkthroughs } = await import('../dist/walkthroughs/index.js')
  const inProc = { article: [], markdown: [] }
  for (let i = 0; i < 50; i++) {
    inProc.article.push((await timed(() => loadWalkthrough(walkthroughs, 'article'))).ms)
    inProc.markdown.push((await timed(() => loadWalkthrough(walkthroughs, md))).ms)
  }
  const results = {
    when: new Date().toISOString(),
    runs: N,
    steps,
    articleDryRunMs: stats(article),
    markdownDryRunMs: stats(markdown),
    articleOutsideStep01Ms: stats(before01.article),
    markdownOutsideStep01Ms: stats(before01.markdown),
    extraOnLabMs: median(before01.markdown) - median(before01.article),
    extraMs: median(markdown) - median(article),
    ratio: median(markdown) / median(article),
    loadInProcessMs: { article: median(inProc.article), markdown: median(inProc.markdown) },
    targetExtraMs: 30,
  }
  await writeFile(join(root, 'bench/markdown-results.json'), `${JSON.stringify(results, null, 2)}\n`)
  log(
    `before the first step (run --dry-run, median of ${N}): article ${median(article).toFixed(0)} ms, Markdown ${median(markdown).toFixed(0)} ms: ${results.extraMs >= 0 ? '+' : ''}${results.extraMs.toFixed(1)} ms (×${results.ratio.toFixed(3)}; target ≤ +30 ms)`,
  )
  log(
    `on a lab, a run to step 01 less the step (median of ${N}): article ${median(before01.article).toFixed(0)} ms, Markdown ${median(before01.markdown).toFixed(0)} ms: ${results.extraOnLabMs >= 0 ? '+' : ''}${results.extraOnLabMs.toFixed(1)} ms (target ≤ +30 ms)`,
  )
  log(
    `loading in process, warm: article ${results.loadInProcessMs.article.toFixed(2)} ms, Markdown ${results.loadInProcessMs.markdown.toFixed(2)} ms`,
  )
} finally {
  await rm(dir, { recursive: true, force: true })
}
