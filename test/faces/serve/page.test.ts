// The notebook page in Debian's chromium (started so that it makes no connection off the machine),
// over a stand-in walkthrough: the point is the page, not a cluster. Ten tabs share one event stream
// (browsers allow six connections per host), a frozen tab stalls none of the others, the token leaves
// the address bar for an HttpOnly cookie, and the page shows what Reset will delete, each cell's
// cleanup and check lines, its elapsed time, Clear, and prose links that open a new tab.
import { request } from 'node:http'
import type { CDPSession, Page } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadAssets, serve, type Served } from '../../../src/faces/serve/http.js'
import type { Notebook } from '../../../src/faces/serve/notebook.js'
import { ASSETS, notebookPage } from '../../../src/faces/serve/page.js'
import { CHROMIUM, launchChromium, watchPage } from '../../e2e/browser.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { notebookOver } from './stand-in.js'

// What the functions puppeteer runs in the page use of it (the project compiles without the DOM library).
type El = { dataset: Record<string, string | undefined>; textContent: string | null; hidden: boolean; getAttribute(n: string): string | null }
declare const document: {
  querySelector(selector: string): El | null
  querySelectorAll(selector: string): ArrayLike<El>
  body: El
}

let nb: Notebook
let server: Served
let closeBrowser: (() => Promise<void>) | undefined
let browser: Awaited<ReturnType<typeof launchChromium>>['browser']
const problems: string[] = []
let dir: string

function post(path: string, body: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = request(
      `${server.origin}${path}?token=${server.token}`,
      { method: 'POST', headers: { origin: server.origin, 'content-type': 'application/json' } },
      (res) => {
        let text = ''
        res.on('data', (d: Buffer) => void (text += d.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
      },
    )
    r.on('error', reject)
    r.end(JSON.stringify(body))
  })
}

async function until(what: string, fn: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function newTab(url: string): Promise<Page> {
  const page = await browser.newPage()
  watchPage(page, (u) => u.startsWith(server.origin) || u.startsWith('data:'), problems)
  // Not awaited to the end: a tab that cannot get a connection never finishes loading.
  void page.goto(url).catch(() => undefined)
  return page
}
const ready = (p: Page) => p.evaluate(() => document.body.dataset.ready === 'yes').catch(() => false)
const statusOf = (p: Page, id: string) => p.evaluate((i) => document.querySelector(`#cell-${i}`)?.dataset.status ?? '', id).catch(() => '')

describe.skipIf(CHROMIUM === undefined)('the notebook page in chromium', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kubewalk-page-'))
    const over = await notebookOver(dir, 60_000)
    nb = over.nb
    server = await serve(
      { port: 0 },
      { ...nb.routes, 'GET /': () => ({ status: 200, html: notebookPage(over.w, nb.state()) }) },
      await loadAssets(ASSETS),
    )
    const launched = await launchChromium()
    browser = launched.browser
    closeBrowser = launched.close
  }, 60_000)
  afterAll(async () => {
    await closeBrowser?.()
    await server?.close()
    await nb?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('ten tabs load, over one event stream; a tab the browser freezes stalls none of the others', async () => {
    const first = await newTab(server.url)
    await until('the first tab', () => ready(first))
    // The token went from the address bar (and so from the history) into an HttpOnly, SameSite=Strict cookie.
    expect(first.url()).toBe(`${server.origin}/`)
    const cookies = await first.cookies()
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).toEqual([[`kubewalk-token-${new URL(server.origin).port}`, true, 'Strict']])
    // The others as a new tab opens it: the address without the token.
    const tabs = [first]
    for (let i = 1; i < 10; i++) tabs.push(await newTab(`${server.origin}/`))
    await until('all ten tabs', async () => (await Promise.all(tabs.map(ready))).every(Boolean), 20_000)
    // Freeze three tabs (the first, which started the stream, among them), as a browser does to background tabs.
    const frozen: CDPSession[] = []
    for (const t of tabs.slice(0, 3)) {
      const cdp = await t.createCDPSession()
      await cdp.send('Page.setWebLifecycleState', { state: 'frozen' })
      frozen.push(cdp)
    }
    expect(JSON.parse((await post('/api/run', { step: 'quick', seen: 0 })).body)).toEqual({ run: ['quick'] })
    await until('the other seven tabs to see the step pass', async () =>
      (await Promise.all(tabs.slice(3).map((t) => statusOf(t, 'quick')))).every((s) => s === 'passed'),
    )
    for (const cdp of frozen) await cdp.send('Page.setWebLifecycleState', { state: 'active' })
    await until('the thawed tabs to catch up', async () =>
      (await Promise.all(tabs.slice(0, 3).map((t) => statusOf(t, 'quick')))).every((s) => s === 'passed'),
    )
    // A reload, and a tab opened afterwards, find the session by the cookie and the state as it stands.
    await first.reload()
    await until('the reloaded tab', async () => (await ready(first)) && (await statusOf(first, 'quick')) === 'passed')
    for (const t of tabs.slice(1)) await t.close()
    expect(problems).toEqual([])
  }, 90_000)

  it('shows each cell its cleanup and check lines, what Reset will delete, the elapsed time of a running step, and Clear', async () => {
    const page = (await browser.pages()).find((p) => p.url().startsWith(server.origin)) as Page
    const text = (sel: string) => page.evaluate((s) => document.querySelector(s)?.textContent ?? '', sel)
    expect(await text('#cell-quick .will.cleanup')).toBe(
      'Reset removes what it creates (obj-quick) with rm "$DIR/obj-quick" && echo quick >> "$DIR/removed"',
    )
    expect(await text('#cell-quick .will.verify')).toBe('Check my work runs test -e "$DIR/obj-quick" && echo yes')
    expect(await text('#cleanup')).toContain('delete obj-quick')
    // A prose link leaves the notebook open: a new tab, without access back to it.
    const link = await page.evaluate(() => {
      const a = document.querySelector('#cell-quick .prose a')
      return [a?.getAttribute('href'), a?.getAttribute('target'), a?.getAttribute('rel')]
    })
    expect(link).toEqual(['https://kubernetes.io/docs/', '_blank', 'noopener noreferrer'])
    // Clear: this cell's output goes from the page; what the step created stays (still listed for Reset).
    expect(await page.evaluate(() => document.querySelector('#cell-quick .result')?.textContent ?? '')).toMatch(/passed in/)
    await page.click('#cell-quick button.clear')
    expect(await page.evaluate(() => document.querySelector('#cell-quick')?.dataset.cleared)).toBe('yes')
    expect(await page.evaluate(() => document.querySelector('#cell-quick .result')?.textContent ?? '')).toBe('')
    expect(await text('#cleanup')).toContain('delete obj-quick')
    // A running step counts its time.
    await page.click('#cell-slow button.run')
    await until('slow to run', async () => (await statusOf(page, 'slow')) === 'running')
    await until('a second of it', async () => Number(/running for ([\d.]+) s/.exec(await text('#cell-slow .elapsed'))?.[1] ?? 0) >= 1)
    // Reset stops it and empties the Cleanup panel.
    await page.click('#reset-all')
    await until('the Reset', async () => (await text('#cleanup')) === 'nothing to delete' && (await statusOf(page, 'slow')) === 'idle')
    expect(await page.evaluate(() => document.querySelector('#cell-slow .elapsed')?.hidden)).toBe(true)
    expect(problems).toEqual([])
  }, 60_000)

  it('without --editable: no editor on the page, and a POST that carries a command line is refused (403), running nothing', async () => {
    const page = (await browser.pages()).find((p) => p.url().startsWith(server.origin)) as Page
    expect(await page.evaluate(() => document.querySelectorAll('textarea.edit').length)).toBe(0)
    const runs = nb.state().cells.find((c) => c.id === 'quick')?.runs
    const r = await post('/api/run', { step: 'quick', seen: runs, command: 'touch "$DIR/pwned"' })
    expect(r.status).toBe(403)
    expect(JSON.parse(r.body)).toEqual({ error: expect.stringContaining('--editable') })
    expect(nb.state().cells.find((c) => c.id === 'quick')?.runs).toBe(runs)
    expect(nb.state().busy).toBeUndefined()
  })
})
