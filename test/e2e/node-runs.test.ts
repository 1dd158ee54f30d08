// Labs with a node started by kubewalk's own faces (root only): run --lab --node and matrix --node replay pod-token;
// a Ctrl-C and a SIGKILL of kubewalk while a Pod starts leave nothing on the host (the same picture as before, and no
// process of the lab) once the run has ended (Ctrl-C) or `lab down` has run (SIGKILL); a kill of kubewalk and of every
// process of its lab is undone by the next `lab up --node`. Runs against the default release only (a lab each).
import { spawn } from 'node:child_process'
import { readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { mkdtemp } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ARTICLE_LAB_VERSION, DEFAULT_LAB_VERSION, ensureLabBinaries, ensureNode, labDown, labUp } from '../../src/platform/lab/index.js'
import { readNodeFile } from '../../src/platform/lab/node/state.js'
import { isOurProcess } from '../../src/platform/lab/processes.js'
import { readLabFile } from '../../src/platform/lab/state.js'
import { kubewalk } from './cli.js'
import { isCI } from './global-setup.js'
import { hostSnapshot } from './node-host.js'

const BIN = fileURLToPath(new URL('../../bin/kubewalk.js', import.meta.url))
const root = process.getuid?.() === 0
if (!root && isCI()) throw new Error(`CI=${process.env.CI} but not root: the node tests must not be skipped under CI`)

/** Pids whose command line names `dir` (the lab's components and containerd's shims do, by their flags). */
async function processesIn(dir: string): Promise<string[]> {
  const found: string[] = []
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
    if (cmd.includes(dir)) found.push(`${pid} ${cmd.replaceAll('\0', ' ').trim().slice(0, 120)}`)
  }
  return found
}

interface Ended {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** The throwaway lab's directory, as the run named it. */
  labDir?: string
}

/** `kubewalk run --lab --node …` in its own process group (as a terminal runs it); `onOutput` may signal it. */
function runLab(args: string[], onOutput: (all: string, pid: number) => void = () => {}): Promise<Ended> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'run', '--lab', '--node', '--walkthrough', 'pod-token', '--reporter', 'plain', ...args], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    let stdout = ''
    let stderr = ''
    const seen = () => onOutput(`${stdout}\n${stderr}`, child.pid!)
    child.stdout.on('data', (d: Buffer) => void ((stdout += d.toString()), seen()))
    child.stderr.on('data', (d: Buffer) => void ((stderr += d.toString()), seen()))
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 600_000)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const labDir = /starting a throwaway lab in (\S+)/.exec(stderr)?.[1]
      resolve({ code, signal, stdout, stderr, ...(labDir ? { labDir } : {}) })
    })
  })
}

/** Calls `act` once, as soon as the report shows step 03 (the wait for the Pod kubectl run just created) starting. */
function whilePodStarts(act: (pid: number) => void): (all: string, pid: number) => void {
  let done = false
  return (all, pid) => {
    if (done || !/^▶ 03\/11 wait-ready /m.test(all)) return
    done = true
    act(pid)
  }
}

describe.skipIf(!root)(
  root
    ? `labs with a node from run and matrix (${DEFAULT_LAB_VERSION})`
    : 'labs with a node from run and matrix (skipped: a lab with a node needs root)',
  () => {
    let before: Record<string, string> = {}
    const leftovers: string[] = []

    beforeAll(async () => {
      for (const version of [DEFAULT_LAB_VERSION, ARTICLE_LAB_VERSION]) await ensureNode(await ensureLabBinaries({ version }))
      before = await hostSnapshot()
    }, 1_800_000)

    afterAll(async () => {
      for (const dir of leftovers) {
        await labDown({ dir }).catch(() => undefined)
        await rm(path.dirname(dir), { recursive: true, force: true })
      }
    })

    it('run --lab --node replays pod-token on a throwaway lab with a node, then leaves the host as it was', async () => {
      const e = await runLab([])
      const why = `${e.stdout}\n${e.stderr}`
      expect(e.code, why).toBe(0)
      expect(e.stdout, why).toMatch(/^✔ 11 passed, 0 failed, 0 skipped/m)
      expect(e.labDir, why).toBeDefined()
      expect(await processesIn(e.labDir!)).toEqual([])
      expect(await hostSnapshot()).toEqual(before)
    })

    it('a Ctrl-C while a Pod starts: exit 130, the Pod deleted, the lab stopped, the host as it was', async () => {
      const e = await runLab(
        [],
        whilePodStarts((pid) => process.kill(-pid, 'SIGINT')),
      )
      const why = `${e.stdout}\n${e.stderr}`
      expect(e.code, why).toBe(130)
      expect(e.stdout, why).toMatch(/^■ interrupted/m)
      expect(e.stdout, why).toMatch(/^ {2}✓ delete Pod token-demo$/m)
      expect(await processesIn(e.labDir!)).toEqual([])
      expect(await hostSnapshot()).toEqual(before)
    })

    it('a SIGKILL of kubewalk while a Pod starts: its lab runs on, and lab down leaves the host as it was', async () => {
      const e = await runLab(
        [],
        whilePodStarts((pid) => process.kill(pid, 'SIGKILL')),
      )
      const why = `${e.stdout}\n${e.stderr}`
      expect(e.signal, why).toBe('SIGKILL')
      const dir = e.labDir!
      leftovers.push(dir)
      expect((await processesIn(dir)).length, why).toBeGreaterThan(0)
      const down = await kubewalk(['lab', 'down', '--dir', dir])
      expect(down.exitCode, down.stderr).toBe(0)
      expect(await processesIn(dir)).toEqual([])
      expect(await hostSnapshot()).toEqual(before)
    })

    it('a SIGKILL of kubewalk and of every process of its lab while a Pod starts: the next lab up --node undoes what it left', async () => {
      const e = await runLab(
        [],
        whilePodStarts((pid) => process.kill(pid, 'SIGKILL')),
      )
      const dir = e.labDir!
      leftovers.push(dir)
      // Every process kubewalk started for the lab, by its process group; containerd's shims are not among them.
      const lab = await readLabFile(dir)
      const node = await readNodeFile(dir)
      const killed = [...Object.values(lab?.components ?? {}), ...Object.values(node?.components ?? {})].filter((c) => c !== undefined)
      for (const c of killed) process.kill(-c.pid, 'SIGKILL')
      // Gone, as after a crash: SIGKILL lands at once, but the kernel takes a moment to reap.
      for (let i = 0; i < 100 && (await Promise.all(killed.map((c) => isOurProcess(c.pid, c.binary)))).some(Boolean); i++)
        await new Promise((r) => setTimeout(r, 100))
      const next = path.join(await mkdtemp(path.join(tmpdir(), 'kubewalk-node-next-')), 'lab')
      leftovers.push(next)
      const progress: string[] = []
      const binaries = await ensureLabBinaries({ version: DEFAULT_LAB_VERSION })
      await labUp({ dir: next, binaries, node: true, onProgress: (l) => progress.push(l) })
      expect(progress).toContain(`undoing the host changes a stopped lab with a node left (${dir})`)
      expect(progress.some((l) => l.startsWith('another lab with a node runs'))).toBe(false)
      expect(await processesIn(dir)).toEqual([])
      await labDown({ dir: next })
      expect(await hostSnapshot()).toEqual(before)
    })

    it('matrix --node --parallel 2: two labs with a node, the second waiting for the first; both replay pod-token; the host as it was', async () => {
      const kubectl = path.join((await ensureLabBinaries({ version: DEFAULT_LAB_VERSION })).dir, 'kubectl')
      const r = await kubewalk(
        [
          'matrix',
          '--node',
          '--walkthrough',
          'pod-token',
          '--lab-version',
          DEFAULT_LAB_VERSION,
          '--lab-version',
          ARTICLE_LAB_VERSION,
          '--parallel',
          '2',
          '--kubectl',
          kubectl,
          '--reporter',
          'json',
        ],
        {},
        900_000,
      )
      const why = r.stderr
      expect(r.exitCode, why).toBe(0)
      const cells = (JSON.parse(r.stdout) as { cells: { server: { version: string }; ok: boolean }[] }).cells
      expect(cells.map((c) => [c.server.version, c.ok])).toEqual([
        [DEFAULT_LAB_VERSION, true],
        [ARTICLE_LAB_VERSION, true],
      ])
      expect(r.stderr).toMatch(/another lab with a node runs in \S+; this one waits until it is down/)
      expect(await hostSnapshot()).toEqual(before)
    }, 900_000)
  },
)
