// kubewalk serve and class --serve on the shared lab, in Debian's chromium: the article run step by
// step from its page (14 ✓), a reload mid-run, Reset, two tabs pressing Run on one step, the token and
// step-id rules, a cell run out of order, the idle cleanup, the board with 6 --isolate participants at
// different steps; on every page no console error, no failed request, no request elsewhere.
import { spawn, type ChildProcess } from 'node:child_process'
import { request } from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'
import type { Browser, Page } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { labBinDir } from '../../src/platform/lab/index.js'
import { walkthroughs } from '../../walkthroughs/index.js'
import { CHROMIUM, launchChromium, watchPage } from './browser.js'
import { isCI } from './global-setup.js'

// What the functions puppeteer runs in the page use of it (the project compiles without the DOM library).
type HTMLElement = { dataset: Record<string, string | undefined>; textContent: string | null; scrollIntoView(): void }
declare const document: {
  querySelector(selector: string): HTMLElement | null
  querySelectorAll(selector: string): { length: number }
  body: HTMLElement & { classList: { contains(name: string): boolean }; innerText: string }
  activeElement: HTMLElement | null
}

const BIN = fileURLToPath(new URL('../../bin/kubewalk.js', import.meta.url))
const kubeconfig = inject('labKubeconfig')
const labVersion = inject('labVersion')
const skipReason = inject('labSkipReason')
if (CHROMIUM === undefined && isCI()) throw new Error(`CI=${process.env.CI} and no chromium: .ci/run installs Debian's chromium for this test`)
// KUBEWALK_SCREENSHOTS=docs writes the README's pictures there.
const SHOTS = process.env.KUBEWALK_SCREENSHOTS
const NS = 'kw-serve-e2e'

const article = await walkthroughs[0]!.load()
const ids = article.steps.map((s) => s.id)
let kubectl: string
let browser: Browser | undefined
let closeBrowser: (() => Promise<void>) | undefined
let dir: string
const problems: string[] = []
const servers: Server[] = []

interface Server {
  child: ChildProcess
  url: string
  origin: string
  token: string
  stdout: string
  stderr: string
  exited: Promise<number | null>
}

/** Starts `kubewalk <args>` and resolves once it printed its URL. */
async function start(args: string[]): Promise<Server> {
  // The participant's shell variables would seed the steps: the server starts without them.
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', CLUSTER_NAME: undefined, APISERVER: undefined, TOKEN: undefined }
  const child = spawn(process.execPath, [BIN, ...args, '--kubeconfig', kubeconfig], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const s = { child, url: '', origin: '', token: '', stdout: '', stderr: '' } as Server
  s.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)))
  child.stderr?.on('data', (d: Buffer) => void (s.stderr += d.toString()))
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      s.stdout += d.toString()
      const m = /open (https?:\/\/\S+)/.exec(s.stdout)
      // serve prints its URL at once, then the cluster and namespace once its session is open.
      if (m && s.url === '' && (args[0] !== 'serve' || /\n {2}on \S+ \(/.test(s.stdout))) {
        s.url = m[1] as string
        s.origin = new URL(s.url).origin
        s.token = new URL(s.url).searchParams.get('token') ?? ''
        resolve()
      }
    })
    void s.exited.then((code) => reject(new Error(`kubewalk ${args.join(' ')} exited with ${code} before serving: ${s.stderr}`)))
  })
  servers.push(s)
  return s
}

/** Ctrl-C, as a terminal sends it; resolves with the exit code. */
async function stop(s: Server): Promise<number | null> {
  s.child.kill('SIGINT')
  const code = await s.exited
  servers.splice(servers.indexOf(s), 1)
  return code
}

function http(method: string, url: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = request(url, { method, headers }, (res) => {
      let text = ''
      res.on('data', (d: Buffer) => void (text += d.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
    })
    r.on('error', reject)
    r.end(body)
  })
}
const post = (s: Server, path: string, body: unknown) =>
  http('POST', `${s.origin}${path}?token=${s.token}`, { origin: s.origin, 'content-type': 'application/json' }, JSON.stringify(body))
const stateOf = async (s: Server) =>
  JSON.parse((await http('GET', `${s.origin}/api/state?token=${s.token}`)).body) as {
    busy?: unknown
    cells: { id: string; status: string; runs: number }[]
    cluster: { namespace: string }
  }

async function until(what: string, fn: () => Promise<boolean>, ms = 90_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

const k = (...args: string[]) => execa(kubectl, ['--kubeconfig', kubeconfig, ...args], { reject: false })

async function openPage(s: Server): Promise<Page> {
  const page = await browser!.newPage()
  watchPage(page, (u) => u.startsWith(`${s.origin}/`), problems)
  await page.setViewport({ width: 1280, height: 900 })
  await page.goto(s.url, { waitUntil: 'load' })
  await page.waitForSelector('body[data-ready="yes"]')
  return page
}

// A click through the DOM: a tab in the background draws no frames, so puppeteer's mouse click (which
// waits for the element to be in view) would wait for ever there.
const press = (page: Page, selector: string) => page.$eval(selector, (b) => (b as unknown as { click(): void }).click())
const statusOf = (page: Page, id: string) => page.$eval(`.cell[data-step="${id}"]`, (e) => (e as HTMLElement).dataset.status)
const settled = (page: Page, id: string) =>
  page.waitForFunction(
    (i) => {
      const c = document.querySelector(`.cell[data-step="${i}"]`) as HTMLElement
      return (c.dataset.status === 'passed' || c.dataset.status === 'failed') && document.body.dataset.busy === ''
    },
    { timeout: 90_000, polling: 100 },
    id,
  )

beforeAll(async () => {
  if (kubeconfig === '' || CHROMIUM === undefined) return
  dir = await mkdtemp(join(tmpdir(), 'kubewalk-serve-'))
  kubectl = join(labBinDir(labVersion), 'kubectl')
  await k('create', 'namespace', NS)
  ;({ browser, close: closeBrowser } = await launchChromium())
})
afterAll(async () => {
  for (const s of [...servers]) await stop(s)
  await closeBrowser?.()
  if (kubeconfig !== '' && CHROMIUM !== undefined) await k('delete', 'namespace', NS, '--wait=false')
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe.skipIf(kubeconfig === '' || CHROMIUM === undefined)(`kubewalk serve in chromium ${skipReason}${CHROMIUM ? '' : '(no chromium)'}`, () => {
  let s: Server

  it('the token is required on every request, the event stream too (401); an unknown step id is 400; nothing runs', async () => {
    s = await start(['serve', '--namespace', NS, '--kubectl', kubectl, '--port', '0'])
    expect(s.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    for (const path of ['/', '/events', '/api/state', '/assets/notebook.js', '/transcript.md'])
      expect((await http('GET', `${s.origin}${path}`)).status, path).toBe(401)
    expect(
      (await http('POST', `${s.origin}/api/run`, { origin: s.origin, 'content-type': 'application/json' }, '{"step":"list-clusters"}')).status,
    ).toBe(401)
    const unknown = await post(s, '/api/run', { step: 'rm -rf /' })
    expect(unknown.status).toBe(400)
    expect(JSON.parse(unknown.body).error).toMatch(/^unknown step "rm -rf \/": the page sends the walkthrough's step ids/)
    expect((await post(s, '/api/run', { command: 'kubectl delete ns default' })).status).toBe(400)
    expect((await stateOf(s)).cells.every((c) => c.runs === 0)).toBe(true)
  })

  it('a cell run out of order names the step to run first, and runs nothing', async () => {
    const page = await openPage(s)
    await page.click('.cell[data-step="call-api"] .run')
    await page.waitForFunction(() => (document.querySelector('.cell[data-step="call-api"] .notice')?.textContent ?? '') !== '', { polling: 100 })
    expect(await page.$eval('.cell[data-step="call-api"] .notice', (e) => e.textContent)).toBe(
      '05 call-api needs $APISERVER and $TOKEN, which no step run here has set: run 02 set-cluster-name first (Run up to here runs the steps before it).',
    )
    expect(await statusOf(page, 'call-api')).toBe('idle')
    await page.close()
  })

  it('runs the article step by step from the page (Run and the keyboard): 14 ✓; a reload mid-run keeps the state', async () => {
    const page = await openPage(s)
    for (const [i, id] of ids.entries()) {
      if (i === 6) {
        // Mid-run: press Run and reload at once; the reloaded page shows what ran and what runs.
        await page.click(`.cell[data-step="${id}"] .run`)
        await page.reload({ waitUntil: 'load' })
        await page.waitForSelector('body[data-ready="yes"]')
        for (const before of ids.slice(0, 6)) expect(await statusOf(page, before), before).toBe('passed')
        expect(await page.$$eval('.cell[data-step="call-api"] .assertion.ok', (xs) => xs.length)).toBeGreaterThan(0)
      } else if (i % 2 === 0) {
        // j/k to the cell, Enter runs it.
        await page.focus(`.cell[data-step="${ids[Math.max(0, i - 1)]}"]`)
        if (i > 0) await page.keyboard.press('j')
        expect(await page.evaluate(() => document.activeElement?.dataset.step)).toBe(id)
        await page.keyboard.press('Enter')
      } else await page.click(`.cell[data-step="${id}"] .run`)
      await settled(page, id)
      expect(await statusOf(page, id), `${id}: ${await page.$eval(`.cell[data-step="${id}"]`, (e) => e.textContent)}`).toBe('passed')
    }
    expect(await page.$$eval('.cell[data-status="passed"]', (xs) => xs.length)).toBe(14)
    expect(await page.$$eval('.cell .badge', (xs) => xs.map((x) => x.textContent))).toEqual(Array(14).fill('✓ passed'))
    expect(await page.$$eval('.assertion.bad', (xs) => xs.length)).toBe(0)
    // The token is masked on the page, in the variables panel and in the outputs.
    expect(await page.$eval('.var[data-var="TOKEN"] .value', (e) => e.textContent)).toBe('eyJ…[masked token]')
    expect(await page.evaluate(() => /eyJ[A-Za-z0-9_-]{20,}\./.test(document.body.innerText))).toBe(false)
    const md = await http('GET', `${s.origin}/transcript.md?token=${s.token}`)
    expect(md.body).toMatch(/\*\*Result: ✅ passed\*\* — 14 passed, 0 failed, 0 skipped/)
    if (SHOTS) {
      await page.evaluate(() => document.querySelector('.cell[data-step="call-api-secret-token"]')?.scrollIntoView())
      await page.$eval('.cell[data-step="delete-token-secret"] details.drift', (d) => void ((d as unknown as { open: boolean }).open = true))
      await page.screenshot({ path: join(SHOTS, 'serve.png') })
    }
    await page.close()
  })

  it('Reset leaves nothing of the run on the cluster; two tabs pressing Run on one step run it once', async () => {
    const [one, two] = [await openPage(s), await openPage(s)]
    try {
      await press(one, '#reset-all')
      await one.waitForFunction(() => document.querySelectorAll('.cell[data-status="idle"]').length === 14 && document.body.dataset.busy === '', {
        timeout: 60_000,
        polling: 100,
      })
      await press(one, '.cell[data-step="list-secrets-before"] .upto')
      await settled(one, 'list-secrets-before')
      await two.waitForFunction(() => document.querySelector('.cell[data-step="list-secrets-before"]')?.dataset.status === 'passed', { polling: 100 })
      // Run twice over would meet the step's own Secret and fail; pressed in both tabs at once, it runs once.
      const runsBefore = (await stateOf(s)).cells.find((c) => c.id === 'apply-token-secret')?.runs ?? NaN
      await Promise.all([press(one, '.cell[data-step="apply-token-secret"] .run'), press(two, '.cell[data-step="apply-token-secret"] .run')])
      await settled(one, 'apply-token-secret')
      expect(await statusOf(one, 'apply-token-secret')).toBe('passed')
      const refused = [
        ...(await Promise.all([one, two].map((p) => p.$eval('.cell[data-step="apply-token-secret"] .notice', (e) => e.textContent ?? '')))),
      ].filter((t) => t !== '')
      expect(refused).toEqual([
        expect.stringMatching(/^apply-token-secret is running: one step at a time|^apply-token-secret was run from another page meanwhile/),
      ])
      expect((await stateOf(s)).cells.find((c) => c.id === 'apply-token-secret')?.runs).toBe(runsBefore + 1)
      expect((await k('get', 'secret', 'default-token', '-n', NS)).exitCode).toBe(0)
      // Run again after it passed, it meets its guard as a replay would.
      const runsNow = Number(await two.$eval('.cell[data-step="apply-token-secret"]', (e) => e.dataset.runs))
      await press(two, '.cell[data-step="apply-token-secret"] .run')
      await two.waitForFunction(
        (n) => Number(document.querySelector('.cell[data-step="apply-token-secret"]')?.dataset.runs) > n,
        { polling: 100 },
        runsNow,
      )
      await settled(two, 'apply-token-secret')
      expect(await statusOf(two, 'apply-token-secret')).toBe('failed')
      expect(await two.$eval('.cell[data-step="apply-token-secret"] .error', (e) => e.textContent)).toMatch(
        /Secret default-token is already there: this session created it when the step ran before, and removes it on Reset/,
      )
      await press(two, '.cell[data-step="apply-token-secret"] .reset')
      await two.waitForFunction(() => document.querySelectorAll('.cell[data-status="idle"]').length === 14 && document.body.dataset.busy === '', {
        timeout: 60_000,
        polling: 100,
      })
      expect((await k('get', 'secret', 'default-token', '-n', NS)).stderr).toMatch(/NotFound/)
      // Nothing of the run: the namespace holds what Kubernetes put there, nothing else.
      expect((await k('get', 'secrets,configmaps,roles,rolebindings,serviceaccounts', '-n', NS, '-o', 'name')).stdout.split('\n').sort()).toEqual([
        'configmap/kube-root-ca.crt',
        'serviceaccount/default',
      ])
      expect(await one.$eval('.var[data-var="TOKEN"] .value', (e) => e.textContent)).toBe('not set')
      // The Cleanup panel lists what Reset will delete: nothing now.
      expect(await one.$eval('#cleanup', (e) => e.textContent)).toBe('nothing to delete')
    } finally {
      await one.close()
      await two.close()
    }
  })

  it('Ctrl-C stops the server and removes what its runs created', async () => {
    const seen = (await stateOf(s)).cells.find((c) => c.id === 'apply-token-secret')?.runs
    expect(JSON.parse((await post(s, '/api/run', { step: 'apply-token-secret', upTo: true, seen })).body)).toEqual({ run: ids.slice(0, 8) })
    await until('08 to pass', async () => (await stateOf(s)).cells.find((c) => c.id === 'apply-token-secret')?.status === 'passed')
    expect((await k('get', 'secret', 'default-token', '-n', NS)).exitCode).toBe(0)
    expect(await stop(s)).toBe(130)
    expect(s.stderr).toMatch(/✓ delete Secret default-token/)
    expect((await k('get', 'secret', 'default-token', '-n', NS)).stderr).toMatch(/NotFound/)
  })

  it('with no page open for --idle-timeout, what the runs created is removed', async () => {
    const idle = await start(['serve', '--namespace', NS, '--kubectl', kubectl, '--idle-timeout', '2'])
    // A page: the event stream is open while the steps run, then goes away.
    const page = await openPage(idle)
    expect((await post(idle, '/api/run', { step: 'apply-token-secret', upTo: true, seen: 0 })).status).toBe(202)
    await settled(page, 'apply-token-secret')
    expect((await k('get', 'secret', 'default-token', '-n', NS)).exitCode).toBe(0)
    await page.close()
    await until('the idle cleanup', async () => (await k('get', 'secret', 'default-token', '-n', NS)).exitCode !== 0, 20_000)
    expect(idle.stderr).toMatch(/no page open for 2 s: removing what this session created/)
    expect(await stop(idle)).toBe(130)
  })

  it('the board: 6 --isolate participants with --report-progress at different steps, live in the browser', async () => {
    const upTo = [1, 3, 5, 8, 11, 14]
    const participants = await Promise.all(upTo.map(() => start(['serve', '--isolate', '--report-progress', '--kubectl', kubectl])))
    await Promise.all(
      participants.map(async (p, i) => {
        expect((await post(p, '/api/run', { step: ids[(upTo[i] as number) - 1], upTo: true, seen: 0 })).status).toBe(202)
        await until(`participant ${i} to finish`, async () => {
          const st = await stateOf(p)
          return st.busy === undefined && st.cells.filter((c) => c.status === 'passed').length === upTo[i]
        })
      }),
    )
    const namespaces = await Promise.all(participants.map(async (p) => (await stateOf(p)).cluster.namespace))
    // The record holds step ids and times, no value.
    const cm = await k('get', 'configmap', 'kubewalk-progress', '-n', namespaces[5] as string, '-o', 'json')
    expect(JSON.parse(cm.stdout).metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'kubewalk', 'app.kubernetes.io/component': 'progress' })
    expect(cm.stdout).not.toMatch(/eyJ|https:\/\//)
    const board = await start(['class', '--serve', '--namespaces', namespaces.join(','), '--interval', '1'])
    const page = await openPage(board)
    await page.waitForFunction((n) => document.querySelectorAll('#board tbody tr').length === n, { polling: 100 }, namespaces.length)
    // Done: the steps each reported (1 to k), and the traces on the cluster: 08's Secret and 09's token
    // filled by the controller (there as soon as 08 ran, until 13 deletes it).
    const done = upTo.map((u) => new Set([...ids.slice(0, u), ...(u >= 8 && u < 13 ? ['apply-token-secret', 'list-secrets-after'] : [])]))
    const rows = await page.$$eval('#board tbody tr', (trs) =>
      trs.map((tr) => [(tr as HTMLElement).dataset.namespace, Number((tr as HTMLElement).dataset.done)]),
    )
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(namespaces.map((ns, i) => [ns, done[i]?.size])))
    expect(await page.$$eval('#board thead th.col', (ths) => ths.length)).toBe(14)
    // Which column came from which: 08 and 09 leave a trace (and were reported), the others only reported.
    expect(await page.$$eval('#board thead th.col .src', (xs) => xs.map((x) => x.textContent))).toEqual(
      ids.map((id) => (id === 'apply-token-secret' || id === 'list-secrets-after' ? 'both' : 'reported')),
    )
    expect(await page.$$eval('#board tfoot td.count', (xs) => xs.map((x) => Number(x.textContent)))).toEqual(
      ids.map((id) => done.filter((d) => d.has(id)).length),
    )
    if (SHOTS) await page.screenshot({ path: join(SHOTS, 'board.png'), fullPage: true })
    await page.click('#large')
    expect(await page.evaluate(() => document.body.classList.contains('large'))).toBe(true)
    await page.close()
    expect(await stop(board)).toBe(130)
    for (const p of participants) expect(await stop(p)).toBe(130)
    const left = (await k('get', 'namespaces', '-o', 'name')).stdout.split('\n').filter((n) => namespaces.some((ns) => n === `namespace/${ns}`))
    // Deleted, or on their way out.
    for (const n of left) expect((await k('get', n, '-o', 'jsonpath={.status.phase}')).stdout).toBe('Terminating')
  })

  it('no page had a console error, a failed request or a request elsewhere', () => {
    expect(problems).toEqual([])
  })
})
