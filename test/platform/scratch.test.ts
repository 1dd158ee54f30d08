// The runner's capture directory holds $TOKEN in plain text: 0700, and gone however the process ends.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeScratchDir, removeScratchDir, sweepStaleScratchDirs } from '../../src/platform/scratch.js'
import { run } from '../../src/engine/runner.js'
import { defineStep, defineVar, equal } from '../../src/core/step.js'
import { articleCluster } from '../helpers.js'

let parent: string
beforeAll(async () => {
  parent = await mkdtemp(join(tmpdir(), 'kubewalk-scratchtest-'))
})
afterAll(async () => rm(parent, { recursive: true, force: true }))

/** The pid of a process that has ended. */
async function deadPid(): Promise<number> {
  const child = spawn('true')
  await new Promise((resolve) => child.on('close', resolve))
  return child.pid as number
}

/** A node process running one runner step that writes TOKEN, then sleeps; resolves once the capture exists. */
async function runnerChild(dir: string, then: string) {
  const marker = join(dir, 'capture-dir')
  const script = `
    import { run } from ${JSON.stringify(new URL('../../src/engine/runner.ts', import.meta.url).href)}
    import { existsSync } from 'node:fs'
    const TOKEN = { name: 'TOKEN', secret: true, describe: 't' }
    const step = { id: 'mint', number: '01', title: 'mint', reads: [], writes: TOKEN, parse: (o) => o, check: () => [],
      command: 'TOKEN=not-a-real-token-value; printf %s "$$" > "$MARKER.pid"; printf %s "\${PWD%/*}" > "$MARKER"; exec sleep 30' }
    const timer = setInterval(() => { if (existsSync(process.env.MARKER)) { clearInterval(timer); ${then} } }, 20)
    await run({ steps: [step], cluster: { name: 'c', server: 'https://c' }, clusters: [] })
  `
  const child = spawn('node', ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, TMPDIR: dir, MARKER: marker },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()))
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
  for (let i = 0; i < 300 && !existsSync(marker); i++) await sleep(50)
  expect(existsSync(marker), stderr).toBe(true)
  // The step runs in its own process group, which outlives a killed or exited runner: stopped by stop().
  const group = Number(await readFile(`${marker}.pid`, 'utf8'))
  const stop = () => {
    try {
      process.kill(-group, 'SIGKILL')
    } catch {
      // gone already
    }
  }
  return { child, closed, stop, captureDir: await readFile(marker, 'utf8') }
}

describe('scratch directories', () => {
  it('are 0700, hold their owner pid, and go when removed', async () => {
    const dir = await makeScratchDir(parent)
    expect((await stat(dir)).mode & 0o777).toBe(0o700)
    expect(await readFile(join(dir, 'owner.pid'), 'utf8')).toBe(`${process.pid}\n`)
    await removeScratchDir(dir)
    expect(existsSync(dir)).toBe(false)
  })

  it("the sweep removes only this user's scratch dirs whose owner is dead", async () => {
    const at = await mkdtemp(join(parent, 'sweep-'))
    const make = async (name: string, pid?: number) => {
      const dir = join(at, name)
      await mkdir(dir, { mode: 0o700 })
      await writeFile(join(dir, 'captured-1'), 'a-token')
      if (pid !== undefined) await writeFile(join(dir, 'owner.pid'), `${pid}\n`)
      return dir
    }
    const dead = await make('kubewalk-scratch-dead', await deadPid())
    const living = await make('kubewalk-scratch-live', process.ppid)
    const starting = await make('kubewalk-scratch-nopid')
    const other = await make('someone-else', await deadPid())
    expect(await sweepStaleScratchDirs(at)).toEqual([dead])
    expect((await readdir(at)).sort()).toEqual(['kubewalk-scratch-live', 'kubewalk-scratch-nopid', 'someone-else'])
    for (const d of [living, starting, other]) expect(existsSync(d)).toBe(true)
  })

  it("the runner's capture directory is 0700 and removed when the run ends", async () => {
    const TOKEN = defineVar({ name: 'TOKEN', secret: true, describe: 't' })
    const step = defineStep({
      id: 'mode',
      number: '01',
      title: 'mode',
      reads: [],
      writes: TOKEN,
      command: 'TOKEN=x; stat -c "%a %n" "${PWD%/*}"',
      parse: (o) => o.stdout.trim(),
      check: () => [equal('ran', true, true)],
    })
    const r = await run({ steps: [step], cluster: articleCluster, clusters: [articleCluster] })
    const [mode, dir] = String(r.steps[0]?.value).split(' ')
    expect(mode).toBe('700')
    expect(dir).toMatch(/\/kubewalk-scratch-[^/]+$/)
    expect(existsSync(dir as string)).toBe(false)
  })

  it('is removed when the process leaves with process.exit mid-step (a third Ctrl-C)', async () => {
    const dir = await mkdtemp(join(parent, 'exit-'))
    const { closed, stop, captureDir } = await runnerChild(dir, 'process.exit(130)')
    expect(captureDir.startsWith(join(dir, 'kubewalk-scratch-'))).toBe(true)
    expect(await closed).toBe(130)
    expect(existsSync(captureDir)).toBe(false)
    stop()
  })

  it('left behind by a SIGKILL, it is removed by the next run', async () => {
    const dir = await mkdtemp(join(parent, 'kill-'))
    const { child, closed, stop, captureDir } = await runnerChild(dir, '')
    child.kill('SIGKILL')
    stop()
    await closed
    expect(existsSync(join(captureDir, 'owner.pid'))).toBe(true)
    // The next run, with the same temporary directory.
    const next = spawn(
      'node',
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `
      import { run } from ${JSON.stringify(new URL('../../src/engine/runner.ts', import.meta.url).href)}
      await run({ steps: [], cluster: { name: 'c', server: 'https://c' }, clusters: [] })`,
      ],
      { env: { ...process.env, TMPDIR: dir }, stdio: 'ignore' },
    )
    expect(await new Promise((resolve) => next.on('close', resolve))).toBe(0)
    expect(existsSync(captureDir)).toBe(false)
    await rm(dir, { recursive: true, force: true })
  })
})
