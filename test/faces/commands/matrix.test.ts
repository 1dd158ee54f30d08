import { describe, expect, it } from 'vitest'
import { pool } from '../../../src/faces/commands/matrix.js'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe('the matrix pool (servers --parallel N at a time)', () => {
  it('on the first failure, tells the others to stop and rethrows only once each has settled, so a lab still starting is in the list the caller stops', async () => {
    const stop = new AbortController()
    const started: string[] = []
    const sawStop: boolean[] = []
    const run = pool(['fails', 'slow', 'never'], 2, stop, async (item) => {
      if (item === 'fails') {
        await sleep(10)
        throw new Error('lab v1.33.13 did not start')
      }
      // A lab that finishes starting after the other failed.
      await sleep(100)
      started.push(item)
      sawStop.push(stop.signal.aborted)
    })
    await expect(run).rejects.toThrow('lab v1.33.13 did not start')
    expect(started).toEqual(['slow'])
    expect(sawStop).toEqual([true])
  })
  it('runs at most N at a time, every item once', async () => {
    let now = 0
    let most = 0
    const seen: number[] = []
    await pool([1, 2, 3, 4, 5], 2, new AbortController(), async (i) => {
      most = Math.max(most, ++now)
      await sleep(5)
      seen.push(i)
      now--
    })
    expect(most).toBe(2)
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5])
  })
})
