import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FifoPool } from '../../../src/engine/kernel/fifos.js'

describe('FifoPool', () => {
  it('closes only once the batch being made is made, so its folder can be removed at once', async () => {
    // A run whose preflight fails closes its kernel while the first batch is still being made.
    for (let i = 0; i < 5; i++) {
      const dir = await mkdtemp(join(tmpdir(), 'kubewalk-fifos-test-'))
      const pool = new FifoPool(dir)
      const making = pool.prepare()
      await pool.close()
      expect((await readdir(dir)).length).toBe(16)
      await rm(dir, { recursive: true })
      await expect(making).resolves.toBeUndefined()
    }
  })
})
