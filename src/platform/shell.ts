// The one place that runs a walkthrough's command line. zx is kept here so a version bump touches one file.
import { execFile, spawn } from 'node:child_process'
import { accessSync, constants, existsSync, statSync } from 'node:fs'
import { connect } from 'node:net'
import { delimiter, join } from 'node:path'
import { errorMessage, type CommandEvidence } from '../core/errors.js'

/**
 * A value quoted for bash, exactly as zx 8's `quote` does (test/platform/shell.test.ts holds them equal): kept
 * here so that quoting does not load zx/core, whose import looks bash up on PATH (40-60 ms of a loaded start).
 */
export function quote(arg: string): string {
  if (arg === '') return `$''`
  if (/^[\w/.\-@:=]+$/.test(arg)) return arg
  return `$'${arg
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    .replace(/\f/g, '\\f')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/\v/g, '\\v')
    .replace(/\0/g, '\\0')}'`
}

let zx: Promise<typeof import('zx/core')> | undefined
/**
 * zx, loaded at the first runScript, or earlier through preloadShell: a run that calls it only at a step's guard or
 * at cleanup loads it while a line runs, not before step 01.
 */
const loadZx = (): Promise<typeof import('zx/core')> => (zx ??= import('zx/core'))

/** Starts loading what runScript needs, for a caller that is about to wait (on a line) anyway. */
export function preloadShell(): void {
  loadZx().catch(() => undefined)
}

/** How one command line runs. */
export interface ShellOptions {
  /** Variables added to the inherited environment (the walkthrough's shell variables, KUBECONFIG, …). */
  env?: Record<string, string | undefined>
  /** Kill the command after this long. */
  timeoutMs: number
  /** Abort from outside (Ctrl-C). */
  signal?: AbortSignal
  cwd?: string
  /**
   * 'inherit' hands the line kubewalk's own standard input (a credential plugin that asks for a login
   * gets the user's terminal); by default a line gets none and never waits on the user.
   */
  stdin?: 'ignore' | 'inherit'
  /** Sees stdout and stderr as they arrive (the browser notebook streams them); the result still holds all of it. */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: string) => void
}

/** A finished command; never thrown, the caller decides what an exit code means. */
export interface ShellResult extends CommandEvidence {
  timedOut: boolean
  aborted: boolean
}

/**
 * Runs `bash -c <script>` and resolves with its evidence; times out and aborts without throwing.
 * The script is the walkthrough's line as written: zx gets it as the template's literal text (the same
 * as writing it between backticks), so nothing is spliced into it; values reach it through the
 * environment only. No prefix: the lines run without zx's `set -euo pipefail`, as they
 * did in the article's shell.
 */
export async function runScript(script: string, options: ShellOptions): Promise<ShellResult> {
  const { $ } = await loadZx()
  const ac = new AbortController()
  const sh = $({
    env: { ...process.env, ...options.env },
    ac,
    cwd: options.cwd ?? process.cwd(),
    quiet: true,
    verbose: false,
    nothrow: true,
    // No stdin unless asked: a step must never wait on the user's terminal.
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
    killSignal: 'SIGTERM',
    // Its own process group, so a timeout or Ctrl-C can stop everything the line started.
    detached: true,
    shell: 'bash',
    prefix: '',
    postfix: '',
    ...(options.onOutput ? { log: outputLog(options.onOutput) } : {}),
  })
  const begin = performance.now()
  let timedOut = false
  let aborted = false
  let killTimer: NodeJS.Timeout | undefined
  const p = sh(Object.assign([script], { raw: [script] }) as unknown as TemplateStringsArray)
  // Stop the whole process group, not just bash: a `$(…)` or a heredoc runs its command in a child
  // that would otherwise outlive the step (and, for `kubectl apply`, could land after cleanup).
  const stop = (): void => {
    if (p.pid === undefined) return ac.abort()
    signalGroup(p.pid, 'SIGTERM')
    // Whatever ignores SIGTERM goes a moment later; cancelled once the line has ended, since by
    // then the group id may belong to someone else.
    killTimer ??= setTimeout(() => signalGroup(p.pid, 'SIGKILL'), 2_000)
    killTimer.unref()
  }
  const timer = setTimeout(() => {
    timedOut = true
    stop()
  }, options.timeoutMs)
  timer.unref()
  const onAbort = (): void => {
    aborted = true
    stop()
  }
  if (options.signal?.aborted) onAbort()
  else options.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    const out = await p
    // A line that never started (no bash, no cwd) ends with an empty stderr; say why instead.
    const why = out.stderr === '' && out.cause !== null && !timedOut && !aborted ? errorMessage(out.cause) : ''
    return {
      command: script,
      exitCode: out.exitCode,
      signal: out.signal ?? null,
      stdout: out.stdout,
      stderr: out.stderr || why,
      durationMs: Math.round(performance.now() - begin),
      timedOut,
      aborted,
    }
  } catch (error) {
    // Some zx versions reject despite nothrow; keep what it captured. Only our own signal makes
    // this an abort: any other rejection keeps its exit code, signal and message.
    const out = error as { exitCode?: number | null; signal?: string | null; stdout?: string; stderr?: string }
    return {
      command: script,
      exitCode: out.exitCode ?? null,
      signal: out.signal ?? (timedOut || aborted ? 'SIGTERM' : null),
      stdout: out.stdout ?? '',
      stderr: out.stderr || errorMessage(error),
      durationMs: Math.round(performance.now() - begin),
      timedOut,
      aborted,
    }
  } finally {
    clearTimeout(timer)
    clearTimeout(killTimer)
    options.signal?.removeEventListener('abort', onAbort)
    if ((timedOut || aborted) && p.pid !== undefined) signalGroup(p.pid, 'SIGKILL')
  }
}

// zx hands every chunk a line prints to its logger; this one passes the output on and drops the rest.
const outputLog =
  (onOutput: NonNullable<ShellOptions['onOutput']>) =>
  (entry: { kind: string; data?: unknown }): void => {
    if (entry.kind === 'stdout' || entry.kind === 'stderr') onOutput(entry.kind, String(entry.data))
  }

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return
  try {
    process.kill(-pid, signal)
  } catch {
    // the group is gone already
  }
}

/** Finds an executable on PATH (as bash would) without starting a process. */
export async function which(program: string, env: Record<string, string | undefined> = process.env): Promise<string | undefined> {
  return findOnPath(program, env)
}

// Synchronous: a few stat calls, where awaiting each queues it behind whatever else the thread pool is reading (module
// files while the run starts), which held the first line back ~5 ms.
function findOnPath(program: string, env: Record<string, string | undefined>): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue
    const file = join(dir, program)
    try {
      accessSync(file, constants.X_OK)
      if (statSync(file).isFile()) return file
    } catch {
      // not here
    }
  }
  return undefined
}

let mkfifoFile: string | undefined
/** Makes FIFOs (mode 0600): mkfifo from PATH, else where coreutils keeps it, so a run whose PATH is pared down still has them. */
export async function mkfifo(paths: readonly string[]): Promise<void> {
  mkfifoFile ??= findOnPath('mkfifo', process.env) ?? ['/usr/bin/mkfifo', '/bin/mkfifo'].find((f) => existsSync(f)) ?? 'mkfifo'
  const file = mkfifoFile
  await new Promise<void>((resolve, reject) => execFile(file, ['-m', '600', ...paths], (e) => (e ? reject(e) : resolve())))
}

/** A line left running: what it printed so far, and how to stop it. */
export interface BackgroundProcess {
  readonly command: string
  output(): { stdout: string; stderr: string }
  /** Resolves with its exit code once it has ended (null when a signal ended it). */
  readonly exited: Promise<number | null>
  /** Stops its whole process group (SIGTERM, SIGKILL after 2 s); resolves once it has ended. */
  stop(): Promise<void>
}

/**
 * Starts `bash -c <script>` and leaves it running, in a process group of its own. A line written
 * `cmd &` is run as written with a `wait` after it, so bash stays while its job runs and stopping
 * the group stops the job.
 */
export function startBackground(script: string, options: Omit<ShellOptions, 'timeoutMs' | 'signal'>): BackgroundProcess {
  const body = /(?:^|[^&])&\s*$/.test(script) ? `${script}\nwait` : script
  const child = spawn('bash', ['-c', body], {
    env: { ...process.env, ...options.env },
    cwd: options.cwd ?? process.cwd(),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => void (stdout += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => void (stderr += d))
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (e) => {
      stderr += errorMessage(e)
      resolve(null)
    })
    child.on('close', (code) => resolve(code))
  })
  let ended = false
  void exited.then(() => void (ended = true))
  return {
    command: script,
    output: () => ({ stdout, stderr }),
    exited,
    stop: async () => {
      if (ended) return
      signalGroup(child.pid, 'SIGTERM')
      const kill = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), 2_000)
      kill.unref()
      await exited
      clearTimeout(kill)
    },
  }
}

/** Resolves true once something accepts TCP connections on 127.0.0.1:port, false at the deadline. */
export async function portAnswers(port: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  const deadline = performance.now() + timeoutMs
  while (performance.now() < deadline && !signal?.aborted) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy()
        resolve(true)
      })
      s.on('error', () => resolve(false))
      s.setTimeout(500, () => {
        s.destroy()
        resolve(false)
      })
    })
    if (ok) return true
    await new Promise((r) => setTimeout(r, 100))
  }
  return false
}
