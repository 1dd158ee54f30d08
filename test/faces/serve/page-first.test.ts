import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { pageFirst } from '../../../src/faces/serve/page-first.js'

describe('pageFirst', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'setImmediate'] }))
  afterEach(() => vi.useRealTimers())

  const opener = () => {
    const open = vi.fn(async () => 'session')
    return { open, gate: pageFirst(open, 100) }
  }

  it('opens nothing before the server listens and a page goes out', async () => {
    const { open, gate } = opener()
    const opened = gate.open()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(open).not.toHaveBeenCalled()
    gate.served()
    await vi.advanceTimersByTimeAsync(0)
    expect(open).toHaveBeenCalledOnce()
    await expect(opened).resolves.toBe('session')
  })

  it('opens the session shortly after the server listens when no page is asked for', async () => {
    const { open, gate } = opener()
    const opened = gate.open()
    gate.listening()
    await vi.advanceTimersByTimeAsync(99)
    expect(open).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1)
    await expect(opened).resolves.toBe('session')
  })

  it('opens it once, however many pages go out', async () => {
    const { open, gate } = opener()
    const opened = gate.open()
    gate.listening()
    gate.served()
    gate.served()
    await vi.advanceTimersByTimeAsync(1000)
    await opened
    expect(open).toHaveBeenCalledOnce()
  })

  it('opens none when the server never listened', async () => {
    const { open, gate } = opener()
    const opened = gate.open()
    gate.closing()
    await expect(opened).rejects.toThrow('the notebook did not start, so no session was opened.')
    await vi.advanceTimersByTimeAsync(1000)
    expect(open).not.toHaveBeenCalled()
  })
})
