// Debian's chromium through puppeteer-core, started so that it makes no connection off the machine
// (as measured: without these flags it reaches Google's hosts at every start): no background
// networking, component updates, sync, first-run or QUIC, and a new empty profile each time.
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p))

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** A browser with a profile of its own; close() ends it and removes the profile. */
export async function launchChromium(): Promise<{ browser: Browser; close(): Promise<void> }> {
  if (CHROMIUM === undefined) throw new Error('no chromium')
  const profile = await mkdtemp(join(tmpdir(), 'kubewalk-chromium-'))
  // As root (CI) chromium needs --no-sandbox.
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`] })
  return {
    browser,
    close: async () => {
      await browser.close()
      await rm(profile, { recursive: true, force: true })
    },
  }
}

/** Collects what must not happen on a page: console errors and warnings, page errors, failed requests, requests to anywhere but `allowed`. */
export function watchPage(page: Page, allowed: (url: string) => boolean, problems: string[]): void {
  page.on('console', (m) => void (m.type() === 'error' || m.type() === 'warn' ? problems.push(`console ${m.type()}: ${m.text()}`) : undefined))
  page.on('pageerror', (e) => void problems.push(`page error: ${String(e)}`))
  page.on('requestfailed', (q) => {
    // An event stream cut by a reload or a closed page is the page going away, not a failure.
    if (q.resourceType() === 'eventsource' && q.failure()?.errorText === 'net::ERR_ABORTED') return
    problems.push(`request failed: ${q.url()} ${q.failure()?.errorText ?? ''}`)
  })
  page.on('request', (q) => void (allowed(q.url()) ? undefined : problems.push(`outside request: ${q.url()}`)))
}
