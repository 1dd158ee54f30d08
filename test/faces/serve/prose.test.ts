import { chmod, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Walkthrough } from '../../../src/core/walkthrough.js'
import type { WalkthroughSection } from '../../../src/sources/prose.js'
import { notebookPage } from '../../../src/faces/serve/page.js'
import { proseCacheDir, proseHtml } from '../../../src/faces/serve/prose.js'
import type { WireState } from '../../../src/faces/serve/notebook.js'

const section = (id: string, explanation: string): WalkthroughSection => ({ number: '01', title: id, id, explanation, command: 'true' })
const walkthrough = (sections: WalkthroughSection[]): Walkthrough =>
  ({ id: 'w', title: 'W', vars: [], steps: [], prose: () => sections }) as unknown as Walkthrough

let dir: string
let env: Record<string, string>
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubewalk-prose-'))
  env = { XDG_CACHE_HOME: join(dir, 'cache') }
})
afterEach(() => rm(dir, { recursive: true, force: true }))

describe('proseHtml', () => {
  it("renders each step's prose, its links opening in a new tab", async () => {
    const html = await proseHtml(walkthrough([section('a', 'See [the docs](https://kubernetes.io/docs/).'), section('b', '**bold**')]), env)
    expect(html.get('a')).toContain('<a target="_blank" rel="noopener noreferrer" href="https://kubernetes.io/docs/">the docs</a>')
    expect(html.get('b')).toContain('<strong>bold</strong>')
  })

  it('reads the same prose back from the cache on the next start', async () => {
    const w = walkthrough([section('a', 'first')])
    await proseHtml(w, env)
    const [file] = await readdir(proseCacheDir(env))
    // What the next start shows comes from the file: marked would never render this.
    await writeFile(join(proseCacheDir(env), file as string), JSON.stringify({ a: '<p>from the cache</p>' }))
    expect((await proseHtml(w, env)).get('a')).toBe('<p>from the cache</p>')
  })

  it('never reads a cached page that others may write', async () => {
    const w = walkthrough([section('a', 'first')])
    await proseHtml(w, env)
    const [file] = await readdir(proseCacheDir(env))
    const path = join(proseCacheDir(env), file as string)
    await writeFile(path, JSON.stringify({ a: '<p>from the cache</p>' }))
    await chmod(path, 0o666)
    expect((await proseHtml(w, env)).get('a')).toBe('<p>first</p>\n')
    await writeFile(path, JSON.stringify({ a: '<p>from the cache</p>' }))
    await chmod(path, 0o600)
    await chmod(proseCacheDir(env), 0o777)
    expect((await proseHtml(w, env)).get('a')).toBe('<p>first</p>\n')
  })

  it('renders prose that changed, whatever the cache holds', async () => {
    await proseHtml(walkthrough([section('a', 'first')]), env)
    expect((await proseHtml(walkthrough([section('a', 'second')]), env)).get('a')).toBe('<p>second</p>\n')
    expect(await readdir(proseCacheDir(env))).toHaveLength(2)
  })

  it('renders again when a cached file is damaged or lacks a step', async () => {
    const w = walkthrough([section('a', 'one'), section('b', 'two')])
    await proseHtml(w, env)
    const [file] = await readdir(proseCacheDir(env))
    const path = join(proseCacheDir(env), file as string)
    await writeFile(path, '{"a": "<p>half</p>"')
    expect((await proseHtml(w, env)).get('b')).toBe('<p>two</p>\n')
    await writeFile(path, JSON.stringify({ a: '<p>only a</p>' }))
    expect((await proseHtml(w, env)).get('b')).toBe('<p>two</p>\n')
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ a: '<p>one</p>\n', b: '<p>two</p>\n' })
  })

  it('still renders when the cache cannot be written', async () => {
    await writeFile(join(dir, 'cache'), 'a file where the folder would go')
    expect((await proseHtml(walkthrough([section('a', 'text')]), env)).get('a')).toBe('<p>text</p>\n')
  })

  it('keeps the 50 newest rendered walkthroughs', async () => {
    const order: string[] = []
    for (let i = 0; i < 51; i++) {
      const before = new Set(await readdir(proseCacheDir(env)).catch(() => []))
      await proseHtml(walkthrough([section('a', `edit ${i}`)]), env)
      const added = (await readdir(proseCacheDir(env))).find((n) => !before.has(n))
      if (added === undefined) continue
      order.push(added)
      // Each older than the next, whatever the file system's clock resolution.
      await utimes(join(proseCacheDir(env), added), new Date(1_000_000 + 1000 * i), new Date(1_000_000 + 1000 * i))
    }
    const kept = await readdir(proseCacheDir(env))
    expect(order).toHaveLength(51)
    expect(kept).toHaveLength(50)
    expect(kept).not.toContain(order[0])
    expect(kept).toContain(order[50])
  })
})

describe('notebookPage with rendered prose', () => {
  const state = {
    cells: [{ id: 'a', number: '01', title: 'A', command: 'true', status: 'idle', runs: 0 }],
    cluster: {},
    editable: false,
  } as unknown as WireState

  it('shows the rendered prose it is given', () => {
    const page = notebookPage(walkthrough([section('a', 'markdown')]), state, new Map([['a', '<p>given</p>']]))
    expect(page).toContain('<div class="prose"><p>given</p></div>')
  })

  it("renders a step's prose itself when none is given", () => {
    expect(notebookPage(walkthrough([section('a', 'See [x](https://example.org/)')]), state)).toContain(
      '<a target="_blank" rel="noopener noreferrer" href="https://example.org/">x</a>',
    )
  })
})
