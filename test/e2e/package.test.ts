// The package as a dependency and as a global install, from `npm pack`'s tarball in folders outside the
// repository: installing it runs nothing and prints no warning (npm 11.19.1 here warns at install for
// a dependency's prepare or postinstall that allowScripts does not cover); test/fixtures/tiny imports
// `kubewalk` by name and typechecks against its declarations (with @types/node, as they use node's types); the exports resolve in plain node; the
// global kubewalk scaffolds a walkthrough that passes `kubewalk test`, and the scaffold's own vitest
// test passes once it is installed. npm reads its cache first (--prefer-offline): only what is not
// cached comes from the registry.
import { execa } from 'execa'
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> }
const NPM = ['--prefer-offline', '--no-audit', '--no-fund']

let dir: string
let tarball: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubewalk-package-'))
  // dist/ is built already (npm test's pretest); prepack would build it again.
  const packed = await execa('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT })
  tarball = join(dir, packed.stdout.trim().split('\n').at(-1)!)
}, 120_000)
afterAll(async () => rm(dir, { recursive: true, force: true }))

/** npm's own lines that are not plain progress: warnings, errors, notices about scripts. */
const complaints = (text: string): string[] => text.split('\n').filter((l) => /\b(warn|WARN|ERR!|error)\b|install-scripts|allowScripts/.test(l))

describe('the packed package', () => {
  it('has its build, declarations and the vendored esbuild, and no install-time script', async () => {
    const list = await execa('tar', ['-tzf', tarball])
    const files = list.stdout.split('\n')
    for (const f of [
      'package/dist/bundle/cli.cjs',
      'package/dist/bundle/code-cache.js',
      'package/dist/bundle/import-module.cjs',
      'package/dist/src/index.d.ts',
      'package/dist/src/testing/index.d.ts',
      'package/dist/src/core/parse/index.d.ts',
      'package/dist/vendor/esbuild/lib/main.js',
    ])
      expect(files).toContain(f)
    const packed = JSON.parse((await execa('tar', ['-xzOf', tarball, 'package/package.json'])).stdout) as {
      scripts: Record<string, string>
      dependencies: Record<string, string>
    }
    expect(Object.keys(packed.scripts).filter((s) => ['preinstall', 'install', 'postinstall', 'prepare'].includes(s))).toEqual([])
    expect(packed.dependencies.esbuild).toBeUndefined()
  })

  it('installs as a dependency with no warning; tiny imports kubewalk by name, runs its checks and typechecks', async () => {
    const project = join(dir, 'project')
    await mkdir(join(project, 'tiny'), { recursive: true })
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'uses-kubewalk', version: '1.0.0', private: true, type: 'module' }))
    const install = await execa(
      'npm',
      [
        'install',
        ...NPM,
        tarball,
        `vitest@${pkg.devDependencies.vitest}`,
        `typescript@${pkg.devDependencies.typescript}`,
        `@types/node@${pkg.devDependencies['@types/node']}`,
      ],
      { cwd: project, all: true },
    )
    expect(complaints(install.all ?? '')).toEqual([])
    await copyFile(join(ROOT, 'test/fixtures/tiny/index.ts'), join(project, 'tiny/index.ts'))
    await writeFile(
      join(project, 'tiny.test.ts'),
      `import { expect, it } from 'vitest'
import { walkthroughProblems, parseKubectlTable } from 'kubewalk'
import { testWalkthrough } from 'kubewalk/testing'
import { tiny } from './tiny/index.ts'
it('tiny, against the installed kubewalk', () => {
  expect(walkthroughProblems(tiny)).toEqual([])
  expect(testWalkthrough(tiny).shortfalls.map((s) => [s.step, s.check])).toEqual([['tidy', 'it says removed']])
  expect(parseKubectlTable('x', 'NAME   AGE\\na      1s\\n')).toEqual([{ NAME: 'a', AGE: '1s' }])
})
`,
    )
    const test = await execa('npx', ['vitest', 'run'], { cwd: project, reject: false, all: true, env: { CI: '1' } })
    expect(test.exitCode, test.all).toBe(0)
    expect(test.all).toContain('1 passed')
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
        },
        include: ['tiny'],
      }),
    )
    const tsc = await execa('npx', ['tsc', '-p', '.'], { cwd: project, reject: false, all: true })
    expect(tsc.exitCode, tsc.all).toBe(0)
    const node = await execa(
      'node',
      [
        '--input-type=module',
        '-e',
        "const [a, t, p] = await Promise.all([import('kubewalk'), import('kubewalk/testing'), import('kubewalk/parse')]); console.log(typeof a.defineWalkthrough, typeof t.testWalkthrough, typeof p.decodeToken)",
      ],
      { cwd: project },
    )
    expect(node.stdout).toBe('function function function')
  })

  it('installs globally with no warning; its kubewalk scaffolds a walkthrough that passes test, and the scaffold passes its own vitest test', async () => {
    const prefix = join(dir, 'global')
    const install = await execa('npm', ['install', '-g', '--prefix', prefix, ...NPM, tarball], { all: true })
    expect(complaints(install.all ?? '')).toEqual([])
    const bin = join(prefix, 'bin', 'kubewalk')
    const work = join(dir, 'work')
    await mkdir(work)
    const env = { XDG_CACHE_HOME: join(dir, '.cache'), NO_COLOR: '1' }
    expect((await execa(bin, ['new', 'from-global', '--typed'], { cwd: work, env })).exitCode).toBe(0)
    const folder = join(work, 'from-global')
    const offline = await execa(bin, ['test', '--walkthrough', './from-global'], { cwd: work, env, reject: false })
    expect(offline.exitCode, offline.stdout + offline.stderr).toBe(0)
    const deps = await execa('npm', ['install', ...NPM, tarball], { cwd: folder, all: true })
    expect(complaints(deps.all ?? '')).toEqual([])
    expect(await readdir(join(folder, 'node_modules', 'kubewalk'))).toContain('dist')
    const own = await execa('npm', ['test'], { cwd: folder, reject: false, all: true, env: { CI: '1' } })
    expect(own.exitCode, own.all).toBe(0)
    const types = await execa('npm', ['run', 'typecheck'], { cwd: folder, reject: false, all: true })
    expect(types.exitCode, types.all).toBe(0)
  })
})
