// Data flows one way (CLI → runner → steps → shell) and nothing imports in a circle.
import madge from 'madge'
import { describe, expect, it } from 'vitest'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const graph = await madge(['src', 'steps'], { baseDir: root, fileExtensions: ['ts'], tsConfig: `${root}tsconfig.json`, detectiveOptions: { ts: { skipTypeImports: true } } })
const deps = graph.obj()

describe('module graph', () => {
  it('is the real graph (so the checks below can fail)', () => {
    expect(Object.keys(deps).length).toBeGreaterThan(40)
    expect(deps['src/cli.ts']).toContain('src/runner.ts')
    expect(deps['steps/05-call-api.ts']).toContain('src/step.ts')
  })
  it('has no import cycles', () => {
    expect(graph.circular()).toEqual([])
  })
  it.each([
    ['steps/', /^src\/(cli|runner|report\/|lab\/|commands\/)/],
    ['src/parse/', /^(src\/(?!parse\/|errors)|steps\/)/],
    ['src/report/', /^(src\/(cli|runner|lab\/|commands\/)|steps\/)/],
    ['src/runner.ts', /^(src\/(cli|report\/|lab\/|commands\/)|steps\/)/],
  ])('%s imports nothing above it', (prefix, forbidden) => {
    const bad = Object.entries(deps)
      .filter(([file]) => file.startsWith(prefix))
      .flatMap(([file, imports]) => imports.filter((i) => forbidden.test(i)).map((i) => `${file} → ${i}`))
    expect(bad).toEqual([])
  })
})
