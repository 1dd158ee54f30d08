// Data flows one way (CLI → runner → steps → shell), nothing imports in a circle, and the engine
// (src/) knows no walkthrough: it imports none, and names none of their step ids, variables or objects.
import { readFileSync } from 'node:fs'
import madge from 'madge'
import { describe, expect, it } from 'vitest'
import { fileURLToPath } from 'node:url'
import { walkthroughs } from '../walkthroughs/index.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const graph = await madge(['src', 'steps', 'walkthroughs'], { baseDir: root, fileExtensions: ['ts'], tsConfig: `${root}tsconfig.json`, detectiveOptions: { ts: { skipTypeImports: true } } })
const deps = graph.obj()
const engine = Object.keys(deps).filter((f) => f.startsWith('src/'))

describe('module graph', () => {
  it('is the real graph (so the checks below can fail)', () => {
    expect(engine.length).toBeGreaterThan(40)
    expect(deps['src/commands/run.ts']).toContain('src/runner.ts')
    expect(deps['steps/05-call-api.ts']).toContain('src/step.ts')
    // The registry is what imports the walkthroughs (each loaded when chosen).
    expect(deps['walkthroughs/index.ts']).toEqual(['steps/index.ts', 'walkthroughs/pod-token/index.ts', 'walkthroughs/rbac-pods/index.ts'])
  })
  it('the registry is the only module that imports a walkthrough', () => {
    const importers = Object.entries(deps).filter(([, imports]) => imports.some((i) => i === 'steps/index.ts' || i === 'walkthroughs/rbac-pods/index.ts' || i === 'walkthroughs/pod-token/index.ts')).map(([f]) => f)
    expect(importers).toEqual(['walkthroughs/index.ts'])
  })
  it('has no import cycles', () => {
    expect(graph.circular()).toEqual([])
  })
  it.each([
    ['src/', /^(steps|walkthroughs)\//],
    ['steps/', /^(src\/(cli|runner|report\/|lab\/|commands\/)|walkthroughs\/)/],
    ['walkthroughs/rbac-pods/', /^(src\/(cli|runner|report\/|lab\/|commands\/)|steps\/)/],
    ['walkthroughs/pod-token/', /^(src\/(cli|runner|report\/|lab\/|commands\/)|steps\/|walkthroughs\/rbac-pods\/)/],
    ['src/parse/', /^(src\/(?!parse\/|errors)|steps\/)/],
    ['src/report/', /^src\/(cli|runner|lab\/|commands\/)/],
    ['src/runner.ts', /^src\/(cli|report\/|lab\/|commands\/)/],
    ['src/lab/', /^src\/(cli|runner|report\/|commands\/)/],
  ])('%s imports nothing above it', (prefix, forbidden) => {
    const bad = Object.entries(deps)
      .filter(([file]) => file.startsWith(prefix))
      .flatMap(([file, imports]) => imports.filter((i) => forbidden.test(i)).map((i) => `${file} → ${i}`))
    expect(bad).toEqual([])
  })
})

describe('the engine knows no walkthrough', async () => {
  const loaded = await Promise.all(walkthroughs.map((e) => e.load()))
  // What only a walkthrough may know: its step ids, its variable names, the objects it creates.
  const words = new Set<string>()
  for (const w of loaded) {
    for (const s of w.steps) words.add(s.id)
    for (const v of w.vars) words.add(v.name)
  }
  for (const name of ['default-token', 'pod-reader', 'token-duration', 'token-lifetime']) words.add(name)
  // `kubewalk token` is kubewalk's own tool, and reads $TOKEN by its own convention, not the article's.
  const own: Record<string, string[]> = { 'src/commands/token.ts': ['TOKEN'], 'src/commands/help.ts': ['TOKEN'], 'src/token.ts': ['TOKEN'] }
  // What a walkthrough declares it needs is its knowledge too: the tools its lines call, the oldest
  // server, the objects it expects. The engine's code (comments and imports aside) names none of them;
  // the lab builds Go (versions of its own) and src/parse/ holds the generic parsers, named for what they read.
  const needs = new Set<string>()
  for (const w of loaded) for (const n of [...(w.requires?.tools ?? []), ...(w.requires?.objects ?? []), ...(w.requires?.kubernetes ? [w.requires.kubernetes] : [])]) needs.add(n)
  it('the walkthroughs declare requirements, so the scan below has words to look for', () => {
    expect([...needs]).toEqual(expect.arrayContaining(['curl', '1.24', 'serviceaccount/default']))
  })
  const code = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1').replace(/^import .*$/gm, '')
  // import and the docs dialect recognise commands by the names of common command-line tools, none of them a walkthrough's.
  const heuristics = new Set(['src/markdown/import.ts', 'src/sources/docs/lines.ts'])
  it.each(engine.filter((f) => !f.startsWith('src/lab/') && !f.startsWith('src/parse/') && !heuristics.has(f)).map((f) => [f]))('%s names no requirement of a walkthrough', (file) => {
    const text = code(readFileSync(`${root}${file}`, 'utf8'))
    const found = [...needs].filter((w) => new RegExp(`(^|[^\\w./-])${w.replace(/[.\/-]/g, '\\$&')}([^\\w-]|$)`).test(text))
    expect(found).toEqual([])
  })
  it.each(engine.map((f) => [f]))('%s', (file) => {
    const text = readFileSync(`${root}${file}`, 'utf8')
    const found = [...words].filter((w) => !(own[file] ?? []).includes(w)).filter((w) => new RegExp(`(^|[^\\w-])${w.replace(/[-]/g, '\\-')}([^\\w-]|$)`).test(text))
    expect(found).toEqual([])
  })
})
