// The notebook over a real runner session, with lines that stand in for kubectl (files in a temp
// directory play the cluster's objects): Reset and the idle cleanup stop a running step and remove
// exactly what the session made, nothing starts meanwhile, and the page sees each cell's cleanup and
// check lines before they run.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Refused, type EventStream, type Request } from '../../../src/faces/serve/http.js'
import type { Notebook, WireEvent } from '../../../src/faces/serve/notebook.js'
import { testDir } from '../../temp-dir.js'
import { notebookOver } from './stand-in.js'

/** A route's answer, or `{ refused }` as the server sends it. */
async function call(nb: Notebook, route: string, body: unknown = {}): Promise<unknown> {
  const fn = nb.routes[route]
  if (fn === undefined) throw new Error(`no route ${route}`)
  try {
    const a = await fn({ method: 'POST', path: route, query: new URLSearchParams(), body, raw: undefined } as unknown as Request)
    return 'json' in a ? a.json : a
  } catch (e) {
    if (e instanceof Refused) return { refused: e.message }
    throw e
  }
}

async function until(what: string, fn: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

const cellOf = (nb: Notebook, id: string) => nb.state().cells.find((c) => c.id === id)!
const removed = async (dir: string): Promise<string[]> =>
  (await readFile(join(dir, 'removed'), 'utf8').catch(() => '')).split('\n').filter((l) => l !== '')

describe('Reset during a run', () => {
  it('stops the running step, waits for it, refuses every other start until it is done, then removes exactly what the session made', async () => {
    const dir = await testDir('kubewalk-nb-')
    const { nb } = await notebookOver(dir)
    try {
      expect(await call(nb, 'POST /api/run', { step: 'quick', seen: 0 })).toEqual({ run: ['quick'] })
      await until('quick to pass', () => cellOf(nb, 'quick').status === 'passed')
      expect(await call(nb, 'POST /api/run', { step: 'slow', seen: 0 })).toEqual({ run: ['slow'] })
      await until('slow to be running', () => cellOf(nb, 'slow').status === 'running' && existsSync(join(dir, 'obj-slow')))
      expect(await call(nb, 'POST /api/reset')).toEqual({ reset: true })
      expect(nb.state().busy).toEqual({ kind: 'reset' })
      // The aborted step has ended; the Reset is still removing (its first cleanup takes 0.5 s): nothing else may start.
      await until('the aborted step to end', () => cellOf(nb, 'slow').status !== 'running')
      expect(nb.state().busy).toEqual({ kind: 'reset' })
      expect(await call(nb, 'POST /api/run', { step: 'quick', seen: cellOf(nb, 'quick').runs })).toEqual({
        refused: 'Reset is running: one step at a time; wait for it to finish (or Reset).',
      })
      expect(await call(nb, 'POST /api/reset')).toEqual({ refused: 'Reset is already running.' })
      await until('the Reset to end', () => nb.state().busy === undefined)
      expect(existsSync(join(dir, 'obj-slow'))).toBe(false)
      expect(existsSync(join(dir, 'obj-quick'))).toBe(false)
      expect((await removed(dir)).sort()).toEqual(['quick', 'slow'])
      expect(nb.state().pending).toEqual([])
      expect(nb.state().cells.map((c) => c.status)).toEqual(['idle', 'idle', 'idle'])
    } finally {
      await nb.close()
    }
  })

  it('Ctrl-C (close) during a Reset waits for it and leaves nothing behind', async () => {
    const dir = await testDir('kubewalk-nb-')
    const { nb } = await notebookOver(dir)
    await call(nb, 'POST /api/run', { step: 'slow', seen: 0 })
    await until('slow to be running', () => existsSync(join(dir, 'obj-slow')) && cellOf(nb, 'slow').status === 'running')
    await call(nb, 'POST /api/reset')
    await nb.close()
    expect(existsSync(join(dir, 'obj-slow'))).toBe(false)
    expect(await removed(dir)).toEqual(['slow'])
  })

  it('stop(stepId) aborts only the step named, and what it made stays pending for Reset', async () => {
    const dir = await testDir('kubewalk-nb-')
    const { nb } = await notebookOver(dir)
    try {
      await call(nb, 'POST /api/run', { step: 'slow', seen: 0 })
      await until('slow to be running', () => existsSync(join(dir, 'obj-slow')) && cellOf(nb, 'slow').status === 'running')
      expect(nb.stop('quick')).toBe(false)
      expect(nb.stop('slow')).toBe(true)
      await until('slow to stop', () => nb.state().busy === undefined)
      expect(cellOf(nb, 'slow').result?.error?.code).toBe('E_INTERRUPTED')
      expect(nb.state().pending).toEqual([{ describe: 'delete obj-slow', command: expect.stringContaining('rm "$DIR/obj-slow"') }])
    } finally {
      await nb.close()
    }
    expect(existsSync(join(dir, 'obj-slow'))).toBe(false)
  })
})

describe('the idle cleanup', () => {
  it('stops a step still running when no page has been open for the idle time, then removes what the session made', async () => {
    const dir = await testDir('kubewalk-nb-')
    const { nb, log } = await notebookOver(dir, 300)
    try {
      const events = nb.routes['GET /events']!({} as Request) as { stream: (e: EventStream) => void }
      let gone: (() => void) | undefined
      events.stream({ send: () => undefined, onClose: (fn) => void (gone = fn) })
      await call(nb, 'POST /api/run', { step: 'slow', seen: 0 })
      await until('slow to be running', () => existsSync(join(dir, 'obj-slow')) && cellOf(nb, 'slow').status === 'running')
      gone?.()
      await until('the idle cleanup', async () => (await removed(dir)).includes('slow') && nb.state().busy === undefined, 10_000)
      expect(existsSync(join(dir, 'obj-slow'))).toBe(false)
      expect(log.join('\n')).toMatch(/no page open for 0 s: stopping slow and removing what this session created/)
    } finally {
      await nb.close()
    }
  })
})

describe('what the page is shown', () => {
  it("each cell's cleanup and check lines before they run; the Cleanup panel lists what Reset will delete", async () => {
    const dir = await testDir('kubewalk-nb-')
    const { nb } = await notebookOver(dir)
    const seen: WireEvent[] = []
    try {
      const events = nb.routes['GET /events']!({} as Request) as { stream: (e: EventStream) => void }
      events.stream({ send: (e) => void seen.push(e as WireEvent), onClose: () => undefined })
      const quick = cellOf(nb, 'quick')
      expect(quick.cleanup).toEqual({ describe: 'delete obj-quick', command: 'rm "$DIR/obj-quick" && echo quick >> "$DIR/removed"' })
      expect(quick.verify).toBe('test -e "$DIR/obj-quick" && echo yes')
      expect(cellOf(nb, 'slow').verify).toBeUndefined()
      expect(nb.state().pending).toEqual([])
      await call(nb, 'POST /api/run', { step: 'quick', seen: 0 })
      await until('quick to pass', () => nb.state().busy === undefined && cellOf(nb, 'quick').status === 'passed')
      expect(nb.state().pending.map((p) => p.describe)).toEqual(['delete obj-quick'])
      // The page learns it over the stream, not only on a reload.
      const metas = seen.filter((e): e is Extract<WireEvent, { type: 'meta' }> => e.type === 'meta')
      expect(metas.at(-1)?.pending.map((p) => p.describe)).toEqual(['delete obj-quick'])
    } finally {
      await nb.close()
    }
  })

  it('a running cell carries when it started, for its elapsed time', async () => {
    const dir = await testDir('kubewalk-nb-')
    const { nb } = await notebookOver(dir)
    try {
      const before = Date.now()
      await call(nb, 'POST /api/run', { step: 'slow', seen: 0 })
      await until('slow to be running', () => cellOf(nb, 'slow').status === 'running')
      expect(cellOf(nb, 'slow').startedAt).toBeGreaterThanOrEqual(before)
      expect(nb.stop('slow')).toBe(true)
      await until('slow to stop', () => nb.state().busy === undefined)
      expect(cellOf(nb, 'slow').startedAt).toBeUndefined()
    } finally {
      await nb.close()
    }
  })

  it("a rerun of a step whose object the session made says that object is the session's own", async () => {
    const dir = await testDir('kubewalk-nb-')
    const { nb } = await notebookOver(dir)
    try {
      await call(nb, 'POST /api/run', { step: 'again', seen: 0 })
      await until('again to pass', () => nb.state().busy === undefined && cellOf(nb, 'again').status === 'passed')
      await call(nb, 'POST /api/run', { step: 'again', seen: 1 })
      await until('the rerun to end', () => nb.state().busy === undefined && cellOf(nb, 'again').status === 'failed')
      const message = cellOf(nb, 'again').result?.error?.message ?? ''
      expect(message).not.toMatch(/not this run's/)
      expect(message).toMatch(/^again: obj-again is already there: this session created it when the step ran before, and removes it on Reset/)
    } finally {
      await nb.close()
    }
    expect(await removed(dir)).toEqual(['again'])
  })
})

describe('a page that comes back', () => {
  it('within the idle timeout finds its session: nothing is removed', async () => {
    const dir = await testDir('kubewalk-nb-')
    const { nb } = await notebookOver(dir, 400)
    try {
      const open = (): (() => void) => {
        let gone: () => void = () => undefined
        ;(nb.routes['GET /events']!({} as Request) as { stream: (e: EventStream) => void }).stream({
          send: () => undefined,
          onClose: (fn) => void (gone = fn),
        })
        return () => gone()
      }
      const leave = open()
      await call(nb, 'POST /api/run', { step: 'quick', seen: 0 })
      await until('quick to pass', () => nb.state().busy === undefined && cellOf(nb, 'quick').status === 'passed')
      // Away to a link for a while, back before the idle timeout.
      leave()
      await new Promise((r) => setTimeout(r, 200))
      open()
      await new Promise((r) => setTimeout(r, 600))
      expect(cellOf(nb, 'quick').status).toBe('passed')
      expect(nb.state().pending.map((p) => p.describe)).toEqual(['delete obj-quick'])
      expect(await removed(dir)).toEqual([])
    } finally {
      await nb.close()
    }
  })
})
