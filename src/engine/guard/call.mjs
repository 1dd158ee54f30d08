// @ts-check
// The guard's check of one changing kubectl call, wherever it runs: in the hook (a node process the
// shim starts for a child process's call) or in the kubewalk process itself (the run's shell asks it
// over a loopback socket, with no process start). It asks the server what the call would touch (the
// same argv as a server dry run, or a `get` of what the argv names), refuses a change to an object that
// is not this run's, saves the state of a declared change first, and, once the real call has run,
// writes what it created and deleted to the ledger. Plain JavaScript, like rules.mjs.
import { spawn } from 'node:child_process'
import { appendFileSync, existsSync, mkdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { basename, delimiter, dirname, isAbsolute, join, relative, resolve } from 'node:path'
import {
  CREATES_OR_DELETES,
  matches,
  classify,
  connectionFlags,
  decide,
  dryRunArgv,
  fileArgs,
  flagValue,
  nameOf,
  noDryRun,
  objectsOf,
  refOf,
  refusalMessage,
  restorable,
  selectionArgv,
} from './rules.mjs'

/** A verdict on an object that is the run's: it made it, or it stands in a namespace or on a lab the run made. */
const isRuns = (v) => v.why === 'own' || v.why === 'namespace' || v.why === 'lab'

/**
 * The file arguments the call reads once and the guard must copy first, so the dry run and the real call
 * read the same bytes: `-` (stdin), and anything that is not a regular file or folder (`<(…)`, a FIFO).
 * A `/dev/fd/N` path is always copied: it names the caller's descriptor, not the reader's.
 */
export function readOnce(argv, cwd) {
  return fileArgs(argv).filter((f) => {
    if (f.file === '-') return true
    if (/^\/(?:dev|proc\/self)\/fd\//.test(f.file)) return true
    try {
      const st = statSync(resolve(cwd, f.file))
      return !(st.isFile() || st.isDirectory())
    } catch {
      return false
    }
  })
}

/** The kubeconfig files a `kubectl config` call may write: its --kubeconfig, else each of KUBECONFIG's, else ~/.kube/config. */
export function kubeconfigFiles(argv, env, cwd) {
  const given = flagValue(argv, ['--kubeconfig'])
  const list = given !== undefined ? [given] : (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p !== '')
  const files = list.length > 0 ? list : [join(env.HOME ?? homedir(), '.kube', 'config')]
  return [...new Set(files.map((f) => resolve(cwd ?? '.', f)))]
}

/** Whether `file` is inside `dir`, as the file system resolves both (a symlinked temporary folder included). */
function within(dir, file) {
  const real = (p) => {
    try {
      return realpathSync(p)
    } catch {
      return p
    }
  }
  // A file not made yet: its folder's real path.
  const f = existsSync(file) ? real(file) : join(real(dirname(file)), basename(file))
  const rel = relative(real(dir), f)
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)
}

/** The state folder's kubeconfig and context a call used, for the ledger. */
function whereOf(call, env) {
  const kubeconfig = flagValue(call, ['--kubeconfig']) ?? env.KUBECONFIG
  const context = flagValue(call, ['--context'])
  return { ...(kubeconfig ? { kubeconfig } : {}), ...(context ? { context } : {}) }
}

/** kubectl's words for a server it could not reach. */
const UNREACHABLE =
  /Unable to connect to the server|connection refused|connection reset|i\/o timeout|no such host|TLS handshake timeout|unexpected EOF/

/**
 * A guard for one run's state folder: `check` before the real call, `record` after it.
 * `env` and `cwd` are the caller's (the line's shell): the dry runs see the same kubeconfig and files.
 * `view`: the call as kubectl will run it under the user's kuberc (kuberc.mjs), decided on and asked in its stead.
 */
export function guardCall({ state, call, input, env: callEnv, cwd, signal, timeoutMs, readDirect, named, view }) {
  const config = JSON.parse(readFileSync(join(state, 'guard.json'), 'utf8'))
  const real = config.realKubectl
  const argv = view?.argv ?? call
  const env = view?.env ?? callEnv

  /** Runs the real kubectl quietly (dry runs and reads), with the call's buffered stdin if it reads one. */
  // A caller gone (Ctrl-C in the shell that asked) stops them: `signal` kills the read and the check rejects.
  function quiet(args, stdin) {
    return new Promise((done, fail) => {
      if (signal?.aborted) return fail(signal.reason)
      // Bounded where no line's timeout bounds it (the kubewalk process reads back after the line): a server that stops
      // answering must not hold the run.
      const child = spawn(real, args, { env, cwd, signal, timeout: timeoutMs, stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] })
      const out = []
      const err = []
      child.stdout.on('data', (b) => out.push(b))
      child.stderr.on('data', (b) => err.push(b))
      child.on('error', (e) => (signal?.aborted ? fail(signal.reason) : done({ status: 1, stdout: '', stderr: String(e) })))
      child.on('close', (code, killed) =>
        done({
          status: code ?? 1,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          timedOut: timeoutMs !== undefined && killed !== null,
        }),
      )
      if (stdin !== undefined) child.stdin?.on('error', () => {}).end(stdin)
    })
  }

  const noAnswer = () => new Error(`the server did not answer a read within ${timeoutMs / 1000} s`)

  function ledgerLine(entry) {
    appendFileSync(join(state, 'ledger.jsonl'), `${JSON.stringify({ ...entry, at: new Date().toISOString() })}\n`)
  }

  function ownUids() {
    const file = join(state, 'ledger.jsonl')
    if (!existsSync(file)) return []
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l))
      .filter((e) => e.type === 'created' && e.uid)
      .map((e) => e.uid)
  }

  function refused(message, ref) {
    const entry = { type: 'refusal', message, argv: call, ...(ref ? { object: ref } : {}) }
    ledgerLine(entry)
    appendFileSync(join(state, 'refusals'), `${JSON.stringify(entry)}\n`)
    return { refusal: message }
  }

  const c = classify(argv)
  const where = whereOf(argv, env)
  const conn = connectionFlags(argv)

  /** The objects as they stand now, by identity (null where there is none), each namespace read in one `get`. */
  async function current(refs, { strict = false } = {}) {
    const found = []
    const groups = new Map()
    for (const r of refs) if (!r.generated && !r.fresh) groups.set(r.namespace ?? '', [...(groups.get(r.namespace ?? '') ?? []), r])
    const reads = [...groups].map(async ([ns, rs]) => {
      // From the kubewalk process where it can (server.ts): each object by its API path, with no kubectl start.
      const direct = readDirect === undefined ? [] : await Promise.all(rs.map((x) => readDirect(x)))
      if (direct.length > 0 && direct.every((o) => o !== undefined)) {
        for (const o of direct) if (o !== null) found.push(o)
        return
      }
      const read = (names) => quiet([...conn, 'get', ...(ns ? ['-n', ns] : []), ...names, '-o', 'json', '--ignore-not-found'])
      const r = await read(rs.map(nameOf))
      // A kind the server does not know yet (a CRD the same apply creates): read each alone.
      const results = r.status === 0 || r.timedOut ? [r] : await Promise.all(rs.map((x) => read([nameOf(x)])))
      // No answer is not "not there": the check fails closed, the record says it could not read.
      for (const one of results) if (one.timedOut) throw noAnswer()
      // After the call, a server that is away is no answer either (before it, the call itself meets it, in kubectl's words).
      for (const one of results)
        if (strict && one.status !== 0 && UNREACHABLE.test(one.stderr)) throw new Error(`could not read it back: ${one.stderr.trim().split('\n')[0]}`)
      for (const one of results) found.push(...objectsOf(one.stdout))
    })
    await Promise.all(reads)
    // A ref without a namespace (a client-side dry run leaves it to kubectl) matches in whatever namespace kubectl read.
    const same = (o, ref) => {
      const f = refOf(o)
      return f.kind === ref.kind && f.group === ref.group && f.name === ref.name && (ref.namespace === undefined || f.namespace === ref.namespace)
    }
    return refs.map((ref) => ({ ref, current: ref.generated || ref.fresh ? null : (found.find((o) => same(o, ref)) ?? null) }))
  }

  async function selection() {
    const sel = selectionArgv(argv, c)
    if (sel === undefined) return { targets: [] }
    const r = await quiet(sel, input)
    if (r.timedOut) throw noAnswer()
    if (r.status !== 0) return { failed: { status: r.status, stderr: r.stderr } }
    return { targets: objectsOf(r.stdout).map((o) => ({ ref: refOf(o), current: o })) }
  }

  const listOf = async (r) => {
    const kind = `${r.kind.toLowerCase()}${r.group ? `.${r.group}` : ''}`
    const got = await quiet([...conn, 'get', ...(r.namespace ? ['-n', r.namespace] : []), kind, '-o', 'json'])
    if (got.timedOut) throw noAnswer()
    return objectsOf(got.stdout)
  }

  let targets = []
  let before = new Map()

  /**
   * Before the real call: `{ refusal }` (it must not run), `{ failed }` (what it names cannot be read: the
   * caller exits with that status and stderr, as the call would), or `{}` (run it).
   */
  async function check() {
    // `kubectl config set-…`: kubectl writes a kubeconfig file, not the cluster. The run's own copy and what the run
    // made are the page's to change; a kubeconfig of the user's (by --kubeconfig, KUBECONFIG, ~/.kube/config) is not.
    if (c.how === 'kubeconfig') {
      const outside = kubeconfigFiles(argv, env, cwd).filter((f) => !within(dirname(resolve(state)), f))
      if (outside.length > 0)
        return refused(
          `kubewalk: refused: \`kubectl config ${c.sub}\` would write ${outside.join(', ')}, a kubeconfig that is not the run's; kubewalk lets a page change only the run's own copy (the KUBECONFIG it set) and files the page made`,
        )
      return {}
    }
    let unanswered = false
    /** @type {ReturnType<typeof decide> | undefined} */
    let decision
    // The objects the call's input names, read by the caller's process (server.ts): when each is new or the run's, the
    // call may run with no dry run; any other answer (or none) is the server dry run's to give, as before.
    const known = c.how === 'dry-json' && named !== undefined ? await named() : undefined
    const quick = known === undefined ? undefined : decide(known, { ...config.mode, ownUids: ownUids() })
    if (known !== undefined && quick?.verdicts.every((v) => v.action === 'allow')) {
      targets = known
      decision = quick
    } else if (c.how === 'dry-json') {
      const r = await quiet(dryRunArgv(argv, true), input)
      if (r.status === 0) {
        const dried = objectsOf(r.stdout)
        const declared = (o) => config.mode.allow.some((p) => matches(p, refOf(o)))
        if (!CREATES_OR_DELETES.includes(c.verb ?? '') && dried.every((o) => o.metadata?.uid && !declared(o))) {
          // A verb that only changes existing objects: the dry run's answer carries their real uid, no read needed
          // (a declared change still reads the object, to keep its state before the change).
          targets = dried.map((o) => ({ ref: refOf(o), current: o }))
        } else {
          // Only `create` honours generateName: the server will choose another name than the dry run's.
          // An object the dry run would create has no resourceVersion in its answer (a stored one always has):
          // nothing stands there to read, so only the others are read (one kubectl start less for a new object).
          targets = await current(
            dried.map((o) => ({
              ...refOf(o),
              ...(c.verb === 'create' && o.metadata?.generateName ? { generated: String(o.metadata.generateName) } : {}),
              ...(o.metadata?.resourceVersion ? {} : { fresh: true }),
            })),
          )
        }
        if (argv.includes('--prune') || argv.some((a) => a.startsWith('--prune='))) {
          // Pruned objects print only in kubectl's own lines: `kind/name pruned (server dry run)`.
          const p = await quiet(dryRunArgv(argv, false), input)
          const pruned = [...p.stdout.matchAll(/^(\S+?)\/(\S+) pruned\b/gm)].map((m) => `${m[1]}/${m[2]}`)
          if (pruned.length > 0) {
            const ns = flagValue(argv, ['-n', '--namespace'])
            const g = await quiet([...conn, ...(ns ? ['-n', ns] : []), 'get', ...pruned, '-o', 'json', '--ignore-not-found'])
            targets.push(...objectsOf(g.stdout).map((o) => ({ ref: refOf(o), current: o })))
          }
        }
      } else if (noDryRun(r.stderr)) {
        unanswered = true
        const client = await quiet([...argv.filter((a) => !a.startsWith('--dry-run')), '--dry-run=client', '-o', 'json'], input)
        const objs = objectsOf(client.stdout)
        if (objs.length === 0)
          return refused(
            `kubewalk: refused: the server cannot dry-run this change (${r.stderr.trim().split('\n')[0]}), so kubewalk cannot tell what it would change`,
          )
        targets = await current(objs.map(refOf))
      } else if (/AlreadyExists|already exists/.test(r.stderr) && ['create', 'run', 'expose', 'autoscale'].includes(c.verb ?? '')) {
        // The real call meets the same answer and changes nothing: let kubectl say so in its own words.
      } else {
        // Another failure (a namespace or CRD the same manifest creates, an invalid field): what the call names,
        // from a client-side dry run, is checked all the same; a call that names nothing fails on its own.
        const client = await quiet([...argv.filter((a) => !a.startsWith('--dry-run')), '--dry-run=client', '-o', 'json'], input)
        targets = await current(objectsOf(client.stdout).map(refOf))
      }
    } else if (c.how === 'dry-select' || c.how === 'select') {
      const s = await selection()
      if (s.failed) return { failed: s.failed }
      targets = s.targets
      decision = decide(targets, { ...config.mode, ownUids: ownUids() })
      // The server's dry run only tells whether it can answer one (an admission webhook without dry-run support),
      // which matters only for an object that is not the run's: a delete of the run's own object needs none.
      if (c.how === 'dry-select' && !decision.verdicts.every(isRuns)) {
        const r = await quiet(dryRunArgv(argv, false), input)
        if (r.status !== 0 && noDryRun(r.stderr)) unanswered = true
      }
    }

    // A selection has been decided already (one read of the ledger for the run's uids); a dry run's targets are here.
    const { verdicts, refusal } = decision ?? decide(targets, { ...config.mode, ownUids: ownUids() })
    if (unanswered) {
      // The server cannot say what the call would do: only the run's own objects may be touched.
      const other = verdicts.find((v) => !isRuns(v))
      if (other !== undefined)
        return refused(
          refusalMessage(other.ref, "cannot be dry-run by the server (an admission webhook without dry-run support) and is not this run's"),
          other.ref,
        )
    }
    if (refusal !== undefined) return refused(refusal, verdicts.find((v) => v.action === 'refuse')?.ref)

    // A declared change: keep the object as it was, once per object, for the restore.
    for (const v of verdicts) {
      if (v.action !== 'record') continue
      const t = targets.find((x) => x.ref === v.ref)
      const uid = t?.current?.metadata?.uid
      if (!t?.current || !uid) continue
      mkdirSync(join(state, 'before'), { recursive: true })
      const file = join(state, 'before', `${uid}.json`)
      if (existsSync(file)) continue
      writeFileSync(file, `${JSON.stringify(restorable(t.current), null, 2)}\n`)
      ledgerLine({ type: 'changed', ...v.ref, uid, file, verb: c.verb, deleting: c.verb === 'delete', ...where })
    }

    // generateName: the dry run's name is not the one the server will choose; what is new afterwards is.
    const generated = targets.filter((t) => t.ref.generated)
    before = new Map(await Promise.all(generated.map(async (t) => [t.ref, new Set((await listOf(t.ref)).map((o) => o.metadata?.uid))])))
    return {}
  }

  /**
   * After the real call (whatever its status, even cut short): what it created and deleted, read again from
   * the server: new objects (a uid not there before, so `replace --force` and re-creations count) and objects
   * gone or being deleted. `status` is the call's exit status, when known: a `delete` that exited 0 deleted every
   * object it named (kubectl fails the call on any it could not), so nothing needs reading back.
   */
  async function record(status) {
    if (!CREATES_OR_DELETES.includes(c.verb ?? '')) return
    if (c.verb === 'delete' && status === 0) {
      for (const t of targets) if (t.current) ledgerLine({ type: 'deleted', ...refOf(t.current), verb: c.verb, ...where })
      return
    }
    const generated = targets.filter((t) => t.ref.generated)
    const plain = targets.filter((t) => !t.ref.generated)
    const [after, lists] = await Promise.all([
      current(
        plain.map(({ ref: { fresh: _, ...ref } }) => ref),
        { strict: true },
      ),
      Promise.all(generated.map((t) => listOf(t.ref))),
    ])
    plain.forEach((t, i) => {
      const was = t.current
      const now = after[i]?.current ?? null
      if (was !== null && (now === null || now.metadata?.uid !== was.metadata?.uid || now.metadata?.deletionTimestamp))
        ledgerLine({ type: 'deleted', ...refOf(was), verb: c.verb, ...where })
      if (now !== null && now.metadata?.uid !== was?.metadata?.uid) ledgerLine({ type: 'created', ...refOf(now), verb: c.verb, ...where })
    })
    generated.forEach((t, i) => {
      const old = before.get(t.ref) ?? new Set()
      for (const o of lists[i] ?? [])
        if (o.metadata?.generateName === t.ref.generated && !old.has(o.metadata?.uid))
          ledgerLine({ type: 'created', ...refOf(o), verb: c.verb, ...where })
    })
  }

  return { real, check, record }
}

/** A failure of the guard itself, as a refusal (before the call ran) or a notice (after); also in the refusals file. */
export function broken(state, call, e, ran) {
  const why = e instanceof Error ? e.message : String(e)
  // Read back after the line went on, it may be told with a later line: the call names itself.
  const shown = ['kubectl', ...call].join(' ')
  const message = ran
    ? `kubewalk: \`${shown.length > 60 ? `${shown.slice(0, 59)}…` : shown}\` ran, but the guard could not record what it created or deleted (${why})`
    : `kubewalk: refused: the guard could not check this call (${why}); it did not run`
  appendFileSync(join(state, 'refusals'), `${JSON.stringify({ type: 'refusal', message, argv: call })}\n`)
  return message
}
