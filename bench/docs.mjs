// node bench/docs.mjs (after npm run build): what reading a 30 KB Kubernetes docs page costs (target:
// ≤ 30 ms). The page is three corpus pages joined under one front matter (test/fixtures/docs/), read
// with its examples folder. Reports, in a fresh process: loading the reader's modules, the first read
// (cold code), then the median of 50 warm reads and of 50 reads into the Markdown compiler's blocks.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { median } from './lib.mjs'

const root = fileURLToPath(new URL('../test/fixtures/docs/', import.meta.url))
const body = (slug) => readFileSync(`${root}${slug}/page.md`, 'utf8').replace(/^---\n[\s\S]*?\n---\n/, '')
let source = `---\ntitle: Three pages in one\nmin-kubernetes-server-version: v1.27\n---\n`
for (const slug of [
  'horizontal-pod-autoscale-walkthrough',
  'distribute-credentials-secure',
  'memory-default-namespace',
  'configure-volume-storage',
]) {
  if (source.length >= 30_000) break
  source += body(slug)
}
source = source.slice(0, 30 * 1024)
const file = `${root}bench-page.md`
const t0 = performance.now()
const { readDocsPage } = await import('../dist/src/sources/docs/read.js')
const t1 = performance.now()
const first = readDocsPage(file, source, { examplesDir: `${root}examples` })
const cold = performance.now() - t1
const { docsMarkdown } = await import('../dist/src/sources/docs/markdown.js')
const warm = []
const compiled = []
for (let i = 0; i < 50; i++) {
  let t = performance.now()
  readDocsPage(file, source, { examplesDir: `${root}examples` })
  warm.push(performance.now() - t)
  t = performance.now()
  docsMarkdown(file, source, { examplesDir: `${root}examples` })
  compiled.push(performance.now() - t)
}
const result = {
  bytes: Buffer.byteLength(source),
  items: first.items.length,
  commands: first.items.filter((i) => i.kind === 'command').length,
  moduleLoadMs: +(t1 - t0).toFixed(2),
  firstReadMs: +cold.toFixed(2),
  warmMedianMs: +median(warm).toFixed(2),
  toMarkdownMedianMs: +median(compiled).toFixed(2),
}
process.stdout.write(`${JSON.stringify(result)}\n`)
