// The guard in the kubewalk process: the run's `kubectl` function asks it over a loopback socket (bash's
// /dev/tcp) instead of starting node for the hook, which costs a process start (~100 ms) on every changing
// call. It decides with call.mjs, as the hook does; the real call runs in the shell with the line's own
// streams; what the call created is read back after the shell has gone on (the next check, the Pod waits
// and the cleanup wait for it). Fields are NUL-terminated; the first is the run's token, so no other
// process on the machine can ask.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { closeSync, constants, lstatSync, mkdirSync, openSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer, type Server, type Socket } from 'node:net'
import { delimiter, isAbsolute, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { dryRunsAnswered, readObject, refPath } from '../../platform/direct-read.js'
import { mergedKubeconfig } from '../../platform/kubeconfig.js'
import { mkfifo } from '../../platform/shell.js'
import { directCredentials, type DirectCredentials, PROXY_VARS } from '../../platform/version-probe.js'
import { broken, guardCall, readOnce } from './call.mjs'
import { kubectlView } from './kuberc.mjs'
import { namedRefs } from './named.js'
import { connectionFlags, holdsInput } from './rules.mjs'

/** What the run's function needs to reach the guard, and what the run awaits before it reads the ledger. */
export interface GuardServer {
  port: number
  token: string
  /**
   * Reads ahead what the first changing call of a shell with this environment needs (its kubeconfig's credentials,
   * whether the server answers dry runs), while a line runs; nothing when that is known already.
   */
  warm(env: Record<string, string | undefined>): void
  /** Resolves when no call is running or being recorded (each call's uid read after it ran): before the cleanup. */
  settled(): Promise<void>
  /** Resolves when no call is being recorded; calls still running (a job of a line) are not waited for. */
  recorded(): Promise<void>
  /**
   * With `spareByCaller`: the path of the FIFO the server wants for its first held input, for the caller to make with its
   * own (one process start, not two, while the run starts); then `spareMade()`. Undefined once asked.
   */
  spareWanted(): string | undefined
  /** The wanted FIFO is made (or could not be): the server checks it, and makes one itself if it is not there. */
  spareMade(): void
  close(): Promise<void>
}

const MAX_FIELD = 1 << 20
const MAX_FIELDS = 100_000

/** NUL-terminated fields from a socket, one at a time; rejects when the socket ends first. */
class Fields {
  private buf = Buffer.alloc(0)
  private readonly ready: string[] = []
  private waiting: { resolve: (s: string) => void; reject: (e: Error) => void } | undefined
  private ended = false
  private count = 0

  constructor(private readonly socket: Socket) {
    socket.on('data', (b: Buffer) => this.push(b))
    socket.on('close', () => this.end())
    socket.on('error', () => this.end())
  }

  private push(b: Buffer): void {
    this.buf = Buffer.concat([this.buf, b])
    for (let at = this.buf.indexOf(0); at >= 0; at = this.buf.indexOf(0)) {
      this.ready.push(this.buf.subarray(0, at).toString('utf8'))
      this.buf = this.buf.subarray(at + 1)
      if (++this.count > MAX_FIELDS) return void this.socket.destroy()
    }
    if (this.buf.length > MAX_FIELD) return void this.socket.destroy()
    this.flush()
  }

  private flush(): void {
    if (this.waiting === undefined) return
    const next = this.ready.shift()
    if (next !== undefined) {
      const w = this.waiting
      this.waiting = undefined
      w.resolve(next)
    } else if (this.ended) {
      const w = this.waiting
      this.waiting = undefined
      w.reject(new Error('the shell closed the connection'))
    }
  }

  private end(): void {
    this.ended = true
    this.flush()
  }

  next(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject }
      this.flush()
    })
  }

  async list(): Promise<string[]> {
    const n = Number(await this.next())
    if (!Number.isInteger(n) || n < 0 || n > MAX_FIELDS) throw new Error('a malformed request')
    const out: string[] = []
    for (let i = 0; i < n; i++) out.push(await this.next())
    return out
  }
}

// A read from this process gets a short budget: one that goes unanswered is asked of kubectl, with the full one.
const DIRECT_MS = 2_000

/** A kubeconfig's credentials for reads from this process, and its current context's namespace. */
interface Loaded {
  creds: DirectCredentials
  namespace: string | undefined
}

/**
 * What a run's calls share, each of which costs this thread file reads or requests: a kubeconfig file's credentials
 * while the file is as it was (its inode, size and modification time, and the proxy variables, which decide whether
 * there are any), and whether a server answers dry runs (asked again after a call whose objects it did not read).
 */
class DirectCache {
  private readonly loads = new Map<string, { stamp: string; loaded: Promise<Loaded | undefined> }>()
  private answers = new WeakMap<DirectCredentials, Promise<boolean>>()

  /** The credentials of the kubeconfig at `path` (absolute, one file), read again when it changed. */
  load(path: string, env: Record<string, string | undefined>): Promise<Loaded | undefined> {
    let stamp: string
    try {
      const st = statSync(path, { bigint: true })
      stamp = [st.ino, st.size, st.mtimeNs, ...PROXY_VARS.map((v) => env[v] ?? '')].join('\0')
    } catch {
      return Promise.resolve(undefined)
    }
    const seen = this.loads.get(path)
    if (seen?.stamp === stamp) return seen.loaded
    const loaded = mergedKubeconfig([path]).then(
      async (k) => {
        const name = k['current-context']
        const creds = name !== undefined ? await directCredentials(k, name, env) : undefined
        return creds && { creds, namespace: k.contexts?.find((x) => x.name === name)?.context?.namespace }
      },
      () => undefined,
    )
    this.loads.set(path, { stamp, loaded })
    return loaded
  }

  /**
   * Whether the server answers dry runs (dryRunsAnswered), asked once: a no (a user who may not list webhooks) is kept
   * too, so a run with limited credentials does not ask before every line.
   */
  answered(creds: DirectCredentials, timeoutMs: number): Promise<boolean> {
    const known = this.answers.get(creds)
    if (known !== undefined) return known
    const asked = dryRunsAnswered(creds, timeoutMs)
    this.answers.set(creds, asked)
    return asked
  }

  /** After a call that may have added a webhook: whether each server answers dry runs is asked again. */
  forgetAnswers(): void {
    this.answers = new WeakMap()
  }
}

/**
 * A call's reads from this process (no kubectl start, ~30 ms of a core each) where its kubeconfig allows them: no
 * connection flags on the call, one kubeconfig file (by its absolute path) whose current context holds a CA and a
 * certificate or token and no proxy (directCredentials), built-in kinds only (refPath). `read`: one object (undefined,
 * or an undefined answer, is kubectl's read). `named`: the objects an apply, create or replace from files names, as they
 * stand (namedRefs), when the server would answer its dry run (dryRunsAnswered); undefined sends the guard to the dry run.
 */
function directReader(
  call: readonly string[],
  env: Record<string, string>,
  cwd: string,
  input: Buffer | undefined,
  timeoutMs: number,
  cache: DirectCache,
): Direct | undefined {
  const path = env.KUBECONFIG ?? ''
  if (connectionFlags([...call]).length > 0 || !isAbsolute(path) || path.includes(delimiter)) return undefined
  const ms = Math.min(timeoutMs, DIRECT_MS)
  // Read when first needed: a page's `kubectl config use-context` before this call is seen.
  let loaded: Promise<Loaded | undefined> | undefined
  const load = (): Promise<Loaded | undefined> => (loaded ??= cache.load(path, env))
  const read: GuardReadDirect = async (ref) => {
    const at = refPath(ref)
    if (at === undefined) return undefined
    const l = await load()
    return l === undefined ? undefined : readObject(l.creds, at, ms)
  }
  const named: GuardNamed = async () => {
    const l = await load()
    const refs = l === undefined ? undefined : namedRefs(call, input, cwd, l.namespace)
    // A call whose objects kubewalk does not read itself may add a webhook: whether dry runs are answered is asked again.
    if (refs === undefined) cache.forgetAnswers()
    if (l === undefined || refs === undefined) return undefined
    const [yes, ...now] = await Promise.all([cache.answered(l.creds, ms), ...refs.map(read)])
    if (!yes || now.some((o) => o === undefined)) return undefined
    return refs.map((ref, i) => ({ ref, current: now[i] ?? null }))
  }
  return { read, named }
}

type GuardReadDirect = NonNullable<Parameters<typeof guardCall>[0]['readDirect']>
type GuardNamed = NonNullable<Parameters<typeof guardCall>[0]['named']>
interface Direct {
  read: GuardReadDirect
  named: GuardNamed
}

const field = (...xs: (string | number)[]): string => xs.map((x) => `${x}\0`).join('')

// A held input this size fits an empty pipe's buffer (64 KiB on Linux): written at once, whoever reads it.
const HELD_MAX = 60_000

/** The real call of a held input: started before the verdict, its stdin a FIFO this process fills once the verdict lets it run. */
interface Held {
  path: string
  /** Read-write and non-blocking: the shell's open for reading does not wait for a writer, and a write never blocks this thread. */
  fd: number
  /** Whether the shell has the FIFO open (then closing it is EOF to the call, not an open that waits forever). */
  opened: Promise<boolean>
}

/** The processes reading a held input (the real call, and any wrapper of it): their stdin is the FIFO. Linux's /proc. */
function readersOf(path: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readlinkSync(`/proc/${entry}/fd/0`) === path) pids.push(Number(entry))
    } catch {
      // gone, or not ours to read
    }
  }
  return pids
}

/** The call reading a held input, stopped (SIGKILL) before it read a byte; the shell forks it just after it opened the FIFO. */
async function stopReaders(path: string): Promise<void> {
  for (let i = 0; i < 10; i++) {
    const readers = readersOf(path)
    for (const pid of readers) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // ended meanwhile
      }
    }
    if (readers.length > 0) return
    await sleep(2)
  }
}

/** Writes all of `bytes` to a held input (a full pipe is waited on, up to timeoutMs); false when it could not. */
async function feed(fd: number, bytes: Buffer, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs
  for (let at = 0; at < bytes.length;) {
    try {
      at += writeSync(fd, bytes, at)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN' || performance.now() > deadline) return false
      await sleep(1)
    }
  }
  return true
}

/**
 * Ends a held input. Let run: all of its bytes, then EOF (true). Not let run, or not all written (false): the call is
 * killed before it has read all of it (kubectl reads all of its input before it asks the server anything); one that has
 * not started yet meets EOF, and kubectl with no input changes nothing ("no objects passed").
 */
async function release(held: Held, bytes: Buffer | undefined, timeoutMs: number): Promise<boolean> {
  try {
    if (!(await held.opened)) return false
    if (bytes !== undefined && (await feed(held.fd, bytes, timeoutMs))) return true
    await stopReaders(held.path)
    return false
  } finally {
    closeSync(held.fd)
    rmSync(held.path, { force: true })
  }
}

/**
 * Starts the run's guard on a loopback port; `stateDir` is the folder installGuard wrote. `readTimeoutMs` bounds each
 * of its kubectl reads (the run's command timeout): what it reads back after a line has no line's timeout over it.
 */
export async function startGuardServer(stateDir: string, o: { readTimeoutMs?: number; spareByCaller?: boolean } = {}): Promise<GuardServer> {
  const token = randomBytes(16).toString('hex')
  const cache = new DirectCache()
  // Calls from their 'run' to the end of their record, and records in progress: a record is short (bounded reads),
  // a call may run long (a `kubectl delete` waiting for its Pod, in a job of the line).
  const inFlight = new Set<Promise<void>>()
  const recording = new Set<Promise<void>>()
  // One number per request names both its copied input and its pending marker.
  let requests = 0
  const sockets = new Set<Socket>()
  const pendingDir = join(stateDir, 'pending')
  mkdirSync(pendingDir, { recursive: true })
  mkdirSync(join(stateDir, 'input'), { recursive: true })
  // One FIFO made ahead for the next call whose input is held back (a call never waits for one: it goes the usual way).
  let fifos = 0
  let spare: string | undefined
  const linux = process.platform === 'linux'
  const nextPath = (): string => join(stateDir, 'input', `held${++fifos}`)
  const makeSpare = (): void => {
    if (!linux) return
    const path = nextPath()
    mkfifo([path]).then(
      () => void (spare = path),
      () => undefined,
    )
  }
  // The first one made by the caller with its own FIFOs (one mkfifo start on this thread, not two), or here.
  let wanted = linux && o.spareByCaller === true ? nextPath() : undefined
  let asked: string | undefined
  if (o.spareByCaller !== true) makeSpare()
  const takeFifo = (): string | undefined => {
    const path = spare
    spare = undefined
    return path
  }

  // A call from its 'run' to the end of its record; while it is recorded, a hook started by the shim waits for it (it
  // reads the ledger too), but not while the call runs: the call may be waiting for that hook's own call.
  function track(id: number, ran: Promise<number | undefined>, record: (status: number | undefined) => Promise<void>): void {
    const marker = join(pendingDir, String(id))
    const p = ran.then((status) => {
      writeFileSync(marker, '')
      const r = record(status).finally(() => {
        rmSync(marker, { force: true })
        recording.delete(r)
      })
      recording.add(r)
      return r
    })
    const q = p.finally(() => inFlight.delete(q))
    inFlight.add(q)
  }

  async function serve(socket: Socket): Promise<void> {
    const fields = new Fields(socket)
    const given = Buffer.from(await fields.next())
    if (given.length !== token.length || !timingSafeEqual(given, Buffer.from(token))) return void socket.destroy()
    const cwd = await fields.next()
    const argv = await fields.list()
    // The shell's exported environment (`env -0`), ended by an empty field: the dry runs see what the real call will.
    const env: Record<string, string> = {}
    for (let e = await fields.next(); e !== ''; e = await fields.next()) {
      const at = e.indexOf('=')
      if (at > 0) env[e.slice(0, at)] = e.slice(at + 1)
    }
    // No environment came (no `env` here): the hook, which inherits it, does the work.
    if (Object.keys(env).length === 0) return void socket.end(field('hook'))
    // Earlier calls' records first: whose object it is depends on what they created (a call still running is not waited for).
    while (recording.size > 0) await Promise.all([...recording])
    // `-f -`, `<(…)` and heredocs are the shell's to read: it copies them into the state folder, once; the
    // real call reads stdin from its copy and the others by their copy's path, as the hook's real call does.
    const id = ++requests
    const call = [...argv]
    const copies: { source: string; dest: string }[] = []
    let stdinFile = ''
    for (const [i, f] of readOnce(argv, cwd).entries()) {
      if (f.file === '-') {
        if (stdinFile === '') copies.push({ source: '-', dest: (stdinFile = join(stateDir, 'input', `s${id}-stdin`)) })
        continue
      }
      const dest = join(stateDir, 'input', `s${id}-${i}`)
      call[f.at] = `${f.prefix}${dest}`
      copies.push({ source: f.file, dest })
    }
    if (copies.length > 0) {
      socket.write(field('copy', copies.length, ...copies.flatMap((c) => [c.source, c.dest])))
      if ((await fields.next()) !== 'copied') return void socket.destroy()
    }
    const input = stdinFile !== '' ? await readFile(stdinFile) : undefined
    // Only what changed (a copied file's new path, by index): the shell runs its own "$@" otherwise, byte for byte.
    const changed = call.flatMap((a, i) => (a !== argv[i] ? [i, a] : []))
    const feedMs = o.readTimeoutMs ?? 60_000
    // The call as kubectl will run it under the user's kuberc (an alias expanded, defaults written out): decided on.
    let view: Awaited<ReturnType<typeof kubectlView>>
    try {
      view = await kubectlView({ argv: call, env, cwd, state: stateDir })
    } catch (e) {
      return void socket.end(field('refuse', broken(stateDir, call, e, false)))
    }
    // `apply -f -` and the like start now, their input held back until the verdict: kubectl's start overlaps the dry run.
    const fifo = input !== undefined && input.length <= HELD_MAX && holdsInput(view.argv) ? takeFifo() : undefined
    let held: Held | undefined
    if (fifo !== undefined) {
      const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK)
      socket.write(field('early', fifo, changed.length / 2, ...changed))
      held = {
        path: fifo,
        fd,
        opened: fields.next().then(
          (f) => f === 'opened',
          () => false,
        ),
      }
    }
    // The shell gone before the call ran (Ctrl-C): the check's own kubectl reads stop, and nothing is recorded.
    const gone = new AbortController()
    const onGone = (): void => gone.abort(new Error('the shell closed the connection'))
    socket.once('close', onGone)
    let guard: ReturnType<typeof guardCall>
    let verdict: Awaited<ReturnType<typeof guard.check>>
    try {
      const direct = directReader(view.argv, env, cwd, input, feedMs, cache)
      guard = guardCall({
        state: stateDir,
        call,
        view,
        input,
        env,
        cwd,
        signal: gone.signal,
        ...(o.readTimeoutMs ? { timeoutMs: o.readTimeoutMs } : {}),
        ...(direct !== undefined ? { readDirect: direct.read, named: direct.named } : {}),
      })
      const checking = guard.check()
      // The next spare once the dry run has started: its mkfifo's process start does not hold the dry run back.
      if (held !== undefined) makeSpare()
      verdict = await checking
    } catch (e) {
      if (held !== undefined) await release(held, undefined, feedMs)
      if (!gone.signal.aborted) socket.end(field('refuse', broken(stateDir, call, e, false)))
      return
    } finally {
      socket.off('close', onGone)
    }
    const runs = verdict.refusal === undefined && verdict.failed === undefined
    const fed = held !== undefined && (await release(held, runs ? input : undefined, feedMs))
    if (verdict.refusal !== undefined) return void socket.end(field('refuse', verdict.refusal))
    if (verdict.failed !== undefined) return void socket.end(field('failed', verdict.failed.status, verdict.failed.stderr))
    if (held !== undefined && !fed)
      return void socket.end(field('failed', 1, `kubewalk: the call could not be handed its input within ${feedMs / 1000} s; it did not run\n`))
    // The call runs in the shell from here: it is recorded when the shell says it is done, or is gone (Ctrl-C).
    const ran = (async (): Promise<number | undefined> => {
      if ((await fields.next()) !== 'done') return undefined
      const rc = Number(await fields.next())
      return Number.isInteger(rc) ? rc : undefined
    })().catch(() => undefined)
    // A failure to record is in the refusals file (broken), for the run to report with the next line.
    track(id, ran, (status) => guard.record(status).catch((e: unknown) => void broken(stateDir, call, e, true)))
    socket.write(held !== undefined ? field('go') : field('run', stdinFile, changed.length / 2, ...changed))
    await ran
    socket.end()
  }

  const server: Server = createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => {})
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    serve(socket).catch(() => socket.destroy())
  })
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const a = server.address()
      resolve(typeof a === 'object' && a !== null ? a.port : 0)
    })
  })
  server.unref()
  return {
    port,
    token,
    warm(env) {
      const path = env.KUBECONFIG ?? ''
      if (!isAbsolute(path) || path.includes(delimiter)) return
      cache.load(path, env).then(
        (l) => void (l !== undefined ? cache.answered(l.creds, DIRECT_MS).catch(() => undefined) : undefined),
        () => undefined,
      )
    },
    async settled() {
      while (inFlight.size > 0) await Promise.all([...inFlight])
    },
    async recorded() {
      while (recording.size > 0) await Promise.all([...recording])
    },
    spareWanted() {
      asked = wanted
      wanted = undefined
      return asked
    },
    spareMade() {
      const path = asked
      asked = undefined
      if (path === undefined) return
      try {
        if (lstatSync(path).isFIFO()) return void (spare = path)
      } catch {
        // not there: made here
      }
      makeSpare()
    },
    async close() {
      // A shell that never said it was done (a job still running at the end) is gone by now: its call is recorded.
      const closed = new Promise<void>((r) => server.close(() => r()))
      for (const s of sockets) s.destroy()
      await closed
      while (inFlight.size > 0) await Promise.all([...inFlight])
    },
  }
}
