// The CI guards: the e2e global setup fails loudly without a lab under CI, .ci/summary.mjs fails a run whose
// end-to-end files skipped anything, every test process runs the labs' own kubectl, and .ci/run builds and tests the node.
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'
import { which } from '../src/platform/shell.js'
import type { TestProject } from 'vitest/node'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'

vi.mock('../src/platform/lab/index.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../src/platform/lab/index.js')>()),
  findLabBinaries: async () => undefined,
}))
const { default: setup, isCI } = await import('./e2e/global-setup.js')

describe('e2e global setup without lab binaries', () => {
  const provided = new Map<string, unknown>()
  const project = { provide: (key: string, value: unknown) => void provided.set(key, value) } as unknown as TestProject
  const saved = process.env.CI
  afterAll(() => {
    if (saved === undefined) delete process.env.CI
    else process.env.CI = saved
  })

  it.each(['true', '1', 'yes', 'TRUE', 'woodpecker'])('fails loudly under CI=%s', async (ci) => {
    process.env.CI = ci
    expect(isCI()).toBe(true)
    await expect(setup(project)).rejects.toThrow(`CI=${ci} and no lab binaries`)
  })

  it.each([undefined, '', 'false', '0', 'FALSE'])('skips with a reason when CI=%s', async (ci) => {
    if (ci === undefined) delete process.env.CI
    else process.env.CI = ci
    provided.clear()
    expect(isCI()).toBe(false)
    const teardown = await setup(project)
    expect(provided.get('labKubeconfig')).toBe('')
    expect(provided.get('labSkipReason')).toMatch(/^no lab binaries/)
    // The workers' kubectl is a stand-in that fails with the reason, never the machine's.
    const kubectl = join(provided.get('labKubectlDir') as string, 'kubectl')
    const r = await execa(kubectl, ['version', '--client'], { reject: false })
    expect([r.exitCode, r.stderr]).toEqual([1, `kubewalk tests: ${provided.get('labSkipReason') as string}`])
    await teardown()
    expect(existsSync(kubectl)).toBe(false)
  })
})

describe('.ci/summary.mjs', () => {
  const script = fileURLToPath(new URL('../.ci/summary.mjs', import.meta.url))
  let dir: string
  beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'kubewalk-summary-'))))
  afterAll(async () => rm(dir, { recursive: true, force: true }))

  type Status = 'passed' | 'failed' | 'pending' | 'skipped' | 'todo'
  async function summary(files: Record<string, Status[]>, env: Record<string, string | undefined> = { CI: 'true' }) {
    const all = Object.values(files).flat()
    const count = (...s: Status[]): number => all.filter((a) => s.includes(a)).length
    const results = {
      success: count('failed') === 0,
      numPassedTests: count('passed'),
      numFailedTests: count('failed'),
      numPendingTests: count('pending', 'skipped'),
      numTodoTests: count('todo'),
      testResults: Object.entries(files).map(([name, statuses]) => ({
        name: `/repo/${name}`,
        assertionResults: statuses.map((status, i) => ({ status, fullName: `${name} test ${i}` })),
      })),
    }
    const file = join(dir, 'results.json')
    await writeFile(file, JSON.stringify(results))
    const { CI: _, ...rest } = process.env
    const r = await execa('node', [script, file], { reject: false, env: { ...rest, ...env }, extendEnv: false })
    return { code: r.exitCode, lines: r.stdout.split('\n') }
  }

  it('passes a run where every e2e file ran and nothing was skipped', async () => {
    const r = await summary({
      'test/e2e/replay.test.ts': ['passed', 'passed'],
      'test/platform/lab/lab.test.ts': ['passed'],
      'test/args.test.ts': ['passed'],
    })
    expect(r).toEqual({ code: 0, lines: ['4 passed, 0 failed, 0 skipped'] })
  })

  it.each([
    ['skipped', 'skipped'],
    ['pending', 'skipped'],
    ['todo', 'todo'],
  ] as const)('under CI fails a run with a %s test in an e2e file, naming it, and still prints the closing line', async (status, word) => {
    const r = await summary({ 'test/e2e/replay.test.ts': ['passed', status], 'test/platform/lab/lab.test.ts': ['passed'] })
    expect(r.code).toBe(1)
    expect(r.lines).toContain(`${word} in an end-to-end file under CI: test/e2e/replay.test.ts test 1`)
    expect(r.lines.at(-1)).toBe('2 passed, 0 failed, 1 skipped')
  })

  it('lets a skipped unit test pass, and an e2e skip outside CI, still listing them', async () => {
    const unit = await summary({ 'test/e2e/replay.test.ts': ['passed'], 'test/args.test.ts': ['passed', 'skipped'] })
    expect(unit).toEqual({ code: 0, lines: ['skipped: test/args.test.ts test 1', '2 passed, 0 failed, 1 skipped'] })
    const local = await summary({ 'test/e2e/replay.test.ts': ['passed', 'skipped'] }, { CI: '0' })
    expect(local).toEqual({ code: 0, lines: ['skipped: test/e2e/replay.test.ts test 1', '1 passed, 0 failed, 1 skipped'] })
  })

  it('fails an e2e file that ran nothing, and a run with no e2e files', async () => {
    expect((await summary({ 'test/e2e/replay.test.ts': ['passed'], 'test/platform/lab/lab.test.ts': ['skipped'] })).code).toBe(1)
    const none = await summary({ 'test/args.test.ts': ['passed'] })
    expect(none.code).toBe(1)
    expect(none.lines.at(-1)).toBe('1 passed, 0 failed, 0 skipped')
  })
})

describe("the tests and .ci/run run the labs' own kubectl", () => {
  it("puts a stand-in that fails first on every unit worker's PATH: unit tests run no kubectl", async () => {
    const first = await which('kubectl')
    expect(first).toBeDefined()
    const r = await execa(first!, ['version', '--client'], { reject: false })
    expect([r.exitCode, r.stderr]).toEqual([1, expect.stringMatching(/^kubewalk tests: unit tests run no kubectl/)])
  })

  it('runs the unit tests hermetically right after lint, before any lab is built', () => {
    const run = readFileSync(fileURLToPath(new URL('../.ci/run', import.meta.url)), 'utf8')
    const unit = run.indexOf('env PATH="$hermetic/bin" HOME="$hermetic/home" XDG_CACHE_HOME="$hermetic/cache" npm run -s test:unit')
    expect(unit).toBeGreaterThan(run.indexOf('npm run -s lint'))
    expect(unit).toBeLessThan(run.indexOf('lab build --version'))
    expect(run).toContain('[[ $n == kubectl* ||')
  })

  it("exports the default release's lab kubectl first on PATH before the suite runs", () => {
    const run = readFileSync(fileURLToPath(new URL('../.ci/run', import.meta.url)), 'utf8')
    expect(run).toMatch(/^lab_bin=\$\(node bin\/kubewalk\.js lab build --version "\$\{lab_versions\[0\]\}"/m)
    const exported = run.indexOf('export PATH="$lab_bin:$PATH"')
    expect(exported).toBeGreaterThan(run.indexOf('lab_bin='))
    expect(exported).toBeLessThan(run.indexOf('npm test --'))
  })
})

describe('.ci/run and the node', () => {
  const run = readFileSync(fileURLToPath(new URL('../.ci/run', import.meta.url)), 'utf8')

  it("installs the Debian packages the node's start-up check names (read from SYSTEM_TOOLS, so the two cannot part)", () => {
    expect(run).toMatch(/import\("\.\/dist\/src\/platform\/lab\/node\/prereqs\.js"\)\.then\(\(m\) => console\.log\(m\.SYSTEM_TOOLS\.map\(/)
    expect(run).toMatch(/apt-get install -y -qq --no-install-recommends "\$\{node_missing\[@\]\}"/)
  })

  it("builds the node's parts for every supported release and runs the node's e2e file against each of the others", () => {
    expect(run).toMatch(/for v in "\$\{lab_versions\[@\]\}"; do\n(?:.*\n){0,2}\s+node bin\/kubewalk\.js lab build --version "\$v" --node/)
    expect(run).toMatch(
      /for v in "\$\{lab_versions\[@\]:1\}"; do\n(?:.*\n){0,1}\s+KUBEWALK_LAB_VERSION="\$v" npx vitest run --project e2e test\/platform\/lab\/lab\.test\.ts test\/e2e\/node\.test\.ts/,
    )
  })
})
