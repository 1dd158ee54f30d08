// The one place that runs a walkthrough's command line. zx is kept here so a version bump touches one file.
import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { $, quote } from 'zx/core'
import { errorMessage, type CommandEvidence } from './errors.js'

export { quote }

/** How one command line runs. */
export interface ShellOptions {
  /** Variables added to the inherited environment (the walkthrough's shell variables, KUBECONFIG, …). */
  env?: Record<string, string | undefined>
  /** Kill the command after this long. */
  timeoutMs: number
  /** Abort from outside (Ctrl-C). */
  signal?: AbortSignal
  cwd?: string
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
  const ac = new AbortController()
  const sh = $({
    env: { ...process.env, ...options.env },
    ac,
    cwd: options.cwd ?? process.cwd(),
    quiet: true,
    verbose: false,
    nothrow: true,
    // No stdin: a step must never wait on the user's terminal.
    stdio: ['ignore', 'pipe', 'pipe'],
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
const outputLog = (onOutput: NonNullable<ShellOptions['onOutput']>) => (entry: { kind: string; data?: unknown }): void => {
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
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue
    const file = join(dir, program)
    try {
      await access(file, constants.X_OK)
      if ((await stat(file)).isFile()) return file
    } catch {
      // not here
    }
  }
  return undefined
}
