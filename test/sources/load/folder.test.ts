// A walkthrough from a folder: compiled with esbuild, cached by the content of every file it includes,
// `kubewalk` resolved to the running engine. The folders are made here, outside the repository, with
// no node_modules, as an author's would be.
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as api from '../../../src/api.js'
import { ParseError } from '../../../src/core/errors.js'
import { loadWalkthrough, originOf, walkthroughRef } from '../../../src/sources/load/index.js'
import { walkthroughs } from '../../../walkthroughs/index.js'
import { testDir } from '../../temp-dir.js'

const INDEX = `import { defineStep, defineWalkthrough, ParseError } from 'kubewalk'
import { readFileSync } from 'node:fs'
import { greeting } from './lib/words'

export const step = defineStep({
  id: 'hello', number: '01', title: 'Say it', command: 'echo ' + greeting, reads: [],
  parse: (out: { stdout: string }) => { if (out.stdout === '') throw new ParseError('hello', 'nothing printed', out.stdout); return out.stdout.trim() },
  check: (v: string) => [{ name: 'said ' + greeting, ok: v === greeting }],
})
const prose = readFileSync(new URL('./prose.md', import.meta.url), 'utf8')
export default defineWalkthrough({ id: 'hello', title: prose.trim(), vars: [], steps: [step] })
`

async function authorFolder(files: Record<string, string>): Promise<{ dir: string; env: { XDG_CACHE_HOME: string; HOME: string } }> {
  const dir = await testDir('kubewalk-author-')
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true })
    await writeFile(join(dir, name), text)
  }
  return { dir, env: { XDG_CACHE_HOME: join(dir, '.cache'), HOME: dir } }
}

describe('a walkthrough from a folder', () => {
  it('compiles index.ts and its helpers, finds prose beside the source, and links kubewalk to the running engine', async () => {
    const { dir, env } = await authorFolder({
      'index.ts': INDEX,
      'lib/words.ts': "export const greeting: string = 'hi'\n",
      'prose.md': 'Hello from prose\n',
    })
    const w = await loadWalkthrough(walkthroughs, `${dir}/`, env)
    expect(w.id).toBe('hello')
    expect(w.title).toBe('Hello from prose')
    expect(originOf(w)).toEqual({ kind: 'folder', path: `${dir}/` })
    expect(walkthroughRef(w)).toBe(`${dir}/`)
    // The author's ParseError is the engine's class: the runner's `instanceof` sees it.
    const step = w.steps[0]!
    expect(() => step.parse({ stdout: '', stderr: '', exitCode: 0 }, {} as never)).toThrow(ParseError)
    expect(api.ParseError).toBe(ParseError)
  })
  it('serves an unchanged folder from the cache, and rebuilds when a helper file changes', async () => {
    const { dir, env } = await authorFolder({ 'index.ts': INDEX, 'lib/words.ts': "export const greeting: string = 'hi'\n", 'prose.md': 'P\n' })
    await loadWalkthrough(walkthroughs, dir + '/', env)
    const cacheDir = join(env.XDG_CACHE_HOME, 'kubewalk', 'walkthroughs')
    const [entry] = await readdir(cacheDir)
    const manifest = await readFile(join(cacheDir, entry!, 'manifest.json'), 'utf8')
    expect(
      Object.keys(JSON.parse(manifest).inputs as object)
        .map((f) => f.slice(dir.length))
        .sort(),
    ).toEqual(['/index.ts', '/lib/words.ts'])
    await loadWalkthrough(walkthroughs, dir + '/', env)
    expect(await readFile(join(cacheDir, entry!, 'manifest.json'), 'utf8')).toBe(manifest)
    await writeFile(join(dir, 'lib/words.ts'), "export const greeting: string = 'bonjour'\n")
    const changed = await loadWalkthrough(walkthroughs, dir + '/', env)
    expect(changed.steps[0]?.command).toBe('echo bonjour')
    expect((await readdir(join(cacheDir, entry!))).filter((f) => f.endsWith('.mjs'))).toHaveLength(2)
  })
  it("links a folder that reads only authoring names to the light surface, one that reads the lab's to the whole API; only what it reads is recorded", async () => {
    const authoring = await import('../../../src/authoring.js')
    const slot = Symbol.for('kubewalk.api')
    const light = await authorFolder({ 'index.ts': INDEX, 'lib/words.ts': "export const greeting: string = 'hi'\n", 'prose.md': 'P\n' })
    await loadWalkthrough(walkthroughs, `${light.dir}/`, light.env)
    expect((globalThis as Record<symbol, unknown>)[slot]).toBe(authoring)
    const [entry] = await readdir(join(light.env.XDG_CACHE_HOME, 'kubewalk', 'walkthroughs'))
    const manifest = JSON.parse(await readFile(join(light.env.XDG_CACHE_HOME, 'kubewalk', 'walkthroughs', entry!, 'manifest.json'), 'utf8')) as {
      uses: Record<string, string[]>
    }
    expect(manifest.uses).toEqual({ kubewalk: ['ParseError', 'defineStep', 'defineWalkthrough'] })
    const heavy = await authorFolder({
      'index.ts': INDEX.replace(
        "import { readFileSync } from 'node:fs'",
        "import { readFileSync } from 'node:fs'\nimport { DEFAULT_LAB_VERSION } from 'kubewalk'\nexport const lab = DEFAULT_LAB_VERSION",
      ),
      'lib/words.ts': "export const greeting: string = 'hi'\n",
      'prose.md': 'P\n',
    })
    await loadWalkthrough(walkthroughs, `${heavy.dir}/`, heavy.env)
    expect((globalThis as Record<symbol, unknown>)[slot]).toBe(api)
  })
  it('takes the only exported walkthrough when there is no default export', async () => {
    const { dir, env } = await authorFolder({
      'index.ts':
        "import { defineWalkthrough } from 'kubewalk'\nexport const mine = defineWalkthrough({ id: 'mine', title: 't', vars: [], steps: [{ id: 'a', number: '01', title: 'a', command: 'true', reads: [], parse: () => 0, check: () => [] }] })\n",
    })
    expect((await loadWalkthrough(walkthroughs, `${dir}/`, env)).id).toBe('mine')
  })
  it.each([
    ['a missing path', {}, 'missing', /--walkthrough .*missing: no such file or folder\.$/],
    ['a folder with no index', { 'README.md': 'x' }, '', /the folder has no index\.ts or index\.js exporting a walkthrough\.$/],
    ['a module that exports no walkthrough', { 'index.ts': 'export const x = 1\n' }, '', /index\.ts exports no walkthrough/],
    [
      'two walkthroughs and no default',
      { 'index.ts': "const w = { id: 'a', title: 'a', vars: [], steps: [] }\nexport const one = w\nexport const two = { ...w }\n" },
      '',
      /exports 2 walkthroughs \(one, two\); make one the default export\.$/,
    ],
    [
      'a TypeScript syntax error, at its line',
      { 'index.ts': "import { defineWalkthrough } from 'kubewalk'\nexport default defineWalkthrough({ id: 'x',\n  title: ,\n})\n" },
      '',
      /index\.ts:3:10: Unexpected ","$/,
    ],
    [
      'a walkthrough that breaks the contract',
      {
        'index.ts':
          "export default { id: 'Bad Id', title: 't', vars: [], steps: [{ id: 'a', number: '01', title: 'a', command: 'true', reads: [], parse: () => 0, check: () => [] }] }\n",
      },
      '',
      /walkthrough Bad Id: id "Bad Id" is not lower-case words joined by '-'\./,
    ],
  ])('refuses %s in one line', async (_what, files, sub, message) => {
    const { dir, env } = await authorFolder(files as Record<string, string>)
    const err = await loadWalkthrough(walkthroughs, join(dir, sub) + '/', env).then(
      () => undefined,
      (e: Error) => e,
    )
    expect(err?.message).toMatch(message)
    expect(err?.message).not.toContain('\n')
    expect(['UsageError', 'WalkthroughError']).toContain(err?.name)
  })
})
