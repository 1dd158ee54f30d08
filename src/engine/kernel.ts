// One persistent bash per run (a kernel, as Jupyter's bash kernel keeps one shell per notebook): every
// line is written into it, and its output, status and the shell's state come back framed.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fstatSync } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import type { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { StringDecoder } from 'node:string_decoder'
import { KubewalkError, PreconditionError, errorMessage, type CommandEvidence } from '../core/errors.js'
import { ControlReader, type Message } from './kernel/demux.js'
import { FifoPool, type Pair } from './kernel/fifos.js'
import { signalGroup, waitGroups } from './kernel/groups.js'
import { NAME, ackFrame, lineFrame, postFrame, prelude, setFrame, unsetFrame, varsFrame } from './kernel/prelude.js'

/** How the run's shell starts. */
export interface KernelOptions {
  /** Added to kubewalk's own environment. */
  env: Record<string, string | undefined>
  cwd: string
  /** The bash to run (4 or newer); `bash` on PATH by default. */
  bash?: string
  /** How long a line may ignore Ctrl-C (or the timeout) before it is killed with the shell. */
  graceMs?: number
  /**
   * Bash text every shell runs once as it starts, before any line (the guard's `kubectl` function): no line is
   * framed for it, and a shell started again after a line ended one has it too.
   */
  init?: string
  /** Work for this thread while bash starts (module loading), called once bash is spawned. */
  whileStarting?: () => void
  /** FIFOs (mode 0600) for the caller, made with the kernel's first ones (one process start, not two); then `fifosMade`. */
  fifos?: readonly string[]
  fifosMade?: () => void
}

/** How one line runs. */
export interface LineOptions {
  timeoutMs: number
  signal?: AbortSignal
  /** 'inherit' gives the line kubewalk's own stdin; by default it reads /dev/null. */
  stdin?: 'ignore' | 'inherit'
  onOutput?: (stream: 'stdout' | 'stderr', chunk: string) => void
  /** Called once the line is written into the shell: work beside it starts then, not before it. */
  onWritten?: () => void
}

/** A finished line; never thrown. */
export interface LineResult extends CommandEvidence {
  timedOut: boolean
  aborted: boolean
  /** Why this line ran in a new shell (seeded with the run's variables and cwd), when it did. */
  restarted?: string
  /** The line ended the shell (`exit`, `exec`, `set -e` then a failure): nothing it set can be read back. */
  endedShell?: boolean
  /** The output as bytes, for output that is not UTF-8. */
  raw: { stdout: Buffer; stderr: Buffer }
}

/** The run's one shell. Calls are served one at a time, in order. */
export interface Kernel {
  run(line: string, options: LineOptions): Promise<LineResult>
  /** Values of these shell variables now (unset ones absent), read without starting a process. */
  vars(names: readonly string[]): Promise<Record<string, string>>
  /** Exports variables into the shell (seeding, --set values). */
  setVars(vars: Record<string, string>): Promise<void>
  /** Unsets variables in the shell (a step's output variable before its line), with no line framed for it. */
  unsetVars(names: readonly string[]): Promise<void>
  cwd(): Promise<string>
  readonly pid: number
  close(): Promise<void>
}

/** Starts the shell (before the first line, so a missing or old bash is said at once). */
export async function openKernel(options: KernelOptions): Promise<Kernel> {
  const dir = await mkdtemp(join(tmpdir(), 'kubewalk-kernel-'))
  const kernel = new BashKernel(options, dir)
  try {
    await kernel.start()
  } catch (error) {
    await kernel.close()
    throw error
  }
  return kernel
}

const DEFAULT_GRACE_MS = 2_000
/** After Ctrl-C, the report is written again this soon in case the first was lost with the line. */
const RESCUE_MS = 100

/** One bash process. */
interface Shell {
  child: ChildProcess
  pid: number
  alive: boolean
  exit: { code: number | null; signal: string | null }
  waiters: Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>
  stderr: string
  /** Requests waiting for an answer: while there are any, the shell's pipe keeps Node's event loop alive. */
  holds: number
  /** Set when kubewalk itself killed it: why. */
  killed?: string
}

interface Running {
  id: number
  shell: Shell
  pair: Pair
  began: boolean
  interruptOnBegin: boolean
  interrupt?: () => void
  status?: string[]
  out?: Buffer
  err?: Buffer
  finish: () => void
}

class BashKernel implements Kernel {
  private shell: Shell | undefined
  private seq = 0
  private readonly fifos: FifoPool
  private running: Running | undefined
  private readonly exported: Record<string, string> = {}
  private readonly known: Record<string, string> = {}
  private lastCwd: string
  /** Why the next call needs a new shell (the last one ended). */
  private ended: string | undefined
  private queue: Promise<unknown> = Promise.resolve()
  private readonly groups = new Set<number>()
  private closed = false
  private readonly nonce = randomBytes(12).toString('hex')
  private readonly mark = Buffer.from(`\u001e${this.nonce}:`, 'latin1')

  constructor(
    private readonly o: KernelOptions,
    private readonly dir: string,
  ) {
    this.lastCwd = o.cwd
    this.fifos = new FifoPool(dir)
  }

  get pid(): number {
    return this.shell?.pid ?? 0
  }

  run(line: string, options: LineOptions): Promise<LineResult> {
    return this.serial(() => this.runLine(line, options))
  }

  vars(names: readonly string[]): Promise<Record<string, string>> {
    return this.serial(async () => {
      checkNames(names)
      const shell = await this.ready()
      const m = await this.request(shell, (id) => varsFrame(names, id))
      const values: Record<string, string> = {}
      for (let i = 0; i + 1 < m.fields.length; i += 2) values[m.fields[i] as string] = m.fields[i + 1] as string
      for (const name of names) {
        if (name in values) this.known[name] = values[name] as string
        else delete this.known[name]
      }
      return values
    })
  }

  setVars(vars: Record<string, string>): Promise<void> {
    return this.serial(async () => {
      checkNames(Object.keys(vars))
      const shell = await this.ready()
      await this.request(shell, (id) => setFrame(vars, true, id))
      Object.assign(this.exported, vars)
      Object.assign(this.known, vars)
    })
  }

  unsetVars(names: readonly string[]): Promise<void> {
    return this.serial(async () => {
      checkNames(names)
      const shell = await this.ready()
      await this.request(shell, (id) => unsetFrame(names, id))
      for (const name of names) {
        delete this.exported[name]
        delete this.known[name]
      }
    })
  }

  cwd(): Promise<string> {
    return this.serial(async () => {
      const shell = await this.ready()
      const m = await this.request(shell, (id) => ackFrame(id))
      this.lastCwd = m.fields[0] ?? this.lastCwd
      return this.lastCwd
    })
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    // An interactive bash ignores SIGTERM but ends at the end of its input (at once when idle, else after
    // its line); jobs get a moment to end on SIGTERM, then everything goes.
    this.shell?.child.stdin?.end()
    for (const g of this.groups) signalGroup(g, 'SIGTERM')
    // The shell reaped first: a group whose leader is a zombie still answers kill(0), and the /proc scan that tells them apart costs ~20 ms.
    if (this.shell?.alive) await exitOf(this.shell.child, 300)
    await waitGroups(this.groups, 300)
    for (const g of this.groups) signalGroup(g, 'SIGKILL')
    await waitGroups(this.groups, 2_000)
    this.shell?.child.stdio.forEach((s) => (s as Socket | null)?.destroy())
    await this.fifos.close()
    await rm(this.dir, { recursive: true, force: true })
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(() => {
      if (this.closed) throw new KubewalkError('E_KERNEL', 'The shell was closed; open a new kernel to run more lines.')
      return fn()
    })
    this.queue = next.catch(() => undefined)
    return next
  }

  /** The live shell, a new one (seeded) if the last has ended; the reason it is new, if it is. */
  private async ready(): Promise<Shell> {
    if (this.shell?.alive) return this.shell
    await this.start()
    return this.shell as unknown as Shell
  }

  async start(): Promise<void> {
    if (this.closed) throw new KubewalkError('E_KERNEL', 'The shell was closed; open a new kernel to run more lines.')
    const bash = this.o.bash ?? 'bash'
    const cwd = (await isDir(this.lastCwd)) ? this.lastCwd : this.o.cwd
    const env = Object.fromEntries(
      Object.entries({ ...process.env, ...this.o.env, ...this.exported }).filter((e): e is [string, string] => e[1] !== undefined),
    )
    // The first line's FIFOs are made while bash starts (with the caller's, at the first start: one process start).
    const first = this.shell === undefined
    const made = (): void => void (first && this.o.fifosMade?.())
    this.fifos.prepare(first ? this.o.fifos : undefined).then(made, made)
    const child = spawn(bash, ['--norc', '--noprofile', '-i', '-s'], {
      env,
      cwd,
      // Its own process group: Ctrl-C and the final kill reach the line and its jobs, not kubewalk.
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe', 'pipe', stdinUsable() ? 0 : 'ignore', 'ignore', 'ignore', 'ignore', 'ignore', 'pipe'],
    })
    this.o.whileStarting?.()
    const shell: Shell = {
      child,
      pid: child.pid ?? 0,
      alive: child.pid !== undefined,
      exit: { code: null, signal: null },
      waiters: new Map(),
      stderr: '',
      holds: 0,
    }
    const failed = new Promise<never>((_, reject) =>
      child.once('error', (e) =>
        reject(
          new PreconditionError(`Could not start ${bash}: ${errorMessage(e)}; pass the path of bash 4 or newer with --bash PATH.`, { cause: e }),
        ),
      ),
    )
    failed.catch(() => undefined)
    if (!shell.alive) await failed
    this.shell = shell
    this.groups.add(shell.pid)
    child.stdin?.on('error', () => undefined)
    child.stdout?.resume()
    child.stderr?.setEncoding('utf8').on('data', (d: string) => void (shell.stderr = (shell.stderr + d).slice(-4_000)))
    const control = new ControlReader((m) => this.onMessage(shell, m))
    const controlStream = child.stdio[3] as Socket
    controlStream.on('data', (d: Buffer) => control.feed(d))
    // The watchdog's other end: only this process holds it, so bash's watcher sees EOF when kubewalk dies.
    ;(child.stdio as unknown as Socket[])[9]?.unref()
    child.on('exit', (code, signal) => this.onExit(shell, code, signal))
    child.unref()
    for (const i of [0, 1, 2, 3]) (child.stdio[i] as Socket | null)?.unref()
    const versionMessage = this.expect(shell, 'R', -1)
    const preluded = this.expect(shell, 'A', 0)
    preluded.catch(() => undefined)
    this.write(shell, prelude(this.dir, this.nonce, this.o.init))
    const version = await Promise.race([versionMessage, failed])
    const found = version.fields[0] ?? ''
    if (!/^([4-9]|\d\d)\./.test(found)) {
      shell.killed = 'too old'
      signalGroup(shell.pid, 'SIGKILL')
      throw new PreconditionError(
        `kubewalk needs bash 4 or newer; ${bash} is bash ${found}: install a newer bash and pass its path with --bash PATH.`,
      )
    }
    await Promise.race([preluded, failed])
    const plain = Object.fromEntries(Object.entries(this.known).filter(([k]) => !(k in this.exported)))
    if (Object.keys(plain).length > 0) await this.request(shell, (id) => setFrame(plain, false, id))
  }

  private async runLine(line: string, o: LineOptions): Promise<LineResult> {
    // Stopped before it began: it does not run at all.
    if (o.signal?.aborted) return { ...notRun(line), exitCode: 130, aborted: true }
    const restarted = this.shell !== undefined && !this.shell.alive ? this.ended : undefined
    const shell = await this.ready()
    const pair = await this.fifos.take(this.mark, (p, stream, id, part) => this.onPart(p, stream, id, part))
    const id = ++this.seq
    const begin = performance.now()
    let timedOut = false
    let aborted = false
    const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') }
    if (o.onOutput) {
      const onOutput = o.onOutput
      pair.out.live = (b) => onOutput('stdout', decoders.stdout.write(b))
      pair.err.live = (b) => onOutput('stderr', decoders.stderr.write(b))
    }
    let running!: Running
    const done = new Promise<void>((resolve) => {
      running = { id, shell, pair, began: false, interruptOnBegin: false, finish: resolve }
    })
    this.running = running
    hold(shell, 1)
    const timers: NodeJS.Timeout[] = []
    const interrupt = (): void => {
      signalGroup(shell.pid, 'SIGINT')
      timers.push(setTimeout(() => this.write(shell, postFrame(id, 130)), RESCUE_MS))
      const grace = this.o.graceMs ?? DEFAULT_GRACE_MS
      timers.push(
        setTimeout(() => {
          shell.killed = `the line ignored Ctrl-C and was killed after ${grace} ms; a new shell was started with the run's variables and directory`
          signalGroup(shell.pid, 'SIGKILL')
        }, grace),
      )
    }
    running.interrupt = interrupt
    const stop = (): void => {
      if (running.began) interrupt()
      else running.interruptOnBegin = true
    }
    timers.push(
      setTimeout(() => {
        timedOut = true
        stop()
      }, o.timeoutMs),
    )
    const onAbort = (): void => {
      aborted = true
      stop()
    }
    if (o.signal?.aborted) onAbort()
    else o.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      this.write(shell, lineFrame(line, pair.index, id, o.stdin ?? 'ignore'))
      o.onWritten?.()
      await done
    } finally {
      for (const t of timers) clearTimeout(t)
      o.signal?.removeEventListener('abort', onAbort)
      // A job of this line may go on printing: to this line's onOutput, never into another line's result.
      for (const s of ['out', 'err'] as const) pair[s].retire(o.onOutput && lateOutput(o.onOutput, s === 'out' ? 'stdout' : 'stderr'))
      this.running = undefined
      hold(shell, -1)
    }
    const tail = { stdout: decoders.stdout.end(), stderr: decoders.stderr.end() }
    if (o.onOutput) for (const s of ['stdout', 'stderr'] as const) if (tail[s] !== '') o.onOutput(s, tail[s])
    const stdout = running.out ?? Buffer.alloc(0)
    const stderr = running.err ?? Buffer.alloc(0)
    const result: LineResult = {
      command: line,
      exitCode: null,
      signal: null,
      stdout: stdout.toString('utf8'),
      stderr: stderr.toString('utf8'),
      durationMs: Math.round(performance.now() - begin),
      timedOut,
      aborted,
      raw: { stdout, stderr },
    }
    if (running.status) {
      const [code, cwd] = running.status
      result.exitCode = Number(code)
      if (cwd !== undefined) this.lastCwd = cwd
    } else {
      result.exitCode = shell.exit.code
      result.signal = shell.exit.signal
      result.endedShell = true
      this.ended =
        shell.killed ??
        `the line before ended the shell (${shell.exit.code !== null ? `exit code ${shell.exit.code}` : `signal ${shell.exit.signal}`}); a new shell was started with the run's variables and directory`
      // A stopped line killed after the grace was still stopped: 130, as for one that obeyed Ctrl-C.
      if (shell.killed !== undefined && aborted) result.exitCode = 130
      if (shell.killed !== undefined && !this.closed) {
        // Started now, so the next line finds it ready and this result can say so.
        await this.start()
        result.restarted = this.ended
        return result
      }
    }
    if (restarted !== undefined) result.restarted = restarted
    return result
  }

  private onMessage(shell: Shell, m: Message): void {
    const r = this.running
    if (r !== undefined && r.shell === shell && m.id === r.id && (m.kind === 'B' || m.kind === 'S')) {
      if (m.kind === 'B') {
        r.began = true
        this.fifos.listen(r.pair)
        if (r.interruptOnBegin) r.interrupt?.()
      } else if (r.status === undefined) {
        r.status = m.fields
        // bash wrote the line's output and marks before this answer: read them now rather than wait
        // for their own events (half the wake-ups per line).
        this.fifos.drain(r.pair)
        this.maybeFinish(r)
      }
      return
    }
    const w = shell.waiters.get(m.id)
    if (w === undefined) return
    shell.waiters.delete(m.id)
    w.resolve(m)
  }

  private onPart(pair: Pair, stream: 'out' | 'err', id: number, part: Buffer): void {
    const r = this.running
    if (r === undefined || r.pair !== pair || r.id !== id || r[stream] !== undefined) return
    r[stream] = part
    ;(stream === 'out' ? pair.out : pair.err).live = undefined
    this.maybeFinish(r)
  }

  private maybeFinish(r: Running): void {
    if (r.status !== undefined && r.out !== undefined && r.err !== undefined) r.finish()
  }

  private onExit(shell: Shell, code: number | null, signal: NodeJS.Signals | null): void {
    shell.alive = false
    shell.exit = { code, signal }
    this.ended = `the shell had ended (${code !== null ? `exit code ${code}` : `signal ${signal}`}); a new shell was started with the run's variables and directory`
    for (const w of shell.waiters.values())
      w.reject(
        new KubewalkError('E_KERNEL', `The shell ended (${code ?? signal}) before it answered: ${shell.stderr.trim().split('\n').pop() ?? ''}`),
      )
    shell.waiters.clear()
    const r = this.running
    if (r === undefined || r.shell !== shell || r.status !== undefined) return
    // What the line printed before the shell died is in the FIFOs now; a job may hold them open, so
    // read what is there instead of waiting for an end that may never come.
    this.fifos.drain(r.pair)
    r.out ??= r.pair.out.take()
    r.err ??= r.pair.err.take()
    this.fifos.release(r.pair)
    r.finish()
  }

  private expect(shell: Shell, kind: string, id: number): Promise<Message> {
    hold(shell, 1)
    return new Promise<Message>((resolve, reject) => {
      shell.waiters.set(id, {
        resolve: (m) =>
          m.kind === kind ? resolve(m) : reject(new KubewalkError('E_KERNEL', `The shell answered ${m.kind} where ${kind} was expected.`)),
        reject,
      })
    }).finally(() => hold(shell, -1))
  }

  private async request(shell: Shell, frame: (id: number) => string): Promise<Message> {
    const id = ++this.seq
    const answer = new Promise<Message>((resolve, reject) => shell.waiters.set(id, { resolve, reject }))
    hold(shell, 1)
    this.write(shell, frame(id))
    try {
      return await answer
    } finally {
      hold(shell, -1)
    }
  }

  private write(shell: Shell, text: string): void {
    if (shell.alive) shell.child.stdin?.write(text)
  }
}

/** Resolves when the child has exited (and been reaped), or after ms. */
function exitOf(child: ChildProcess, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

function notRun(line: string): LineResult {
  return {
    command: line,
    exitCode: null,
    signal: null,
    stdout: '',
    stderr: '',
    durationMs: 0,
    timedOut: false,
    aborted: false,
    raw: { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) },
  }
}

function lateOutput(onOutput: NonNullable<LineOptions['onOutput']>, stream: 'stdout' | 'stderr'): (chunk: Buffer) => void {
  const decoder = new StringDecoder('utf8')
  return (chunk) => onOutput(stream, decoder.write(chunk))
}

function hold(shell: Shell, delta: number): void {
  shell.holds += delta
  const control = shell.child.stdio[3] as Socket
  if (shell.holds > 0) control.ref()
  else control.unref()
}

function checkNames(names: readonly string[]): void {
  const bad = names.find((n) => !NAME.test(n))
  if (bad !== undefined)
    throw new KubewalkError('E_KERNEL', `${JSON.stringify(bad)} is not a shell variable name: use letters, digits and _, not starting with a digit.`)
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false
}

function stdinUsable(): boolean {
  try {
    fstatSync(0)
    return true
  } catch {
    return false
  }
}
