// @ts-check
// The guard's slow path: run by the kubectl shim or function (node hook.mjs ARGV...) for a call whose
// verb changes objects. It asks the server what the call would touch (the same argv as a server dry
// run, or a `get` of what the argv names), refuses (exit 2, one line on stderr, a line in the state
// dir's `refusals`) a change to an object that is not this run's, saves the state of a declared change
// first, runs the real kubectl with the original argv, and writes what was created and deleted to the
// ledger. The read-only path never gets here: the shim's `case` runs the real kubectl at once.
import { spawnSync } from 'node:child_process'
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
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

const state = process.env.KUBEWALK_GUARD_STATE ?? ''
// Any failure of the guard itself fails the step as a refusal: before the real call, the call does not
// run; after it, what it created may be missing from the ledger, and the message says so.
let ran = false
process.on('uncaughtException', (e) => {
  const why = e instanceof Error ? e.message : String(e)
  const message = ran
    ? `kubewalk: the call ran, but the guard could not record what it created or deleted (${why})`
    : `kubewalk: refused: the guard could not check this call (${why}); it did not run`
  process.stderr.write(`${message}\n`)
  try {
    appendFileSync(join(state, 'refusals'), `${JSON.stringify({ type: 'refusal', message, argv: process.argv.slice(2) })}\n`)
  } finally {
    process.exit(2)
  }
})
const config = JSON.parse(readFileSync(join(state, 'guard.json'), 'utf8'))
const real = config.realKubectl
const argv = process.argv.slice(2)

/** Runs the real kubectl quietly (dry runs and reads), with the call's buffered stdin if it reads one. */
function quiet(args, input) {
  const r = spawnSync(real, args, {
    input,
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  })
  return { status: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error ? String(r.error) : '') }
}

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

function refuse(message, ref) {
  process.stderr.write(`${message}\n`)
  const entry = { type: 'refusal', message, argv, ...(ref ? { object: ref } : {}) }
  ledgerLine(entry)
  appendFileSync(join(state, 'refusals'), `${JSON.stringify(entry)}\n`)
  process.exit(2)
}

// `-f -`, `<(…)` and heredocs are read once: the same bytes go to the dry run and to the real call.
let input
const call = [...argv]
let n = 0
for (const f of fileArgs(argv)) {
  if (f.file === '-') {
    input ??= readFileSync(0)
    continue
  }
  let st
  try {
    st = statSync(f.file)
  } catch {
    continue
  }
  if (st.isFile() || st.isDirectory()) continue
  mkdirSync(join(state, 'input'), { recursive: true })
  const copy = join(state, 'input', `${process.pid}-${n++}`)
  writeFileSync(copy, readFileSync(f.file))
  call[f.at] = `${f.prefix}${copy}`
}

const c = classify(call)
const where = {
  ...((flagValue(call, ['--kubeconfig']) ?? process.env.KUBECONFIG)
    ? { kubeconfig: flagValue(call, ['--kubeconfig']) ?? process.env.KUBECONFIG }
    : {}),
  ...(flagValue(call, ['--context']) ? { context: flagValue(call, ['--context']) } : {}),
}
const conn = connectionFlags(call)

/** The objects as they stand now, by identity (null where there is none), each namespace read in one `get`. */
function current(refs) {
  const found = []
  const groups = new Map()
  for (const r of refs) if (!r.generated && !r.fresh) groups.set(r.namespace ?? '', [...(groups.get(r.namespace ?? '') ?? []), r])
  for (const [ns, rs] of groups) {
    const read = (names) => quiet([...conn, 'get', ...(ns ? ['-n', ns] : []), ...names, '-o', 'json', '--ignore-not-found'])
    const r = read(rs.map(nameOf))
    // A kind the server does not know yet (a CRD the same apply creates): read each alone.
    const results = r.status === 0 ? [r] : rs.map((x) => read([nameOf(x)]))
    for (const one of results) found.push(...objectsOf(one.stdout))
  }
  // A ref without a namespace (a client-side dry run leaves it to kubectl) matches in whatever namespace kubectl read.
  const same = (o, ref) => {
    const f = refOf(o)
    return f.kind === ref.kind && f.group === ref.group && f.name === ref.name && (ref.namespace === undefined || f.namespace === ref.namespace)
  }
  return refs.map((ref) => ({ ref, current: ref.generated || ref.fresh ? null : (found.find((o) => same(o, ref)) ?? null) }))
}

function selection() {
  const sel = selectionArgv(call, c)
  if (sel === undefined) return []
  const r = quiet(sel, input)
  if (r.status !== 0) {
    process.stderr.write(r.stderr)
    process.exit(r.status)
  }
  return objectsOf(r.stdout).map((o) => ({ ref: refOf(o), current: o }))
}

let targets = []
let unanswered = false
if (c.how === 'dry-json') {
  const r = quiet(dryRunArgv(call, true), input)
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
      targets = current(
        dried.map((o) => ({
          ...refOf(o),
          ...(c.verb === 'create' && o.metadata?.generateName ? { generated: String(o.metadata.generateName) } : {}),
          ...(o.metadata?.resourceVersion ? {} : { fresh: true }),
        })),
      )
    }
    if (call.includes('--prune') || call.some((a) => a.startsWith('--prune='))) {
      // Pruned objects print only in kubectl's own lines: `kind/name pruned (server dry run)`.
      const p = quiet(dryRunArgv(call, false), input)
      const pruned = [...p.stdout.matchAll(/^(\S+?)\/(\S+) pruned\b/gm)].map((m) => `${m[1]}/${m[2]}`)
      if (pruned.length > 0) {
        const g = quiet([
          ...conn,
          ...(flagValue(call, ['-n', '--namespace']) ? ['-n', flagValue(call, ['-n', '--namespace'])] : []),
          'get',
          ...pruned,
          '-o',
          'json',
          '--ignore-not-found',
        ])
        targets.push(...objectsOf(g.stdout).map((o) => ({ ref: refOf(o), current: o })))
      }
    }
  } else if (noDryRun(r.stderr)) {
    unanswered = true
    const client = quiet([...call.filter((a) => !a.startsWith('--dry-run')), '--dry-run=client', '-o', 'json'], input)
    const objs = objectsOf(client.stdout)
    if (objs.length === 0)
      refuse(
        `kubewalk: refused: the server cannot dry-run this change (${r.stderr.trim().split('\n')[0]}), so kubewalk cannot tell what it would change`,
      )
    targets = current(objs.map(refOf))
  } else if (/AlreadyExists|already exists/.test(r.stderr) && ['create', 'run', 'expose', 'autoscale'].includes(c.verb ?? '')) {
    // The real call meets the same answer and changes nothing: let kubectl say so in its own words.
  } else {
    // Another failure (a namespace or CRD the same manifest creates, an invalid field): what the call names,
    // from a client-side dry run, is checked all the same; a call that names nothing fails on its own.
    targets = current(
      objectsOf(quiet([...call.filter((a) => !a.startsWith('--dry-run')), '--dry-run=client', '-o', 'json'], input).stdout).map(refOf),
    )
  }
} else if (c.how === 'dry-select') {
  const r = quiet(dryRunArgv(call, false), input)
  if (r.status !== 0 && noDryRun(r.stderr)) unanswered = true
  targets = selection()
} else if (c.how === 'select') targets = selection()

const { verdicts, refusal } = decide(targets, { ...config.mode, ownUids: ownUids() })
if (unanswered) {
  // The server cannot say what the call would do: only the run's own objects may be touched.
  const other = verdicts.find((v) => v.why !== 'own' && v.why !== 'namespace' && v.why !== 'lab')
  if (other !== undefined)
    refuse(
      refusalMessage(other.ref, "cannot be dry-run by the server (an admission webhook without dry-run support) and is not this run's"),
      other.ref,
    )
}
if (refusal !== undefined) refuse(refusal, verdicts.find((v) => v.action === 'refuse')?.ref)

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
const listOf = (r) =>
  objectsOf(
    quiet([...conn, 'get', ...(r.namespace ? ['-n', r.namespace] : []), `${r.kind.toLowerCase()}${r.group ? `.${r.group}` : ''}`, '-o', 'json'])
      .stdout,
  )
const before = new Map(generated.map((t) => [t.ref, new Set(listOf(t.ref).map((o) => o.metadata?.uid))]))

ran = true
const done = spawnSync(real, call, { input, stdio: [input === undefined ? 'inherit' : 'pipe', 'inherit', 'inherit'] })
const status = done.status ?? 128 + (done.signal === 'SIGINT' ? 2 : done.signal === 'SIGKILL' ? 9 : 15)

// What the call created and deleted, read again from the server: new objects (a uid not there
// before, so `replace --force` and re-creations count) and objects gone or being deleted.
if (CREATES_OR_DELETES.includes(c.verb ?? '')) {
  const plain = targets.filter((t) => !t.ref.generated)
  const after = current(plain.map(({ ref: { fresh: _, ...ref } }) => ref))
  plain.forEach((t, i) => {
    const was = t.current
    const now = after[i]?.current ?? null
    if (was !== null && (now === null || now.metadata?.uid !== was.metadata?.uid || now.metadata?.deletionTimestamp))
      ledgerLine({ type: 'deleted', ...refOf(was), verb: c.verb, ...where })
    if (now !== null && now.metadata?.uid !== was?.metadata?.uid) ledgerLine({ type: 'created', ...refOf(now), verb: c.verb, ...where })
  })
  for (const t of generated) {
    const old = before.get(t.ref) ?? new Set()
    for (const o of listOf(t.ref))
      if (o.metadata?.generateName === t.ref.generated && !old.has(o.metadata?.uid))
        ledgerLine({ type: 'created', ...refOf(o), verb: c.verb, ...where })
  }
}
process.exit(status)
