// package.json keeps a user's install script-free and esbuild's JS API matched to its binary.
import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  scripts: Record<string, string>
  dependencies: Record<string, string>
  optionalDependencies: Record<string, string>
  devDependencies: Record<string, string>
  exports: Record<string, unknown>
}

it("runs no script at a dependent's install (no preinstall, install, postinstall or prepare); a checkout builds on preprepare, a tarball on prepack", () => {
  expect(Object.keys(pkg.scripts).filter((s) => ['preinstall', 'install', 'postinstall', 'prepare'].includes(s))).toEqual([])
  expect(pkg.scripts.preprepare).toBe('npm run -s build')
  expect(pkg.scripts.prepack).toBe('npm run -s build')
  expect(pkg.scripts.build).toMatch(/node scripts\/vendor-esbuild\.mjs$/)
})

it("depends on esbuild's platform binaries, each at exactly the version of the esbuild whose JS API the build copies", () => {
  expect(pkg.dependencies.esbuild).toBeUndefined()
  const esbuild = JSON.parse(readFileSync(new URL('../node_modules/esbuild/package.json', import.meta.url), 'utf8')) as {
    version: string
    optionalDependencies: Record<string, string>
  }
  expect(pkg.devDependencies.esbuild).toBe(esbuild.version)
  expect(pkg.optionalDependencies).toEqual(esbuild.optionalDependencies)
  expect(new Set(Object.values(pkg.optionalDependencies))).toEqual(new Set([esbuild.version]))
})

it('exports kubewalk, kubewalk/testing, kubewalk/parse and kubewalk/walkthroughs, each with its declarations', () => {
  expect(Object.keys(pkg.exports)).toEqual(['.', './testing', './parse', './walkthroughs', './package.json'])
  for (const [k, v] of Object.entries(pkg.exports))
    if (k !== './package.json') expect(v).toEqual({ types: expect.stringMatching(/\.d\.ts$/), default: expect.stringMatching(/\.js$/) })
})
