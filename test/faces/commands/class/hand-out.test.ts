import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { handOutRoutes } from '../../../../src/faces/commands/class/hand-out.js'
import { CODES_FILE, codesText, parseCodes } from '../../../../src/faces/commands/class/roster.js'
import { serve } from '../../../../src/faces/serve/http.js'
import { captureIo, main } from '../../../helpers.js'
import { testDir } from '../../../temp-dir.js'

async function handOutServer(): Promise<{ dir: string; origin: string; token: string }> {
  const dir = await testDir('kubewalk-hand-out-')
  await writeFile(join(dir, 'ann.kubeconfig'), 'ann-config\n', { mode: 0o600 })
  await writeFile(join(dir, 'bo.kubeconfig'), 'bo-config\n', { mode: 0o600 })
  await writeFile(
    join(dir, CODES_FILE),
    codesText([
      { name: 'ann', code: 'AAAA-BBBB-CCCC' },
      { name: 'bo', code: 'DDDD-EEEE-FFFF' },
    ]),
    { mode: 0o600 },
  )
  const { routes } = await handOutRoutes(dir)
  const s = await serve({ port: 0 }, { 'GET /api/board': () => ({ status: 200, json: { rows: [] } }) }, new Map(), routes)
  onTestFinished(() => s.close())
  return { dir, origin: s.origin, token: s.token }
}

describe('class --serve --hand-out', () => {
  it("serves a participant's kubeconfig once behind their code, with no board token, and strikes the code from the file", async () => {
    const { dir, origin } = await handOutServer()
    const first = await fetch(`${origin}/hand-out/aaaa-bbbb-cccc`)
    expect(first.status).toBe(200)
    expect(first.headers.get('content-disposition')).toBe('attachment; filename="ann.kubeconfig"')
    expect(await first.text()).toBe('ann-config\n')
    const again = await fetch(`${origin}/hand-out/AAAA-BBBB-CCCC`)
    expect(again.status).toBe(404)
    expect(((await again.json()) as { error: string }).error).toBe('no such code, or it was used already; ask your instructor')
    expect([...parseCodes(await readFile(join(dir, CODES_FILE), 'utf8'))]).toEqual([['DDDD-EEEE-FFFF', 'bo']])
    expect((await stat(join(dir, CODES_FILE))).mode & 0o777).toBe(0o600)
  })
  it('two requests with one code at once: one file', async () => {
    const { origin } = await handOutServer()
    const answers = await Promise.all([1, 2, 3].map(() => fetch(`${origin}/hand-out/DDDD-EEEE-FFFF`)))
    expect(answers.map((a) => a.status).sort()).toEqual([200, 404, 404])
  })
  it('the page needs no token; the board still does, and shows no code', async () => {
    const { origin, token } = await handOutServer()
    const page = await fetch(`${origin}/hand-out`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<script src="/hand-out.js" defer></script>')
    expect((await fetch(`${origin}/hand-out.js`)).status).toBe(200)
    expect((await fetch(`${origin}/api/board`)).status).toBe(401)
    const board = await fetch(`${origin}/api/board?token=${token}`)
    expect(await board.text()).not.toMatch(/AAAA|DDDD/)
  })
  it('after thirty wrong codes it closes, even to a right one', async () => {
    const { origin } = await handOutServer()
    for (let i = 0; i < 30; i++) expect((await fetch(`${origin}/hand-out/ZZZZ-ZZZZ-ZZZ${'23456789AB'[i % 10]}`)).status).toBe(404)
    expect((await fetch(`${origin}/hand-out/AAAA-BBBB-CCCC`)).status).toBe(429)
  })
  it('a folder with no codes file is a usage error', async () => {
    const dir = await testDir('kubewalk-hand-out-')
    await expect(handOutRoutes(dir)).rejects.toThrow(`--hand-out ${dir}: no ${CODES_FILE} there (class open --out DIR writes it).`)
  })
})

describe('class open, close, status: argument errors are exit 2 and one line, before any cluster is asked', () => {
  it.each([
    [['class', 'open', '--out', '/tmp/x'], 'kubewalk: class open needs one of --participants N or --names a,b,c.'],
    [['class', 'open', '--participants', '3'], 'kubewalk: class open needs --out DIR: the folder the kubeconfigs go to.'],
    [
      ['class', 'open', '--participants', '3', '--out', 'o', '--duration', '5m'],
      'kubewalk: --duration takes a time from 10m to 48h (e.g. 3h, 90m, 1h30m), got "5m".',
    ],
    [['class', 'open', '--participants', '3', '--out', 'o', '--server', 'http://x'], /^kubewalk: --server takes the API server's URL/],
    [['class', 'open', '--names', 'a', '--prefix', 'X'], /^kubewalk: --prefix "X" cannot start a namespace name/],
    [['class', 'open', 'extra'], 'kubewalk: class open takes no arguments, got extra.'],
    [['class', 'close', '--timeout', '0'], 'kubewalk: --timeout takes a positive number of seconds, got "0".'],
    [['class', 'close', '--bogus'], "kubewalk: unknown option '--bogus'; see kubewalk --help."],
    [['class', 'status', '--prefix', 'a_b'], /^kubewalk: --prefix "a_b" cannot start a namespace name/],
    [['class', '--prefix', 'x-', '--hand-out', 'd'], 'kubewalk: --hand-out goes with class --serve.'],
  ])('%j', async (argv, message) => {
    const io = captureIo({ KUBECONFIG: '/nonexistent' })
    expect(await main(argv, io.sinks)).toBe(2)
    const err = io.err()
    expect(err.split('\n')).toHaveLength(2)
    if (typeof message === 'string') expect(err).toBe(`${message}\n`)
    else expect(err).toMatch(message)
  })
})
