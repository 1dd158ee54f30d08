// A shell kept open inside a container (`kubectl exec -i POD [-c C] -- sh`, no terminal), for the lines a
// page types after a container prompt: one per container, so `cd` and variables carry from line to line and
// `$VAR` is expanded there, never on the host. Each line is framed over the session's own pipes: a small
// loop in the container reads a request (a random marker, a line count, the lines), evals it with stdin
// from /dev/null (a `cat` cannot eat the next request), then prints the marker and the status on stdout
// and the marker on stderr. POSIX sh only: busybox ash, dash and bash run it alike.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import type { CommandEvidence } from '../core/errors.js'

/** The container a session runs in. */
export interface ContainerTarget {
  pod: string
  container?: string
}

/** How a session starts. */
export interface ContainerSessionOptions {
  target: ContainerTarget
  /** The environment kubectl runs with (the run's KUBECONFIG copy, its PATH), added to kubewalk's own. */
  env: Record<string, string | undefined>
  cwd: string
  /** The kubectl to run (default `kubectl` on the env's PATH). */
  kubectl?: string
  /** The program and arguments that open the shell, in place of `kubectl exec -i …` (a stand-in in tests). */
  argv?: readonly string[]
}

/** A finished in-container line; never thrown. */
export interface ContainerLineResult extends CommandEvidence {
  timedOut: boolean
  aborted: boolean
  /** The session is gone after this line (it exited, was killed, or never started): why, in a sentence. */
  ended?: string
  raw: { stdout: Buffer; stderr: Buffer }
}

type Raw = ContainerLineResult['raw']

/** One line's limits. */
export interface ContainerLineOptions {
  timeoutMs: number
  signal?: AbortSignal
}

/** A shell in one container. Lines are served one at a time, in order; after it ends, the next line opens a new one. */
export interface ContainerSession {
  readonly target: ContainerTarget
  run(line: string, options: ContainerLineOptions): Promise<ContainerLineResult>
  close(): Promise<void>
}

/** `kubectl exec -i POD [-c C] -- sh`: stdin kept open, no terminal, so the streams stay apart and nothing waits on a tty. */
export function execArgv(target: ContainerTarget, kubectl = 'kubectl'): string[] {
  return [kubectl, 'exec', '-i', target.pod, ...(target.container !== undefined ? ['-c', target.container] : []), '--', 'sh']
}

/** How a session names its container in reports: `POD` or `POD/C`. */
export function containerLabel(target: ContainerTarget): string {
  return target.container !== undefined ? `${target.pod}/${target.container}` : target.pod
}

// Says hello (so no request is written before the shell has read the loop: ash buffers what it reads), then
// serves requests. `command eval` keeps a syntax error in the line from ending the shell; stdout and stderr are put
// back from the session's own copies (8, 9) after each line, so a line's `exec >file` cannot hide the next line or the marks.
const LOOP = [
  "exec 8>&1 9>&2; printf '%s\\n' __kubewalk_hello__",
  'while IFS= read -r __kw_m; do',
  ' IFS= read -r __kw_n; __kw_c=; __kw_i=0',
  ' while [ "$__kw_i" -lt "$__kw_n" ]; do IFS= read -r __kw_l; __kw_c="$__kw_c$__kw_l',
  '"; __kw_i=$((__kw_i+1)); done',
  ' command eval "$__kw_c" </dev/null; __kw_r=$?; exec 1>&8 2>&9',
  ' printf \'%s %d\\n\' "$__kw_m" "$__kw_r"; printf \'%s\\n\' "$__kw_m" >&2',
  'done',
].join('\n')
const HELLO = Buffer.from('__kubewalk_hello__\n')
const KILL_GRACE_MS = 1_000

/** Opens a session; nothing starts until its first line. */
export function openContainerSession(options: ContainerSessionOptions): ContainerSession {
  return new ExecSession(options)
}

interface Proc {
  child: ChildProcess
  out: Buffer
  err: Buffer
  exit?: { code: number | null; signal: string | null }
  exited: Promise<void>
  /** Wakes the current reader when something arrives. */
  poke: () => void
  startError?: string
}

class ExecSession implements ContainerSession {
  private proc: Proc | undefined
  private queue: Promise<unknown> = Promise.resolve()
  private closed = false

  constructor(private readonly o: ContainerSessionOptions) {}

  get target(): ContainerTarget {
    return this.o.target
  }

  run(line: string, options: ContainerLineOptions): Promise<ContainerLineResult> {
    const next = this.queue.then(() => this.runLine(line, options))
    this.queue = next.catch(() => undefined)
    return next
  }

  async close(): Promise<void> {
    this.closed = true
    await this.kill()
  }

  private spawn(): Proc {
    const [program, ...args] = this.o.argv ?? execArgv(this.o.target, this.o.kubectl)
    const env = Object.fromEntries(Object.entries({ ...process.env, ...this.o.env }).filter((e): e is [string, string] => e[1] !== undefined))
    // Its own process group: Ctrl-C in kubewalk's terminal reaches kubewalk, which stops the line itself.
    const child = spawn(program as string, args, { env, cwd: this.o.cwd, stdio: ['pipe', 'pipe', 'pipe'], detached: true })
    const proc: Proc = { child, out: Buffer.alloc(0), err: Buffer.alloc(0), exited: Promise.resolve(), poke: () => undefined }
    proc.exited = new Promise<void>((resolve) => {
      child.once('error', (e) => {
        proc.startError = e.message
        proc.exit ??= { code: null, signal: null }
        resolve()
        proc.poke()
      })
      child.once('close', (code, signal) => {
        proc.exit = { code, signal }
        resolve()
        proc.poke()
      })
    })
    child.stdin?.on('error', () => undefined)
    child.stdout?.on('data', (d: Buffer) => {
      proc.out = Buffer.concat([proc.out, d])
      proc.poke()
    })
    child.stderr?.on('data', (d: Buffer) => {
      proc.err = Buffer.concat([proc.err, d])
      proc.poke()
    })
    child.stdin?.write(`${LOOP}\n`)
    return proc
  }

  private async kill(): Promise<void> {
    const p = this.proc
    this.proc = undefined
    if (p === undefined || p.exit !== undefined) return
    p.child.stdin?.end()
    signal(p, 'SIGTERM')
    const t = setTimeout(() => signal(p, 'SIGKILL'), KILL_GRACE_MS)
    await p.exited
    clearTimeout(t)
  }

  private async runLine(line: string, o: ContainerLineOptions): Promise<ContainerLineResult> {
    const begin = performance.now()
    const result = (fields: Partial<ContainerLineResult>, raw: Raw = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) }): ContainerLineResult => ({
      command: line,
      exitCode: null,
      signal: null,
      stdout: raw.stdout.toString('utf8'),
      stderr: raw.stderr.toString('utf8'),
      durationMs: Math.round(performance.now() - begin),
      timedOut: false,
      aborted: false,
      raw,
      ...fields,
    })
    if (this.closed) return result({ ended: 'the session was closed' })
    if (o.signal?.aborted) return result({ aborted: true, exitCode: 130 })
    let timedOut = false
    let aborted = false
    let stopped: (() => void) | undefined
    const stop = new Promise<void>((resolve) => (stopped = resolve))
    const timer = setTimeout(() => {
      timedOut = true
      stopped?.()
    }, o.timeoutMs)
    const onAbort = (): void => {
      aborted = true
      stopped?.()
    }
    o.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      const fresh = this.proc === undefined || this.proc.exit !== undefined
      if (fresh) this.proc = this.spawn()
      const p = this.proc as Proc
      if (fresh) {
        const hello = await until(p, stop, () => p.out.indexOf(HELLO) >= 0)
        if (hello !== 'ok') return await this.failed(p, hello, { timedOut, aborted }, result, 'the shell did not start')
        p.out = p.out.subarray(p.out.indexOf(HELLO) + HELLO.length)
        p.err = Buffer.alloc(0)
      }
      const mark = `\u001ekubewalk-${randomBytes(12).toString('hex')}`
      const lines = line.split('\n')
      p.child.stdin?.write(`${mark}\n${lines.length}\n${line}\n`)
      const outMark = Buffer.from(`${mark} `)
      const errMark = Buffer.from(`${mark}\n`)
      const done = (): boolean => {
        const at = p.out.indexOf(outMark)
        return at >= 0 && p.out.indexOf(0x0a, at) >= 0 && p.err.indexOf(errMark) >= 0
      }
      const how = await until(p, stop, done)
      if (how !== 'ok') return await this.failed(p, how, { timedOut, aborted }, result)
      const at = p.out.indexOf(outMark)
      const nl = p.out.indexOf(0x0a, at)
      const status = Number(p.out.subarray(at + outMark.length, nl).toString('latin1'))
      const stdout = p.out.subarray(0, at)
      const eAt = p.err.indexOf(errMark)
      const stderr = p.err.subarray(0, eAt)
      p.out = p.out.subarray(nl + 1)
      p.err = p.err.subarray(eAt + errMark.length)
      return result({ exitCode: status }, { stdout, stderr })
    } finally {
      clearTimeout(timer)
      o.signal?.removeEventListener('abort', onAbort)
    }
  }

  /** The line did not finish: the shell ended (an `exit`, kubectl failed), or it was stopped and is killed. */
  private async failed(
    p: Proc,
    how: 'ended' | 'stopped',
    flags: { timedOut: boolean; aborted: boolean },
    result: (f: Partial<ContainerLineResult>, raw?: Raw) => ContainerLineResult,
    what = 'the line',
  ): Promise<ContainerLineResult> {
    if (how === 'stopped') await this.kill()
    else this.proc = undefined
    await p.exited
    const raw = { stdout: p.out, stderr: p.err }
    const exit = p.exit ?? { code: null, signal: null }
    const ended =
      how === 'stopped'
        ? `${what} was ${flags.timedOut ? 'stopped at its timeout' : 'interrupted'}: the shell in ${containerLabel(this.o.target)} was killed, and the next line there opens a new one`
        : p.startError !== undefined
          ? `the shell in ${containerLabel(this.o.target)} could not be started: ${p.startError}`
          : `the shell in ${containerLabel(this.o.target)} ended (${exit.code !== null ? `exit code ${exit.code}` : `signal ${exit.signal}`})`
    return result({ exitCode: how === 'stopped' ? null : exit.code, signal: exit.signal, ...flags, ended }, raw)
  }
}

/** Waits until `ready()` holds, the process ends, or `stop` settles. */
async function until(p: Proc, stop: Promise<void>, ready: () => boolean): Promise<'ok' | 'ended' | 'stopped'> {
  let stopped = false
  void stop.then(() => {
    stopped = true
    p.poke()
  })
  for (;;) {
    if (ready()) return 'ok'
    if (stopped) return 'stopped'
    if (p.exit !== undefined) return 'ended'
    await new Promise<void>((resolve) => (p.poke = resolve))
  }
}

function signal(p: Proc, sig: NodeJS.Signals): void {
  const pid = p.child.pid
  if (pid === undefined) return
  try {
    process.kill(-pid, sig)
  } catch {
    // Gone already.
  }
}

/** `exit` or `exit N` alone: the line that ends a container's shell (the session closes; nothing is run). */
export function endsShell(line: string): boolean {
  return /^\s*exit(?:\s+\d+)?\s*;?\s*$/.test(line)
}

/** A run's sessions, one per container, each opened at its first line and kept until ended or closed. */
export class ContainerSessions {
  private readonly sessions = new Map<string, ContainerSession>()

  constructor(private readonly make: (target: ContainerTarget) => ContainerSession) {}

  /** The session in `target`, opened (lazily: its shell starts at its first line) if there is none. */
  get(target: ContainerTarget): ContainerSession {
    const key = containerLabel(target)
    let s = this.sessions.get(key)
    if (s === undefined) {
      s = this.make(target)
      this.sessions.set(key, s)
    }
    return s
  }

  /** Whether a session in `target` is open. */
  has(target: ContainerTarget): boolean {
    return this.sessions.has(containerLabel(target))
  }

  /** Ends the session in `target` (an `exit` line): the next line there opens a new shell. */
  async end(target: ContainerTarget): Promise<void> {
    const key = containerLabel(target)
    const s = this.sessions.get(key)
    this.sessions.delete(key)
    await s?.close()
  }

  /** Ends every session (the run's end, a reset). */
  async close(): Promise<void> {
    const all = [...this.sessions.values()]
    this.sessions.clear()
    await Promise.all(all.map((s) => s.close()))
  }
}
