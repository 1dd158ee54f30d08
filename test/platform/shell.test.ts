import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { runScript } from '../../src/platform/shell.js'

const sigkills = (spy: { mock: { calls: unknown[][] } }): number => spy.mock.calls.filter(([, signal]) => signal === 'SIGKILL').length

afterEach(() => {
  vi.restoreAllMocks()
  vi.doUnmock('zx/core')
  vi.resetModules()
})

describe('runScript', () => {
  it('runs the line with the values in the environment', async () => {
    const r = await runScript('echo "$GREETING"; echo oops >&2; exit 3', { env: { GREETING: 'hi' }, timeoutMs: 10_000 })
    expect(r).toMatchObject({ exitCode: 3, signal: null, stdout: 'hi\n', stderr: 'oops\n', timedOut: false, aborted: false })
  })

  it('passes stdout and stderr on as they arrive (onOutput), and still returns all of it', async () => {
    const seen: [string, string, number][] = []
    const began = performance.now()
    const r = await runScript('echo one; sleep 0.5; echo two >&2; echo three', {
      timeoutMs: 10_000,
      onOutput: (stream, chunk) => void seen.push([stream, chunk, performance.now() - began]),
    })
    expect(r).toMatchObject({ exitCode: 0, stdout: 'one\nthree\n', stderr: 'two\n' })
    expect(seen.map(([s, c]) => [s, c])).toEqual([
      ['stdout', 'one\n'],
      ['stderr', 'two\n'],
      ['stdout', 'three\n'],
    ])
    // The first line came before the sleep was over: streamed, not handed over at the end.
    expect(seen[0]?.[2]).toBeLessThan(450)
    expect(r.durationMs).toBeGreaterThanOrEqual(500)
  })

  it.each([
    ['a timeout', false],
    ['an abort', true],
  ])(
    'sends no SIGKILL once a line stopped by %s has ended (its group id may be reused)',
    async (_, abort) => {
      const signal = abort ? AbortSignal.timeout(200) : undefined
      const kill = vi.spyOn(process, 'kill')
      const r = await runScript('sleep 30', { timeoutMs: signal ? 30_000 : 200, ...(signal ? { signal } : {}) })
      expect(r.timedOut).toBe(signal === undefined)
      expect(r.aborted).toBe(signal !== undefined)
      expect(kill).toHaveBeenCalledWith(expect.any(Number), 'SIGTERM')
      const atEnd = sigkills(kill)
      // The delayed SIGKILL would have come 2 s after the SIGTERM.
      await sleep(2_500)
      expect(sigkills(kill)).toBe(atEnd)
    },
    10_000,
  )

  it('still kills a line that ignores SIGTERM, a moment after the timeout', async () => {
    const r = await runScript("trap '' TERM; sleep 30", { timeoutMs: 200 })
    expect(r).toMatchObject({ timedOut: true, aborted: false, signal: 'SIGKILL' })
    expect(r.durationMs).toBeLessThan(5_000)
  }, 10_000)

  it('reports a line that could not start as such, with the reason, not as an interrupt', async () => {
    const r = await runScript('echo hi', { timeoutMs: 10_000, cwd: '/nonexistent-kubewalk-dir' })
    expect(r).toMatchObject({ timedOut: false, aborted: false, stdout: '' })
    expect(r.exitCode).not.toBe(0)
    expect(r.stderr).toMatch(/ENOENT/)
  })

  it.each([
    [
      { exitCode: 1, signal: null, stdout: 'part', stderr: 'boom\n' },
      { exitCode: 1, signal: null, stdout: 'part', stderr: 'boom\n' },
    ],
    [
      { exitCode: null, signal: 'SIGSEGV' },
      { exitCode: null, signal: 'SIGSEGV', stdout: '', stderr: 'zx failed' },
    ],
  ])('keeps the evidence of a zx rejection that no abort caused: %j', async (rejection, expected) => {
    vi.doMock('zx/core', async (importOriginal) => ({
      ...(await importOriginal<typeof import('zx/core')>()),
      $: () => () => Promise.reject(Object.assign(new Error('zx failed'), rejection)),
    }))
    const { runScript: mockedRun } = await import('../../src/platform/shell.js')
    const r = await mockedRun('true', { timeoutMs: 10_000 })
    expect(r).toMatchObject({ ...expected, timedOut: false, aborted: false })
  })
})

describe('quote', () => {
  it.each([
    [''],
    ['plain'],
    ['/a/b.c-d@e:f=g'],
    ['two words'],
    ["it's"],
    ['back\\slash'],
    ['tab\there\nnew\rline'],
    ['\f\v\0'],
    ['$HOME `x` "q"'],
    ['ü€'],
  ])('quotes %j as zx 8 does, and bash reads it back', async (value) => {
    const { quote } = await import('../../src/platform/shell.js')
    const zx = await import('zx/core')
    expect(quote(value)).toBe(zx.quote(value))
    if (value.includes('\0')) return // a bash word cannot hold NUL
    const r = await runScript(`printf '%s' ${quote(value)}`, { timeoutMs: 10_000 })
    expect(r.stdout).toBe(value)
  })
})
