// Supervision of the lab's processes: each runs detached in its own process group, with output to its own log.
import { closeSync, openSync } from 'node:fs'
import { copyFile, mkdtemp, readFile, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { execa } from 'execa'
import { LabError } from '../../core/errors.js'

const STOP_GRACE_MS = 5_000

// Every process group this module started and has not yet stopped, so a test can make sure none outlives it.
const started = new Map<number, string>()

/** Process-group ids of the lab components this process started and has not stopped. */
export function startedLabProcesses(): number[] {
  return [...started.keys()]
}

/** Stops every lab process this process started (SIGTERM, then SIGKILL); returns their ids. For tests and crash paths. */
export async function stopStartedLabProcesses(): Promise<number[]> {
  const pids = startedLabProcesses()
  await Promise.all(pids.map((pid) => stopProcessGroup(pid)))
  return pids
}

function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** SIGTERM to the whole group, SIGKILL after 5 s if any member is left. */
export async function stopProcessGroup(pgid: number): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pgid, sig)
    } catch {
      // already gone
    }
  }
  signal('SIGTERM')
  const deadline = Date.now() + STOP_GRACE_MS
  while (groupExists(pgid) && Date.now() < deadline) await sleep(50)
  if (groupExists(pgid)) {
    signal('SIGKILL')
    const killDeadline = Date.now() + 2_000
    while (groupExists(pgid) && Date.now() < killDeadline) await sleep(50)
  }
  started.delete(pgid)
}

/** This machine's processes whose argv (from /proc; none elsewhere) `match` accepts, this process aside. */
export async function processesWhere(match: (argv: string[]) => boolean): Promise<{ pid: number; argv: string[] }[]> {
  const found: { pid: number; argv: string[] }[] = []
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0').filter((a) => a !== '')
    if (argv.length > 0 && match(argv)) found.push({ pid: Number(entry), argv })
  }
  return found
}

/**
 * Processes named one of `programs` (by argv[0]'s file name) whose arguments name a path inside `dir`: what a start
 * killed between spawning a component and recording its pid left running, unrecorded.
 */
export async function processesNamingDir(dir: string, programs: readonly string[]): Promise<{ pid: number; program: string }[]> {
  const inside = `${path.resolve(dir)}/`
  const program = (argv: string[]) => path.basename(argv[0] ?? '')
  const found = await processesWhere(
    (argv) => programs.includes(program(argv)) && argv.slice(1).some((a) => a.startsWith(inside) || a.includes(`=${inside}`)),
  )
  return found.map(({ pid, argv }) => ({ pid, program: program(argv) }))
}

/**
 * True if `pid` runs and (on Linux) is the recorded binary and not a zombie, so a pid reused after a reboot is
 * never mistaken for, or killed as, a lab component.
 */
export async function isOurProcess(pid: number, binary: string): Promise<boolean> {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  if (process.platform !== 'linux') return true
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false
    const argv0 = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0')[0]
    return argv0 === binary
  } catch {
    return false
  }
}

/** A component this process started; `exit` is set once it has ended. */
export interface Running {
  name: string
  pid: number
  log: string
  exit?: string
}

/** A component died or never became ready; labUp turns it into a LabError once the logs are saved. */
export class ComponentFailure extends Error {
  constructor(
    readonly component: Running,
    readonly reason: string,
  ) {
    super(`${component.name} ${reason}`)
  }
}

/** Starts `binary` detached in `dir` with its output appended to `<dir>/<name>.log`; `env` adds to the environment. */
export async function startComponent(name: string, binary: string, args: string[], dir: string, env?: Record<string, string>): Promise<Running> {
  const log = path.join(dir, `${name}.log`)
  // execa's types list only the fds 0-9; at run time any fd goes straight to child_process.spawn.
  const fd = openSync(log, 'a') as 3
  // Detached (its own session and process group) with output straight to its log: it outlives labUp's process.
  const spawn = () =>
    execa(binary, args, { cwd: dir, ...(env ? { env } : {}), detached: true, cleanup: false, stdin: 'ignore', stdout: fd, stderr: fd, reject: false })
  let child: ReturnType<typeof spawn>
  try {
    child = spawn()
  } finally {
    closeSync(fd)
  }
  const running: Running = { name, pid: child.pid ?? -1, log }
  if (child.pid === undefined) {
    const code = ((await child) as { code?: string }).code
    throw new ComponentFailure(
      running,
      `could not start: ${code === 'ENOENT' ? `${binary} does not exist` : `spawning ${binary} failed (${code ?? 'unknown error'})`}`,
    )
  }
  child.unref()
  started.set(child.pid, name)
  void child.then((result) => {
    running.exit = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.exitCode ?? '?'}`
  })
  return running
}

/** Copies the components' logs out of the lab directory before it is removed; returns each copy's path. */
export async function keepLogs(running: Running[]): Promise<Map<string, string>> {
  const kept = new Map<string, string>()
  if (running.length === 0) return kept
  const dir = await mkdtemp(path.join(tmpdir(), 'kubewalk-lab-logs-'))
  for (const r of running) {
    const copy = path.join(dir, `${r.name}.log`)
    await copyFile(r.log, copy).then(
      () => kept.set(r.name, copy),
      () => {},
    )
  }
  return kept
}

const POLL_MS = 200
const PROGRESS_EVERY_MS = 5_000

/** Milliseconds as seconds with one decimal, for messages. */
export function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10)
}

/** What a start waits under: its deadline, the components it watches, where it reports. */
export interface WaitContext {
  /** What is starting ('lab', 'node'), as messages name it. */
  starting: string
  deadline: number
  /** The limit the deadline came from, for the message when it runs out. */
  timeoutMs?: number
  running: Running[]
  /** Where a line goes every few seconds of waiting; none: the wait is quiet. */
  progress?: (line: string) => void
  signal?: AbortSignal
}

/**
 * Polls `probe` until it answers true (else it answers why not). A watched component that exits, the
 * deadline (blamed on `component`, else on the start) and a cancel end the wait.
 */
export async function waitReady(what: string, probe: () => Promise<true | string>, ctx: WaitContext, component?: Running): Promise<void> {
  const since = Date.now()
  let nextReport = since + PROGRESS_EVERY_MS
  for (;;) {
    if (ctx.signal?.aborted) throw new LabError('Starting the lab was cancelled.')
    const dead = ctx.running.find((r) => r.exit !== undefined)
    if (dead) throw new ComponentFailure(dead, `${dead.exit} while the ${ctx.starting} was starting`)
    const result = await probe()
    if (result === true) return
    if (Date.now() >= ctx.deadline) {
      const limit = ctx.timeoutMs === undefined ? 'in time' : `within ${seconds(ctx.timeoutMs)} s`
      if (component) throw new ComponentFailure(component, `was not ready ${limit} (${what}: ${result})`)
      throw new LabError(`The ${ctx.starting} was not ready ${limit}: ${what}: ${result}.`)
    }
    if (ctx.progress && Date.now() >= nextReport) {
      ctx.progress(`waiting for ${what} (${seconds(Date.now() - since)} s): ${result}`)
      nextReport += PROGRESS_EVERY_MS
    }
    await sleep(POLL_MS)
  }
}
