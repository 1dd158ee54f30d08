// The walkthrough contract: validation with one-line errors, and a third walkthrough (test/fixtures/tiny,
// written against the public API only) run by the engine and the CLI without any change to src/.
import { createServer, type Server } from 'node:http'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createCli,
  defineCleanup,
  defineStep,
  defineVar,
  defineWalkthrough,
  run,
  walkthroughProblems,
  type Step,
  type Walkthrough,
  type WalkthroughEntry,
} from '../../src/index.js'
import { tiny, tinyEntry } from '../fixtures/tiny/index.js'
import { captureIo, kubeconfigYaml } from '../helpers.js'

const X = defineVar({ name: 'X', secret: false, describe: 'x' })
const ONLY_STEPS = defineVar({ name: 'ONLY_STEPS', secret: false, describe: 'set by a step only', fromEnvironment: false })
const gone = defineCleanup({ describe: 'remove it', command: 'true' })
const step = (id: string, number: string, extra: Partial<Step<string>> = {}): Step<string> =>
  defineStep({ id, number, title: id, command: 'true', reads: [], parse: (o) => o.stdout, check: () => [], ...extra })
const w = (steps: Step<any>[], extra: Partial<Walkthrough> = {}): Walkthrough => ({ id: 'w', title: 'w', vars: [X, ONLY_STEPS], steps, ...extra })

describe('defineStep and defineWalkthrough', () => {
  it.each([
    ['a duplicate step id', w([step('a', '01'), step('a', '02')]), 'step id a is used twice'],
    ['a duplicate number', w([step('a', '01'), step('b', '01')]), 'step number 01 is used twice'],
    [
      'a read no earlier step or the environment supplies',
      w([step('a', '01', { reads: [ONLY_STEPS] })]),
      'step a reads ONLY_STEPS, which no earlier step sets and the environment may not supply',
    ],
    [
      'a read of an undeclared variable',
      w([step('a', '01', { reads: [defineVar({ name: 'Y', secret: false, describe: 'y' })] })]),
      'step a reads Y, which the walkthrough does not declare',
    ],
    ['a deletes without its cleanup', w([step('a', '01', { deletes: gone })]), 'step a deletes "remove it", which no earlier step creates'],
    [
      'a deletes before its cleanup',
      w([step('a', '01', { deletes: gone }), step('b', '02', { creates: { cleanup: gone, createdIf: () => true } })]),
      'step a deletes "remove it", which no earlier step creates',
    ],
    [
      'a non-positive setting',
      w([step('a', '01')], { settings: [{ name: 'n', describe: 'n', default: 0 }] }),
      'setting n: default must be a positive number, got 0',
    ],
  ])('refuses %s, in one line naming the walkthrough', (_what, bad, problem) => {
    expect(walkthroughProblems(bad)).toContain(problem)
    expect(() => defineWalkthrough(bad)).toThrow(`walkthrough w: ${problem}.`)
  })
  it('accepts a read the environment may supply, and a read set by an earlier step', () => {
    expect(
      walkthroughProblems(w([step('a', '01', { reads: [X] }), step('b', '02', { writes: ONLY_STEPS }), step('c', '03', { reads: [ONLY_STEPS] })])),
    ).toEqual([])
  })
  it.each([
    [{ wait: { for: 'x', timeoutMs: 0, intervalMs: 10 } }, 'step s: wait.timeoutMs must be a positive number of milliseconds, got 0.'],
    [{ wait: { for: 'x', timeoutMs: 100, intervalMs: -1 } }, 'step s: wait.intervalMs must be a positive number of milliseconds, got -1.'],
    [{ number: '1' }, 'step s: number "1" is not two digits.'],
    [{ id: 'Bad Id' }, 'step id "Bad Id" is not lower-case words joined by \'-\'.'],
  ])('defineStep refuses %j', (extra, message) => {
    expect(() => step('s', '01', extra as Partial<Step<string>>)).toThrow(message)
  })
})

describe('a third walkthrough, through the public API only', () => {
  it('runs: variables flow, the secret is collected, the cleanup is registered then settled', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kubewalk-tiny-'))
    const marker = join(dir, 'marker')
    const { Secrets } = await import('../../src/index.js')
    const secrets = new Secrets()
    const r = await run({
      steps: tiny.steps,
      cluster: { name: 'c', server: 'https://c' },
      clusters: [],
      settings: { 'password-length': 18 },
      env: { TINY_MARKER: marker },
      secrets,
    })
    expect(r.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'passed'])
    expect(r.cleanup).toEqual([])
    expect(secrets.values()).toContain('hello-s3cr3t-value')
    expect(existsSync(marker)).toBe(false)
    await rm(dir, { recursive: true, force: true })
  })
  it('cleans up what a step created when a later one fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kubewalk-tiny-'))
    const marker = join(dir, 'marker')
    const r = await run({
      steps: tiny.steps,
      cluster: { name: 'c', server: 'https://c' },
      clusters: [],
      settings: { 'password-length': 99 },
      env: { TINY_MARKER: marker },
    })
    expect(r.steps.map((s) => s.status)).toEqual(['passed', 'failed', 'skipped'])
    expect(r.cleanup).toEqual([{ describe: 'remove the marker file', command: 'rm -f "$TINY_MARKER"', status: 'done' }])
    expect(existsSync(marker)).toBe(false)
    await rm(dir, { recursive: true, force: true })
  })
})

describe('the CLI over a registry it is given', () => {
  let server: Server | undefined
  const dirs: string[] = []
  afterAll(async () => {
    server?.close()
    for (const d of dirs) await rm(d, { recursive: true, force: true })
  })
  // Only the version gate is a stand-in here; the tiny walkthrough's steps touch no cluster.
  async function standIn(): Promise<string> {
    server = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ major: '1', minor: '30', gitVersion: 'v1.30.0' })),
    )
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r))
    const port = (server.address() as { port: number }).port
    const dir = await mkdtemp(join(tmpdir(), 'kubewalk-tiny-cli-'))
    dirs.push(dir)
    const kubeconfig = join(dir, 'config')
    await writeFile(kubeconfig, kubeconfigYaml([{ name: 'tiny', server: `http://127.0.0.1:${port}` }]))
    // kubewalk asks kubectl for the server's version; this test is about kubewalk's replay, so a stand-in answers
    // from the stand-in server (what a real kubectl prints is the lab-kubectl project's).
    await writeFile(
      join(dir, 'kubectl'),
      `#!/usr/bin/env bash\n[ "$1" = version ] || { echo "stand-in kubectl: only version" >&2; exit 1; }\nprintf '{"clientVersion":{"gitVersion":"v1.30.0"},"serverVersion":%s}\\n' "$(curl -sS http://127.0.0.1:${port}/version)"\n`,
      { mode: 0o755 },
    )
    return kubeconfig
  }
  const broken: WalkthroughEntry = {
    id: 'broken',
    title: 'broken',
    load: async () => defineWalkthrough({ ...tiny, id: 'broken', steps: [tiny.steps[0]!, tiny.steps[0]!] }),
  }
  const main = createCli([tinyEntry, broken])

  it('replays it with a reporter, a setting flag, drift and a transcript', async () => {
    const kubeconfig = await standIn()
    const dir = dirs[dirs.length - 1]!
    // Commands inherit the process's environment (as from a shell); the marker goes there.
    process.env.TINY_MARKER = join(dir, 'marker')
    const t = captureIo({ PATH: `${dir}${delimiter}${process.env.PATH ?? ''}` })
    const code = await main(
      ['run', '--kubeconfig', kubeconfig, '--reporter', 'json', '--password-length', '18', '--transcript', join(dir, 't.md')],
      t.sinks,
    )
    expect(t.err()).toBe('transcript written to ' + join(dir, 't.md') + '\n')
    expect(code).toBe(0)
    const report = JSON.parse(t.out()) as {
      ok: boolean
      walkthrough: string
      steps: { id: string }[]
      drift: { id: string; items: { kind: string }[] }[]
    }
    expect(report).toMatchObject({ ok: true, walkthrough: 'tiny' })
    expect(report.steps.map((s) => s.id)).toEqual(['greet', 'make-secret', 'tidy'])
    // The recording said "deleted" where this run says "removed": a real difference, at that step only.
    expect(report.drift.filter((d) => d.items.length > 0).map((d) => [d.id, d.items.map((i) => i.kind)])).toEqual([['tidy', ['real']]])
    expect(t.out()).not.toContain('hello-s3cr3t-value')
    const { readFile } = await import('node:fs/promises')
    expect(await readFile(join(dir, 't.md'), 'utf8')).toContain('# Transcript: A tiny walkthrough')
    delete process.env.TINY_MARKER
  })
  it('lists it, and refuses a setting it does not declare', async () => {
    const t = captureIo()
    expect(await main(['list'], t.sinks)).toBe(0)
    expect(t.out()).toMatch(/^ {2}\* tiny +A tiny walkthrough$/m)
    expect(t.out()).toMatch(/^ {2}--password-length N\s+how long the password is \(default 18\)$/m)
    const bad = captureIo()
    expect(await main(['run', '--token-lifetime', '5'], bad.sinks)).toBe(2)
    expect(bad.err()).toBe("kubewalk: unknown option '--token-lifetime'; see kubewalk --help.\n")
  })
  it('refuses an unknown walkthrough in one line listing the known ids, and a broken one naming it (exit 2)', async () => {
    const t = captureIo()
    expect(await main(['run', '--walkthrough', 'nope'], t.sinks)).toBe(2)
    expect(t.err()).toBe(
      'kubewalk: --walkthrough nope: no such walkthrough (known: tiny, broken; a folder or a Markdown file is named by a path: ./nope).\n',
    )
    const b = captureIo()
    expect(await main(['list', '--walkthrough', 'broken'], b.sinks)).toBe(2)
    expect(b.err()).toBe('kubewalk: walkthrough broken: step id greet is used twice.\n')
  })
})
