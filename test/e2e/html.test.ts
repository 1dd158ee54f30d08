// The HTML transcript of each walkthrough, opened in a real headless browser (Debian's chromium):
// it renders without a console error, a failed request or a page error, and a full-page screenshot
// holds every step's heading.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Browser } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { walkthroughs } from '../../walkthroughs/index.js'
import { CHROMIUM, launchChromium, watchPage } from './browser.js'
import { kubewalk } from './cli.js'
import { isCI } from './global-setup.js'

const replayable = (await Promise.all(walkthroughs.map((e) => e.load()))).filter((w) => w.requires?.node !== true)

const kubeconfig = inject('labKubeconfig')
const skipReason = inject('labSkipReason')
if (CHROMIUM === undefined && isCI()) throw new Error(`CI=${process.env.CI} and no chromium: .ci/run installs Debian's chromium for this test`)

let dir: string
let browser: Browser | undefined
let closeBrowser: (() => Promise<void>) | undefined
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubewalk-html-'))
  // The page is a local file with no scripts of its own.
  if (CHROMIUM && kubeconfig !== '') ({ browser, close: closeBrowser } = await launchChromium())
})
afterAll(async () => {
  await closeBrowser?.()
  await rm(dir, { recursive: true, force: true })
})

/** Width and height of a PNG, from its IHDR chunk. */
const pngSize = (png: Uint8Array): { width: number; height: number } => {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength)
  return { width: view.getUint32(16), height: view.getUint32(20) }
}

describe.skipIf(kubeconfig === '' || CHROMIUM === undefined)(
  `the HTML transcript in chromium ${skipReason}${CHROMIUM ? '' : '(no chromium)'}`,
  () => {
    // The shared lab has no node: walkthroughs that run Pods are replayed on a node's lab in node.test.ts.
    it.each(replayable.map((w) => [w.id]))('%s: renders cleanly, and its screenshot shows the steps', async (id) => {
      const w = await walkthroughs.find((e) => e.id === id)!.load()
      const file = join(dir, `${id}.html`)
      const r = await kubewalk(['run', '--walkthrough', id, '--kubeconfig', kubeconfig, '--reporter', 'plain', '--transcript', file])
      expect(r.exitCode).toBe(0)
      const page = await browser!.newPage()
      const problems: string[] = []
      watchPage(page, (url) => url.startsWith('file:'), problems)
      await page.setViewport({ width: 1100, height: 900 })
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' })
      const headings = await page.$$eval('h2', (hs) =>
        hs.map((h) => ({
          text: h.textContent ?? '',
          bottom: h.getBoundingClientRect().bottom + (globalThis as unknown as { scrollY: number }).scrollY,
        })),
      )
      const png = await page.screenshot({ fullPage: true, path: join(dir, `${id}.png`) })
      await page.close()
      expect(problems).toEqual([])
      // One heading per step, passed, in order, then the cleanup and drift sections.
      const stepHeadings = headings.filter((h) => /^\d{2}\. /.test(h.text))
      expect(stepHeadings.map((h) => h.text)).toEqual(w.steps.map((s) => expect.stringMatching(new RegExp(`^${s.number}\\. .*\\(${s.id}\\) ✅$`))))
      const { width, height } = pngSize(png)
      expect(width).toBe(1100)
      // The full-page screenshot reaches past the last step's heading: every step is in the picture.
      expect(height).toBeGreaterThanOrEqual(Math.ceil(Math.max(...stepHeadings.map((h) => h.bottom))))
      expect((await readFile(file, 'utf8')).startsWith('<!DOCTYPE html>')).toBe(true)
    })
  },
)
