// Stop and edited cells in Debian's chromium (started so that it makes no connection off the machine),
// over the stand-in walkthrough served with --editable: a cell edited, run, stopped and rerun; the
// walkthrough's line one click away; Stop of a line that prints nothing. A server without --editable
// draws no editor and refuses a command line (page.test.ts).
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadAssets, serve, type Served } from '../../../src/faces/serve/http.js'
import type { Notebook } from '../../../src/faces/serve/notebook.js'
import { ASSETS, notebookPage } from '../../../src/faces/serve/page.js'
import { CHROMIUM, launchChromium, watchPage } from '../../e2e/browser.js'
import { notebookOver } from './stand-in.js'

type El = { dataset: Record<string, string | undefined>; textContent: string | null; hidden: boolean; value?: string }
declare const document: { querySelector(selector: string): El | null; body: El }

let nb: Notebook
let server: Served
let closeBrowser: (() => Promise<void>) | undefined
let page: Page
const problems: string[] = []
let dir: string

async function until(what: string, fn: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
const text = (sel: string) => page.evaluate((s) => document.querySelector(s)?.textContent ?? '', sel)
const hidden = (sel: string) => page.evaluate((s) => document.querySelector(s)?.hidden, sel)
const data = (sel: string, key: string) => page.evaluate((s, k) => document.querySelector(s)?.dataset[k] ?? '', sel, key)
const statusOf = (id: string) => data(`#cell-${id}`, 'status')

/** Replaces a cell's line as a participant does: select all, type. */
async function edit(id: string, line: string): Promise<void> {
  const sel = `#cell-${id} textarea.edit`
  await page.focus(sel)
  await page.keyboard.down('Control')
  await page.keyboard.press('a')
  await page.keyboard.up('Control')
  await page.keyboard.type(line)
}

describe.skipIf(CHROMIUM === undefined)('edited cells and Stop in chromium', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kubewalk-page-'))
    const over = await notebookOver(dir, 60_000, true)
    nb = over.nb
    server = await serve(
      { port: 0 },
      { ...nb.routes, 'GET /': () => ({ status: 200, html: notebookPage(over.w, nb.state()) }) },
      await loadAssets(ASSETS),
    )
    const launched = await launchChromium()
    closeBrowser = launched.close
    page = await launched.browser.newPage()
    watchPage(page, (u) => u.startsWith(server.origin) || u.startsWith('data:'), problems)
    await page.goto(server.url)
    await until('the page', () => page.evaluate(() => document.body.dataset.ready === 'yes'))
  }, 60_000)
  afterAll(async () => {
    await closeBrowser?.()
    await server?.close()
    await nb?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('an edited cell says it differs, goes back to the original, runs as edited, is stopped and rerun', async () => {
    const original = 'touch "$DIR/obj-quick"; echo created'
    expect(await page.evaluate(() => document.querySelector('#cell-quick textarea.edit')?.value)).toBe(original)
    expect(await hidden('#cell-quick .edited')).toBe(true)
    await edit('quick', 'echo edited-run >> "$DIR/edited"; sleep 30')
    expect(await hidden('#cell-quick .edited')).toBe(false)
    expect(await data('#cell-quick', 'edited')).toBe('yes')
    await page.click('#cell-quick button.original')
    expect(await page.evaluate(() => document.querySelector('#cell-quick textarea.edit')?.value)).toBe(original)
    expect(await hidden('#cell-quick .edited')).toBe(true)
    await edit('quick', 'touch "$DIR/obj-quick"; echo created; sleep 30')
    expect(await hidden('#cell-quick .stop')).toBe(true)
    await page.click('#cell-quick button.run')
    await until('the edited line to run', async () => (await statusOf('quick')) === 'running' && existsSync(join(dir, 'obj-quick')))
    expect(await hidden('#cell-quick .stop')).toBe(false)
    await until('its elapsed time', async () => /running for [\d.]+ s/.test(await text('#cell-quick .elapsed')))
    const t0 = Date.now()
    await page.click('#cell-quick button.stop')
    await until('the Stop', async () => (await statusOf('quick')) === 'failed')
    expect(Date.now() - t0).toBeLessThan(5_000)
    expect(await text('#cell-quick .result .stopped')).toBe('stopped (exit 130); the session and its variables stay')
    expect(await hidden('#cell-quick .stop')).toBe(true)
    // The edit stays after the run; rerun it without the sleep, and it passes.
    expect(await data('#cell-quick', 'edited')).toBe('yes')
    await edit('quick', 'touch "$DIR/obj-quick"; echo created again')
    await page.click('#cell-quick button.run')
    await until('the rerun to pass', async () => (await statusOf('quick')) === 'passed')
    expect(await text('#cell-quick .result .output')).toBe('created again\n')
    expect(await text('#cleanup')).toContain('delete obj-quick')
    expect(problems).toEqual([])
  }, 60_000)

  it('Stop ends a line that prints nothing (a silent sleep)', async () => {
    await edit('again', 'sleep 30')
    await page.click('#cell-again button.run')
    await until('the sleep to run', async () => (await statusOf('again')) === 'running')
    const t0 = Date.now()
    await page.click('#cell-again button.stop')
    await until('the Stop', async () => (await statusOf('again')) === 'failed')
    expect(Date.now() - t0).toBeLessThan(5_000)
    expect(await text('#cell-again .result .stopped')).toMatch(/^stopped \(exit 130\)/)
    expect(nb.state().busy).toBeUndefined()
    expect(problems).toEqual([])
  }, 60_000)
})
