// kubewalk lab build|up --version: a version the lab cannot build is a usage error (exit 2), raised before any build.
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../helpers.js'
import { LAB_VERSION_HELP } from '../../../src/faces/commands/flags.js'
import { captureIo } from '../../helpers.js'

let cache: string
const saved = process.env.XDG_CACHE_HOME
beforeAll(async () => {
  cache = await mkdtemp(path.join(tmpdir(), 'kubewalk-lab-cli-'))
  process.env.XDG_CACHE_HOME = cache
})
afterAll(async () => {
  if (saved === undefined) delete process.env.XDG_CACHE_HOME
  else process.env.XDG_CACHE_HOME = saved
  await rm(cache, { recursive: true, force: true })
})

describe('lab --version', () => {
  it.each([
    [
      ['lab', 'build', '--version', 'v1.33'],
      'kubewalk: Kubernetes version must be v1.MINOR.PATCH (e.g. v1.37.2) or an alias (latest = v1.37.2, article = v1.28.3); got "v1.33".\n',
    ],
    [
      ['lab', 'build', '--version', '1.28.3'],
      'kubewalk: Kubernetes version must be v1.MINOR.PATCH (e.g. v1.37.2) or an alias (latest = v1.37.2, article = v1.28.3); got "1.28.3"; did you mean v1.28.3?\n',
    ],
    [['lab', 'build', '--node', '--kubectl-only'], 'kubewalk: lab build takes --node or --kubectl-only, not both.\n'],
    [
      ['lab', 'up', '--version', 'newest', '--dir', 'never-created'],
      'kubewalk: Kubernetes version must be v1.MINOR.PATCH (e.g. v1.37.2) or an alias (latest = v1.37.2, article = v1.28.3); got "newest".\n',
    ],
  ])('%j exits 2 with one line, building nothing', async (argv, message) => {
    const t = captureIo({})
    expect(await main(argv, t.sinks)).toBe(2)
    expect(t.err()).toBe(message)
    expect(t.out()).toBe('')
    expect(await readdir(cache)).toEqual([])
  })

  it('has help lines naming the versions and aliases', () => {
    expect(LAB_VERSION_HELP).toContain('latest = v1.37.2')
    expect(LAB_VERSION_HELP).toContain('article = v1.28.3')
    for (const line of LAB_VERSION_HELP.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(100)
  })
})
