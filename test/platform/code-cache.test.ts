import { execa } from 'execa'
import { copyFileSync, mkdirSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { codeCacheDir, loadBundle } from '../../src/platform/code-cache.js'
import { testDir } from '../temp-dir.js'

/** A bundle of the shape esbuild writes (CommonJS, ASCII) at `dir/name`. */
function bundle(dir: string, body: string, name = 'cli.cjs'): string {
  const file = join(dir, name)
  writeFileSync(file, body)
  return file
}

// The built loader (npm test builds first), run by node itself in a process of its own: within one process V8's
// in-memory compilation cache answers for a source it has seen, and the code cache on disk would never be read.
const loader = fileURLToPath(new URL('../../dist/bundle/code-cache.js', import.meta.url))

/** Loads `file` in a new node process (`replayed`: as a command that replays would): the cache's state, what the bundle's `value()` gave, stderr. */
async function loadApart(file: string, cache: string, replayed = false): Promise<{ state: string; value: unknown; stderr: string }> {
  // A script file, not --eval: node's own flags are part of the cache's key, and an --eval's text is one of them.
  const script = join(dirname(file), 'load.mjs')
  writeFileSync(
    script,
    `import { loadBundle } from ${JSON.stringify(loader)}
const [file, cache, replayed] = process.argv.slice(2)
const b = loadBundle(file, cache)
console.log(JSON.stringify({ state: b.state, value: await b.exports.value() }))
b.saveCache(replayed === 'true')`,
  )
  const r = await execa('node', [script, file, cache, String(replayed)], { reject: false })
  expect(r.exitCode, r.stderr).toBe(0)
  return { ...(JSON.parse(r.stdout) as { state: string; value: unknown }), stderr: r.stderr }
}

describe('codeCacheDir', () => {
  it('is kubewalk/code under XDG_CACHE_HOME, else ~/.cache; off when KUBEWALK_CODE_CACHE=off', () => {
    expect(codeCacheDir({ XDG_CACHE_HOME: '/c', HOME: '/h' })).toBe('/c/kubewalk/code')
    expect(codeCacheDir({ HOME: '/h' })).toBe('/h/.cache/kubewalk/code')
    expect(codeCacheDir({ HOME: '/h', KUBEWALK_CODE_CACHE: 'off' })).toBeUndefined()
  })
})

describe('loadBundle', () => {
  it('runs the bundle as CommonJS: exports, require, __filename and __dirname', async () => {
    const dir = await testDir('kubewalk-cc-')
    const file = bundle(dir, "module.exports = { file: __filename, dir: __dirname, sep: require('node:path').sep, self: this === exports }")
    expect(loadBundle(file, undefined).exports).toEqual({ file, dir, sep: '/', self: true })
  })

  it('makes the cache after the command, then V8 takes it; a file of private mode in its own folder', async () => {
    const dir = await testDir('kubewalk-cc-')
    const cache = join(dir, 'cache')
    const file = bundle(dir, 'module.exports = { value: () => [1, 2, 3].map((n) => n * 2) }')
    expect(loadBundle(file, cache).state).toBe('made')
    expect(readdirSync(dir)).not.toContain('cache') // nothing written before saveCache
    expect(await loadApart(file, cache)).toEqual({ state: 'made', value: [2, 4, 6], stderr: '' })
    const files = readdirSync(cache)
    expect(files).toEqual([expect.stringMatching(/^[0-9a-f]{40}\.partial\.v8$/)])
    expect(statSync(join(cache, files[0]!)).mode & 0o777).toBe(0o600)
    expect(statSync(cache).mode & 0o777).toBe(0o700)
    expect(await loadApart(file, cache)).toEqual({ state: 'used', value: [2, 4, 6], stderr: '' })
    expect(readdirSync(cache)).toEqual(files)
  })

  it('a cache made by a command that did not replay is made again, once, by the first that does', async () => {
    const dir = await testDir('kubewalk-cc-')
    const cache = join(dir, 'cache')
    const file = bundle(dir, 'module.exports = { value: () => "v" }')
    await loadApart(file, cache)
    const [partial] = readdirSync(cache)
    expect(await loadApart(file, cache, true)).toMatchObject({ state: 'used', value: 'v' })
    const [full] = readdirSync(cache)
    expect(readdirSync(cache)).toEqual([partial!.replace('.partial.v8', '.v8')])
    const made = statSync(join(cache, full!)).mtimeMs
    expect(await loadApart(file, cache, true)).toMatchObject({ state: 'used' })
    expect(await loadApart(file, cache)).toMatchObject({ state: 'used' })
    expect(readdirSync(cache)).toEqual([full])
    expect(statSync(join(cache, full!)).mtimeMs).toBe(made)
  })

  it('runs the bytes on disk, not a cache of another build of the same length (V8 checks only the length)', async () => {
    const dir = await testDir('kubewalk-cc-')
    const cache = join(dir, 'cache')
    expect(await loadApart(bundle(dir, 'module.exports = { value: () => 1 }'), cache)).toMatchObject({ state: 'made', value: 1 })
    expect(await loadApart(bundle(dir, 'module.exports = { value: () => 2 }'), cache)).toMatchObject({ state: 'made', value: 2 })
    expect(readdirSync(cache)).toHaveLength(2)
  })

  it('a cache V8 refuses (damaged) is made again; one that cannot be written costs nothing but the write', async () => {
    const dir = await testDir('kubewalk-cc-')
    const cache = join(dir, 'cache')
    const file = bundle(dir, 'module.exports = { value: () => "ok" }')
    await loadApart(file, cache, true)
    const [made] = readdirSync(cache)
    writeFileSync(join(cache, made!), Buffer.alloc(4096, 7))
    expect(await loadApart(file, cache)).toEqual({ state: 'made', value: 'ok', stderr: '' })
    // The refused one is gone, not read (and refused) at every start.
    expect(readdirSync(cache)).toEqual([made!.replace('.v8', '.partial.v8')])
    expect(await loadApart(file, cache)).toMatchObject({ state: 'used', value: 'ok' })

    const blocked = join(dir, 'blocked')
    writeFileSync(blocked, 'a file where the cache folder would be')
    expect(await loadApart(file, join(blocked, 'code'))).toEqual({ state: 'made', value: 'ok', stderr: '' })
    expect(readdirSync(dir).sort()).toEqual(['blocked', 'cache', 'cli.cjs', 'load.mjs'])
  })

  it('keeps the newest eight caches besides the one it writes', async () => {
    const dir = await testDir('kubewalk-cc-')
    const cache = join(dir, 'cache')
    mkdirSync(cache)
    for (let i = 0; i < 10; i++) {
      writeFileSync(join(cache, `old-${i}.v8`), 'x')
      utimesSync(join(cache, `old-${i}.v8`), 1_000 + i, 1_000 + i)
    }
    writeFileSync(join(cache, 'unrelated.txt'), 'kept')
    loadBundle(bundle(dir, 'module.exports = 1'), cache).saveCache(true)
    const left = readdirSync(cache).sort()
    const made = left.filter((f) => /^[0-9a-f]{40}\.v8$/.test(f))
    expect(made).toHaveLength(1)
    expect(left).toEqual([...made, 'old-3.v8', 'old-4.v8', 'old-5.v8', 'old-6.v8', 'old-7.v8', 'old-8.v8', 'old-9.v8', 'unrelated.txt'].sort())
  })

  it('a bundle compiled from its cache imports through import-module.cjs (import() in the script itself would fail on Node 20)', async () => {
    const dir = await testDir('kubewalk-cc-')
    const cache = join(dir, 'cache')
    writeFileSync(join(dir, 'beside.mjs'), 'export default "beside"')
    copyFileSync(fileURLToPath(new URL('../../dist/bundle/import-module.cjs', import.meta.url)), join(dir, 'import-module.cjs'))
    const file = bundle(dir, 'module.exports = { value: () => require("./import-module.cjs").importModule("./beside.mjs").then((m) => m.default) }')
    for (const state of ['made', 'used']) expect(await loadApart(file, cache, true)).toEqual({ state, value: 'beside', stderr: '' })
  })
})

describe('dist/bundle/cli.cjs', () => {
  it('calls no import() of its own (Node 20 drops the callback of a script compiled from a cache)', () => {
    const source = readFileSync(fileURLToPath(new URL('../../dist/bundle/cli.cjs', import.meta.url)), 'latin1')
    expect(source.length).toBeGreaterThan(100_000)
    expect(source).toContain('require("./import-module.cjs")')
    expect([...source.matchAll(/(?<![\w$.])import\(/g)].map((m) => source.slice(m.index - 40, m.index + 40))).toEqual([])
  })
  it('is ASCII, as the loader reads it', () => {
    const bytes = readFileSync(fileURLToPath(new URL('../../dist/bundle/cli.cjs', import.meta.url)))
    expect(bytes.findIndex((b) => b > 127)).toBe(-1)
  })
})

describe('bin/kubewalk.js', () => {
  const bin = fileURLToPath(new URL('../../bin/kubewalk.js', import.meta.url))
  it('writes its code cache on first use and prints the same with it, or with KUBEWALK_CODE_CACHE=off (and writes none)', async () => {
    const home = await testDir('kubewalk-cc-home-')
    const env = { XDG_CACHE_HOME: home, KUBECONFIG: join(home, 'none'), NO_COLOR: '1' }
    const first = await execa('node', [bin, '--help'], { env, reject: false })
    expect(readdirSync(join(home, 'kubewalk', 'code'))).toEqual([expect.stringMatching(/\.partial\.v8$/)])
    const second = await execa('node', [bin, '--help'], { env, reject: false })
    const off = await execa('node', [bin, '--help'], {
      env: { ...env, XDG_CACHE_HOME: join(home, 'off'), KUBEWALK_CODE_CACHE: 'off' },
      reject: false,
    })
    expect(readdirSync(home)).toEqual(['kubewalk'])
    for (const r of [first, second, off]) expect({ code: r.exitCode, stderr: r.stderr }).toEqual({ code: 0, stderr: '' })
    expect(second.stdout).toBe(first.stdout)
    expect(off.stdout).toBe(first.stdout)
    expect(first.stdout).toMatch(/^kubewalk — replay a Kubernetes walkthrough/)
  })
})
