// The lab-kubectl project's workers find one kubectl first on PATH: the lab's own build, or the stand-in that says none is built.
import { execa } from 'execa'
import { realpath } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { which } from '../src/platform/shell.js'
import { NO_LAB_KUBECTL, anyLabKubectl } from './kubectl-dir.js'

describe('the lab-kubectl project', () => {
  it("puts the lab's own kubectl first on every worker's PATH, never the machine's", async () => {
    const first = await which('kubectl')
    expect(first).toBeDefined()
    const built = await anyLabKubectl()
    if (built) expect(await realpath(first!)).toBe(await realpath(built))
    else expect((await execa(first!, ['version', '--client'], { reject: false })).stderr).toBe(`kubewalk tests: ${NO_LAB_KUBECTL}`)
  })
})
