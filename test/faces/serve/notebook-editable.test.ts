// Stop and edited cells over a real runner session whose lines stand in for kubectl (files in a temp
// directory play the cluster's objects): Stop ends the line only, the session and its variables stay;
// an edited line runs as the step (its checks, its cleanup), and only a server started --editable takes one.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { HttpError, Refused, type Request } from '../../../src/faces/serve/http.js'
import type { Notebook } from '../../../src/faces/serve/notebook.js'
import { testDir } from '../../temp-dir.js'
import { notebookOver } from './stand-in.js'

async function call(nb: Notebook, route: string, body: unknown = {}): Promise<unknown> {
  const fn = nb.routes[route]
  if (fn === undefined) throw new Error(`no route ${route}`)
  try {
    const a = await fn({ method: 'POST', path: route, query: new URLSearchParams(), body, raw: undefined } as unknown as Request)
    return 'json' in a ? a.json : a
  } catch (e) {
    if (e instanceof Refused) return { refused: e.message }
    if (e instanceof HttpError) return { status: e.status, error: e.message }
    throw e
  }
}

async function until(what: string, fn: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

const cellOf = (nb: Notebook, id: string) => nb.state().cells.find((c) => c.id === id)!
const transcriptOf = async (nb: Notebook): Promise<string> => {
  const a = await (nb.routes['GET /transcript.md'] as NonNullable<Notebook['routes'][string]>)({} as Request)
  return 'text' in a ? a.text : ''
}

describe('Stop', () => {
  it('stops the running line (exit 130, said to be stopped), keeps the session, and the next Run works', async () => {
    const dir = await testDir('kubewalk-nb-')
    const { nb } = await notebookOver(dir)
    try {
      await call(nb, 'POST /api/run', { step: 'slow', seen: 0 })
      await until('slow to be running', () => existsSync(join(dir, 'obj-slow')) && cellOf(nb, 'slow').status === 'running')
      expect(await call(nb, 'POST /api/stop', { step: 'quick' })).toEqual({ refused: 'quick is not running.' })
      const t0 = Date.now()
      expect(await call(nb, 'POST /api/stop', { step: 'slow' })).toEqual({ stop: 'slow' })
      await until('slow to stop', () => nb.state().busy === undefined)
      expect(Date.now() - t0).toBeLessThan(5_000)
      const r = cellOf(nb, 'slow').result
      expect(r?.stopped).toBe(true)
      expect(r?.exitCode).toBe(130)
      expect(cellOf(nb, 'slow').status).toBe('failed')
      expect(await call(nb, 'POST /api/run', { step: 'quick', seen: 0 })).toEqual({ run: ['quick'] })
      await until('quick to pass', () => cellOf(nb, 'quick').status === 'passed')
      expect(cellOf(nb, 'quick').result?.stopped).toBeUndefined()
    } finally {
      await nb.close()
    }
  })
})

describe('edited cells', () => {
  it('without --editable, a run that carries a command line is refused (403) and nothing runs', async () => {
    const dir = await testDir('kubewalk-nb-')
    const { nb } = await notebookOver(dir)
    try {
      expect(nb.state().editable).toBe(false)
      expect(await call(nb, 'POST /api/run', { step: 'quick', seen: 0, command: 'touch "$DIR/pwned"' })).toMatchObject({ status: 403 })
      expect(cellOf(nb, 'quick').runs).toBe(0)
      expect(existsSync(join(dir, 'pwned'))).toBe(false)
    } finally {
      await nb.close()
    }
  })

  it('runs the edited line as the step: its checks, its cleanup, the transcript records the line as run; the original runs again after', async () => {
    const dir = await testDir('kubewalk-nb-')
    const { nb } = await notebookOver(dir, 60_000, true)
    try {
      expect(nb.state().editable).toBe(true)
      const edited = 'touch "$DIR/obj-quick" "$DIR/edited"; echo created'
      expect(await call(nb, 'POST /api/run', { step: 'quick', seen: 0, command: edited })).toEqual({ run: ['quick'] })
      await until('quick to pass', () => cellOf(nb, 'quick').status === 'passed')
      expect(existsSync(join(dir, 'edited'))).toBe(true)
      expect(cellOf(nb, 'quick').edited).toBe(edited)
      expect(cellOf(nb, 'quick').command).toBe('touch "$DIR/obj-quick"; echo created')
      expect(cellOf(nb, 'quick').result?.assertions).toEqual([{ name: 'ran', ok: true, expected: true, actual: true }])
      expect(nb.state().pending.map((p) => p.describe)).toEqual(['delete obj-quick'])
      expect(await transcriptOf(nb)).toContain(edited)
      // An edited line that fails fails the step, as the original would.
      const failing = 'echo; false'
      await call(nb, 'POST /api/run', { step: 'again', seen: 0, command: failing })
      await until('again to fail', () => cellOf(nb, 'again').status === 'failed')
      expect(cellOf(nb, 'again').edited).toBe(failing)
      // The walkthrough's own line again: no longer edited.
      await call(nb, 'POST /api/run', { step: 'again', seen: 1 })
      await until('again to pass', () => cellOf(nb, 'again').status === 'passed')
      expect(cellOf(nb, 'again').edited).toBeUndefined()
      expect(await call(nb, 'POST /api/run', { step: 'quick', seen: 1, upTo: true, command: 'true' })).toMatchObject({ status: 400 })
      expect(await call(nb, 'POST /api/run', { step: 'quick', seen: 1, command: 42 })).toMatchObject({ status: 400 })
    } finally {
      await nb.close()
    }
    expect(existsSync(join(dir, 'obj-quick'))).toBe(false)
  })

  it('Stop of an edited line; the session survives and the edited line reruns', async () => {
    const dir = await testDir('kubewalk-nb-')
    const { nb } = await notebookOver(dir, 60_000, true)
    try {
      const edited = 'echo $$ > "$DIR/pid"; sleep 30'
      await call(nb, 'POST /api/run', { step: 'quick', seen: 0, command: edited })
      await until('the edited line to run', () => existsSync(join(dir, 'pid')) && cellOf(nb, 'quick').status === 'running')
      expect(nb.stop('quick')).toBe(true)
      await until('quick to stop', () => nb.state().busy === undefined)
      expect(cellOf(nb, 'quick').result).toMatchObject({ stopped: true, exitCode: 130 })
      await call(nb, 'POST /api/run', { step: 'quick', seen: 1, command: 'touch "$DIR/obj-quick"; echo created' })
      await until('quick to pass', () => cellOf(nb, 'quick').status === 'passed')
    } finally {
      await nb.close()
    }
  })
})
