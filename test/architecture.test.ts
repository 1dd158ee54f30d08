// Data flows one way (CLI → runner → steps → shell), nothing imports in a circle, and the engine
// (src/) knows no walkthrough: it imports none, and names none of their step ids, variables or objects.
import { readFileSync } from 'node:fs'
import madge from 'madge'
import { describe, expect, it } from 'vitest'
import { fileURLToPath } from 'node:url'
import { walkthroughs } from '../walkthroughs/index.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const graph = await madge(['src', 'steps', 'walkthroughs'], {
  baseDir: root,
  fileExtensions: ['ts'],
  tsConfig: `${root}tsconfig.json`,
  detectiveOptions: { ts: { skipTypeImports: true } },
})
const deps = graph.obj()
const engine = Object.keys(deps).filter((f) => f.startsWith('src/'))

describe('module graph', () => {
  it('is the real graph (so the checks below can fail)', () => {
    expect(engine.length).toBeGreaterThan(40)
    expect(deps['src/faces/replay/index.ts']).toContain('src/engine/runner.ts')
    expect(deps['steps/05-call-api.ts']).toContain('src/core/step.ts')
    // The registry is what imports the walkthroughs (each loaded when chosen).
    expect(deps['walkthroughs/index.ts']).toEqual(['steps/index.ts', 'walkthroughs/pod-token/index.ts', 'walkthroughs/rbac-pods/index.ts'])
  })
  it('the registry is the only module that imports a walkthrough', () => {
    const importers = Object.entries(deps)
      .filter(([, imports]) =>
        imports.some((i) => i === 'steps/index.ts' || i === 'walkthroughs/rbac-pods/index.ts' || i === 'walkthroughs/pod-token/index.ts'),
      )
      .map(([f]) => f)
    expect(importers).toEqual(['walkthroughs/index.ts'])
  })
  it('has no import cycles', () => {
    expect(graph.circular()).toEqual([])
  })
  it.each([
    ['src/', /^(steps|walkthroughs)\//],
    ['steps/', /^(src\/(engine\/|faces\/(?!standalone)|platform\/lab\/)|walkthroughs\/)/],
    ['walkthroughs/rbac-pods/', /^(src\/(engine\/|faces\/(?!standalone)|platform\/lab\/)|steps\/)/],
    ['walkthroughs/pod-token/', /^(src\/(engine\/|faces\/(?!standalone)|platform\/lab\/)|steps\/|walkthroughs\/rbac-pods\/)/],
    // The layers: core imports nothing of ours; platform only core; engine platform and core; sources core, platform,
    // engine and the public surface a loaded folder links to; faces anything below them.
    ['src/core/', /^src\/(?!core\/)/],
    ['src/core/parse/', /^src\/(?!core\/(parse\/|errors))/],
    ['src/platform/', /^src\/(?!platform\/|core\/)/],
    ['src/engine/', /^src\/(?!engine\/|platform\/|core\/)/],
    ['src/sources/', /^src\/(faces)\//],
    ['src/faces/report/', /^src\/faces\/(?!report\/)/],
    // The replay is what the commands drive: it sits below them.
    ['src/faces/replay/', /^src\/faces\/commands\//],
  ])('%s imports nothing above it', (prefix, forbidden) => {
    const bad = Object.entries(deps)
      .filter(([file]) => file.startsWith(prefix))
      .flatMap(([file, imports]) => imports.filter((i) => forbidden.test(i)).map((i) => `${file} → ${i}`))
    expect(bad).toEqual([])
  })
  it('src/faces/replay/ imports nothing from src/faces/commands/, not even a type (the graph above skips type imports)', () => {
    const replay = engine.filter((f) => f.startsWith('src/faces/replay/'))
    expect(replay).toContain('src/faces/replay/target.ts')
    const bad = replay.filter((f) => /from '\.\.\/commands\//.test(readFileSync(`${root}${f}`, 'utf8')))
    expect(bad).toEqual([])
  })
  it('every file of src/ sits in a layer folder, except the public entry points', () => {
    const loose = engine.filter((f) => !/^src\/(core|engine|sources|faces|platform|testing)\//.test(f))
    expect(loose.sort()).toEqual(['src/api.ts', 'src/authoring.ts', 'src/index.ts'])
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
  const own: Record<string, string[]> = {
    'src/faces/commands/token.ts': ['TOKEN'],
    'src/faces/commands/flags.ts': ['TOKEN'],
    'src/faces/commands/table.ts': ['TOKEN'],
    'src/platform/token.ts': ['TOKEN'],
  }
  // What a walkthrough declares it needs is its knowledge too: the tools its lines call, the oldest
  // server, the objects it expects. The engine's code (comments and imports aside) names none of them;
  // the lab builds Go (versions of its own) and src/core/parse/ holds the generic parsers, named for what they read.
  const needs = new Set<string>()
  for (const w of loaded)
    for (const n of [...(w.requires?.tools ?? []), ...(w.requires?.objects ?? []), ...(w.requires?.kubernetes ? [w.requires.kubernetes] : [])])
      needs.add(n)
  it('the walkthroughs declare requirements, so the scan below has words to look for', () => {
    expect([...needs]).toEqual(expect.arrayContaining(['curl', '1.24', 'serviceaccount/default']))
  })
  const code = (text: string): string =>
    text
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
      .replace(/^import .*$/gm, '')
  // import and the docs dialect recognise commands by the names of common command-line tools, none of them a walkthrough's.
  const heuristics = new Set(['src/sources/markdown/import.ts', 'src/sources/docs/lines.ts'])
  it.each(engine.filter((f) => !f.startsWith('src/platform/lab/') && !f.startsWith('src/core/parse/') && !heuristics.has(f)).map((f) => [f]))(
    '%s names no requirement of a walkthrough',
    (file) => {
      const text = code(readFileSync(`${root}${file}`, 'utf8'))
      const found = [...needs].filter((w) => new RegExp(`(^|[^\\w./-])${w.replace(/[./-]/g, '\\$&')}([^\\w-]|$)`).test(text))
      expect(found).toEqual([])
    },
  )
  it.each(engine.map((f) => [f]))('%s', (file) => {
    const text = readFileSync(`${root}${file}`, 'utf8')
    const found = [...words]
      .filter((w) => !(own[file] ?? []).includes(w))
      .filter((w) => new RegExp(`(^|[^\\w-])${w.replace(/[-]/g, '\\-')}([^\\w-]|$)`).test(text))
    expect(found).toEqual([])
  })
})

describe('start-up', () => {
  /** The modules `from` loads before any of its code runs: static imports only (`import type` and `import()` load nothing then). */
  function loadedAtStart(from: string): Set<string> {
    const seen = new Set([from])
    const queue = [from]
    while (queue.length > 0) {
      const file = queue.shift() as string
      const source = readFileSync(`${root}${file}`, 'utf8')
      for (const m of source.matchAll(/^(?:import|export)\s+(?!type\b)(?:[^;'"]*?\sfrom\s+)?'([^']+)'/gm)) {
        const spec = m[1] as string
        const target = spec.startsWith('.') ? new URL(spec.replace(/\.js$/, '.ts'), `file://${root}${file}`).pathname.slice(root.length) : spec
        if (seen.has(target)) continue
        seen.add(target)
        if (spec.startsWith('.') && target.endsWith('.ts')) queue.push(target)
      }
    }
    return seen
  }
  it('the CLI loads no engine, lab, YAML parser or execa before a command needs them (--help, list stay quick)', () => {
    const loaded = loadedAtStart('walkthroughs/cli.ts')
    expect(loaded.has('src/faces/commands/table.ts')).toBe(true)
    for (const heavy of ['src/engine/runner.ts', 'src/platform/lab/certs.ts', 'src/faces/replay/index.ts', 'yaml', 'execa', 'zx'])
      expect([...loaded].filter((f) => f === heavy)).toEqual([])
  })
  it('recognising a lab does not load what makes one', () => {
    const loaded = loadedAtStart('src/platform/lab/recognise.ts')
    expect(loaded.has('execa')).toBe(false)
    expect(loaded.has('src/platform/lab/certs.ts')).toBe(false)
  })
})
