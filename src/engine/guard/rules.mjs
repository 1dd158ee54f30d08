// @ts-check
// The guard's rules, as pure functions over the argv bash already parsed: which verb a kubectl call
// runs, how to ask the server the same thing as a dry run, which objects it names, and whether this
// run may change them. Plain JavaScript so the hook (hook.mjs) runs it with node and no build step;
// rules.d.mts gives the TypeScript side its types.

/**
 * Flags whose value is the next word when not given with `=`: kubectl's global flags (`kubectl options`, 1.28 to
 * 1.37), then the guarded verbs' own.
 */
export const VALUED = (
  '-n --namespace --context --kubeconfig --cluster --user -s --server --token --as --as-group --as-uid --as-user-extra --cache-dir --certificate-authority ' +
  '--log-flush-frequency --proxy-url ' +
  '--client-certificate --client-key --request-timeout --tls-server-name -v --v --vmodule --log-file --log-dir --username --password --profile ' +
  '--profile-output --kuberc -f --filename -k --kustomize -l --selector --field-selector --grace-period --timeout -o --output --raw ' +
  '--pod-selector --skip-wait-for-delete-timeout --chunk-size --field-manager --template --to-revision --image -c --container --copy-to --env ' +
  '--custom --image-pull-policy --target --set-image --subresource --output-patch --prune-allowlist --type -p --patch --patch-file --replicas ' +
  '--current-replicas --resource-version --port --protocol --target-port --name --labels --external-ip --session-affinity --cluster-ip ' +
  '--load-balancer-ip --overrides --restart --max --min --cpu-percent --cpu --memory --serviceaccount --annotations'
).split(' ')

/** Global flags a `get` made from a call keeps (where and as whom the call talks). */
const CONNECTION = new Set(
  (
    '--context --kubeconfig --cluster --user -s --server --token --as --as-group --as-uid --as-user-extra --cache-dir --certificate-authority --proxy-url ' +
    '--client-certificate --client-key --request-timeout --tls-server-name --username --password --kuberc --insecure-skip-tls-verify'
  ).split(' '),
)

/** Verbs that change objects, each with how the guard learns what they touch. */
export const CHANGING = {
  // `-o json` of a server dry run prints the objects.
  create: 'dry-json',
  apply: 'dry-json',
  replace: 'dry-json',
  run: 'dry-json',
  expose: 'dry-json',
  autoscale: 'dry-json',
  patch: 'dry-json',
  label: 'dry-json',
  annotate: 'dry-json',
  set: 'dry-json',
  scale: 'dry-json',
  taint: 'dry-json',
  // The server dry-runs them but prints no JSON (delete) or none at all: the argv's selection, read with `get`.
  delete: 'dry-select',
  cordon: 'dry-select',
  uncordon: 'dry-select',
  drain: 'dry-select',
  // No dry run exists: the argv's selection, read with `get`.
  edit: 'select',
  debug: 'select',
  certificate: 'select',
  rollout: 'select',
  auth: 'dry-json',
}

/** Sub-verbs that change (for verbs whose other sub-verbs only read); `create token` stores nothing. */
/** The `kubectl config` subcommands that write a kubeconfig file (the others read). */
export const CONFIG_WRITES = [
  'set-cluster',
  'set-context',
  'set-credentials',
  'use-context',
  'use',
  'delete-cluster',
  'delete-context',
  'delete-user',
  'rename-context',
  'set',
  'unset',
]

const SUBS = {
  rollout: { undo: 'dry-json', restart: 'select', pause: 'select', resume: 'select' },
  certificate: { approve: 'select', deny: 'select' },
  auth: { reconcile: 'dry-json' },
}

// Single-letter flags that take a value. pflag reads them as `-n foo`, `-nfoo` and `-n=foo`, and in a cluster of
// letters (`-Rf x.yaml`) the first of them takes the rest of the word, or the next word.
export const VALUED_SHORT = new Set(VALUED.filter((f) => /^-[A-Za-z]$/.test(f)).map((f) => f.slice(1)))

/**
 * A word of single-letter flags (`-it`, `-nfoo`, `-Rf`, `-f=-`) as pflag reads it: the letters set, and the one that
 * takes a value with that value (undefined: the next word is its value). Undefined for a long flag, `-` and `--`.
 */
function cluster(a) {
  if (!/^-[A-Za-z]/.test(a)) return undefined
  const bools = []
  for (let i = 1; i < a.length; i++) {
    const ch = a.charAt(i)
    if (VALUED_SHORT.has(ch)) {
      const rest = a.slice(i + 1)
      return {
        bools,
        valued: ch,
        value: rest === '' ? undefined : rest.startsWith('=') ? rest.slice(1) : rest,
        prefix: a.slice(0, a.length - rest.length) + (rest.startsWith('=') ? '=' : ''),
      }
    }
    // `-R=false`: a boolean letter given its value ends the word.
    if (a.charAt(i + 1) === '=') return { bools: a.slice(i + 2) === 'false' ? bools : [...bools, ch] }
    bools.push(ch)
  }
  return { bools }
}

/** The words of an argv that are neither flags nor flag values, with their indexes, up to `--`. */
export function positionals(argv) {
  const out = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') break
    if (a.startsWith('-') && a !== '-') {
      const c = cluster(a)
      if (c !== undefined ? c.valued !== undefined && c.value === undefined : !a.includes('=') && VALUED.includes(a)) i++
      continue
    }
    out.push({ word: a, at: i })
  }
  return out
}

/** The value of a flag (`-n x`, `-nx`, `-n=x`, `--namespace x`, `--namespace=x`; the last one given wins, as with kubectl). */
export function flagValue(argv, names) {
  let value
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') break
    const c = cluster(a)
    for (const n of names) {
      if (n.startsWith('--')) {
        if (a === n && i + 1 < argv.length) value = argv[i + 1]
        else if (a.startsWith(`${n}=`)) value = a.slice(n.length + 1)
      } else if (c?.valued === n.slice(1)) value = c.value ?? argv[i + 1]
    }
  }
  return value
}

/** Whether a boolean flag is given (and not `=false`), alone or in a cluster of letters (`-Rf`). */
export function hasFlag(argv, names) {
  const end = argv.indexOf('--')
  return (end < 0 ? argv : argv.slice(0, end)).some((a) =>
    names.some((n) =>
      n.startsWith('--')
        ? a === n || (a.startsWith(`${n}=`) && a.slice(n.length + 1) !== 'false')
        : (cluster(a)?.bools.includes(n.slice(1)) ?? false),
    ),
  )
}

/**
 * What a call does: `pass` (reads, or changes nothing on the server: run the real kubectl at once),
 * or how to learn what it changes. A call that is itself a dry run, or asks for help, passes.
 */
export function classify(argv) {
  const [verb, sub] = positionals(argv).map((p) => p.word)
  if (verb === 'config' && CONFIG_WRITES.includes(sub ?? '') && !hasFlag(argv, ['-h', '--help'])) return { verb, sub, how: 'kubeconfig' }
  const base = verb === undefined ? undefined : CHANGING[verb]
  if (base === undefined) return { verb, sub, how: 'pass' }
  const dry = flagValue(argv, ['--dry-run'])
  if ((dry !== undefined && dry !== 'none') || hasFlag(argv, ['-h', '--help'])) return { verb, sub, how: 'pass' }
  if (verb === 'create' && sub === 'token') return { verb, sub, how: 'pass' }
  if (verb === 'apply' && sub === 'view-last-applied') return { verb, sub, how: 'pass' }
  if (verb in SUBS) return { verb, sub, how: SUBS[verb][sub] ?? 'pass' }
  return { verb, sub, how: base }
}

/** The argv with `flags` put before any `--` (what follows `--` is a container's command, not kubectl's). */
export function insertArgs(argv, flags) {
  const end = argv.indexOf('--')
  return end < 0 ? [...argv, ...flags] : [...argv.slice(0, end), ...flags, ...argv.slice(end)]
}

/**
 * Whether the real call may start before the guard's verdict with its input held back: `apply`, `create` or
 * `replace` whose one input is `-f -`. kubectl reads all of its stdin before it asks the server anything (with none it
 * says "no objects passed" and does nothing), so its start (~30 ms) overlaps the dry run. Not with `-k`, `--raw`
 * (which posts what it reads), `--edit` (which reads the terminal) or `--prune` (which acts beyond its input).
 */
export function holdsInput(argv) {
  const c = classify(argv)
  if (c.how !== 'dry-json' || !['apply', 'create', 'replace'].includes(c.verb ?? '') || c.sub !== undefined) return false
  const files = fileArgs(argv)
  if (files.length !== 1 || files[0]?.file !== '-' || argv.includes('--')) return false
  const given = (names) => argv.some((a) => names.some((n) => a === n || a.startsWith(`${n}=`)))
  return !given(['-k', '--kustomize', '--raw']) && !hasFlag(argv, ['--edit', '--prune'])
}

/**
 * The same call as a server-side dry run that prints what it would store. Without `--force`: kubectl
 * refuses it beside `--dry-run=server` (apply, replace), and the objects named are the same.
 */
export function dryRunArgv(argv, json) {
  const end = argv.indexOf('--')
  const kept = argv.filter((a, i) => (end >= 0 && i >= end) || !(a === '--force' || a === '--force=true'))
  const [verb, sub] = positionals(kept).map((p) => p.word)
  // The dry run only asks what the call would touch. Schema validation is the real call's (it still validates);
  // for it kubectl fetches and parses the server's OpenAPI document, ~70 of a dry-run apply's ~150 ms.
  const unvalidated = VALIDATES.has(verb ?? '') && !(verb === 'apply' && sub === 'set-last-applied') ? ['--validate=false'] : []
  return insertArgs(kept, [...(json ? ['--dry-run=server', '-o', 'json'] : ['--dry-run=server']), ...unvalidated])
}

// The changing verbs that take --validate (kubectl 1.28 to 1.37), and whose dry run may skip it.
const VALIDATES = new Set(['create', 'apply', 'replace'])

/** Verbs whose call may create or delete objects (the others only change them): the ledger is read again after them. */
export const CREATES_OR_DELETES = ['create', 'apply', 'replace', 'run', 'expose', 'autoscale', 'delete', 'debug', 'auth']

/** The connection flags of a call (so a `get` made from it talks to the same cluster as the same user). */
export function connectionFlags(argv) {
  const out = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') break
    const name = a.split('=')[0]
    if (CONNECTION.has(name)) {
      if (a.includes('=') || name === '--insecure-skip-tls-verify') out.push(a)
      else if (i + 1 < argv.length) out.push(a, argv[++i])
      continue
    }
    // pflag's short form with its value attached (`-shttps://…`, `-Rs URL`): the server of the call all the same.
    const c = a.startsWith('--') ? undefined : cluster(a)
    if (c?.valued !== 's') continue
    if (c.value !== undefined) out.push('-s', c.value)
    else if (i + 1 < argv.length) out.push('-s', argv[++i])
  }
  return out
}

/** The namespace flags of a call (`-n`, `-A`). */
function namespaceFlags(argv) {
  const ns = flagValue(argv, ['-n', '--namespace'])
  return [...(ns === undefined ? [] : ['-n', ns]), ...(hasFlag(argv, ['-A', '--all-namespaces']) ? ['-A'] : [])]
}

/**
 * A `get` that reads what a call without JSON dry-run output names: its files, selector and resource
 * words, as kubectl would resolve them (so the server says which objects, in which namespace).
 * Undefined when the call creates only (`debug node/x`, `debug --copy-to` without `--replace`).
 */
export function selectionArgv(argv, c = classify(argv)) {
  const words = positionals(argv)
    .slice(c.sub !== undefined && c.verb in SUBS ? 2 : 1)
    .map((p) => p.word)
  const sel = []
  for (const names of [['-f', '--filename'], ['-k', '--kustomize'], ['-l', '--selector'], ['--field-selector']]) {
    const v = flagValue(argv, names)
    if (v !== undefined) sel.push(names[0], v)
  }
  if (hasFlag(argv, ['-R', '--recursive'])) sel.push('-R')
  let res = words
  if (c.verb === 'cordon' || c.verb === 'uncordon' || c.verb === 'drain') res = words.length > 0 ? ['node', ...words] : sel.length > 0 ? ['node'] : []
  else if (c.verb === 'certificate') res = words.length > 0 ? ['certificatesigningrequest', ...words] : []
  else if (c.verb === 'debug') {
    const target = words[0]
    if (target === undefined || /^nodes?\//.test(target)) return undefined
    if (flagValue(argv, ['--copy-to']) !== undefined && !hasFlag(argv, ['--replace'])) return undefined
    res = [target.includes('/') ? target : `pod/${target}`]
  } else if (c.verb === 'delete' && res.length === 1 && !res[0].includes('/') && sel.length === 0 && !hasFlag(argv, ['--all'])) return undefined
  if (res.length === 0 && sel.length === 0) return undefined
  return [...connectionFlags(argv), ...namespaceFlags(argv), 'get', ...res, ...sel, '-o', 'json', '--ignore-not-found']
}

/** Every JSON value in a text (kubectl prints one object, a List, or several objects one after another). */
export function jsonValues(text) {
  const out = []
  let depth = 0
  let start = -1
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (inString) {
      if (ch === '\\') i++
      else if (ch === '"') inString = false
    } else if (ch === '"') inString = true
    else if (ch === '{' || ch === '[') {
      if (depth++ === 0) start = i
    } else if ((ch === '}' || ch === ']') && depth > 0 && --depth === 0) out.push(JSON.parse(text.slice(start, i + 1)))
  }
  return out
}

/** The objects in kubectl's JSON output, with Lists opened. */
export function objectsOf(text) {
  const out = []
  const add = (v) => {
    if (v === null || typeof v !== 'object') return
    if (Array.isArray(v.items) && (v.kind === 'List' || String(v.kind).endsWith('List'))) v.items.forEach(add)
    else if (typeof v.kind === 'string' && typeof v.metadata === 'object') out.push(v)
  }
  jsonValues(text).forEach(add)
  return out
}

/** An object's identity: kind, API group, name, namespace (none when cluster-scoped), uid if it has one. */
export function refOf(o) {
  const api = String(o.apiVersion ?? 'v1')
  const m = o.metadata ?? {}
  return {
    kind: String(o.kind),
    group: api.includes('/') ? api.split('/')[0] : '',
    name: String(m.name ?? ''),
    ...(m.namespace ? { namespace: String(m.namespace) } : {}),
    ...(m.uid ? { uid: String(m.uid) } : {}),
    ...(m.generateName && !m.name ? { generateName: String(m.generateName) } : {}),
  }
}

/** kubectl's name for an object, as `-o name` prints it: `deployment.apps/web`, `configmap/app`. */
export function nameOf(ref) {
  return `${ref.kind.toLowerCase()}${ref.group ? `.${ref.group}` : ''}/${ref.name}`
}

/** Where an object is, for a message: `configmap/app in namespace default`, or `node/n1 (cluster-scoped)`. */
export function placeOf(ref) {
  return ref.namespace ? `${nameOf(ref)} in namespace ${ref.namespace}` : `${nameOf(ref)} (cluster-scoped)`
}

/**
 * Whether a declared change pattern covers an object: `kind/name` (any namespace) or
 * `namespace/kind/name`, with `*` for any part; kind as kubectl names it (`node`, `deployment.apps`; the
 * group may be left out).
 */
export function matches(pattern, ref) {
  const parts = pattern.split('/')
  const [ns, kind, name] = parts.length === 3 ? parts : ['*', parts[0] ?? '', parts[1] ?? '']
  const glob = (p, v) =>
    new RegExp(
      `^${p
        .split('*')
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    ).test(v)
  const kinds = [ref.kind.toLowerCase(), ref.group ? `${ref.kind.toLowerCase()}.${ref.group}` : ref.kind.toLowerCase()]
  return glob(ns, ref.namespace ?? '') && kinds.some((k) => glob(kind.toLowerCase(), k)) && glob(name, ref.name)
}

/**
 * The ownership rule. For each object a call would touch, as it stands now on the server (`current`,
 * null when it does not exist yet): allow (the run's own, new, in a namespace the run made, or on a
 * lab this run started), record (a change the walkthrough or user declared: its state is saved first
 * for restoring), or refuse. The call is refused when any object is.
 */
export function decide(targets, ctx) {
  const own = new Set(ctx.ownUids)
  const verdicts = targets.map(({ ref, current }) => {
    if (ctx.lab) return { ref, action: 'allow', why: 'lab' }
    if (current === null) return { ref, action: 'allow', why: 'new' }
    const uid = current.metadata?.uid
    if (uid !== undefined && own.has(uid)) return { ref, action: 'allow', why: 'own' }
    if (ref.namespace !== undefined && ctx.namespaces.includes(ref.namespace)) return { ref, action: 'allow', why: 'namespace' }
    if (ref.kind === 'Namespace' && ctx.namespaces.includes(ref.name)) return { ref, action: 'allow', why: 'namespace' }
    if (ctx.allow.some((p) => matches(p, ref))) return { ref, action: 'record', why: 'declared' }
    return { ref, action: 'refuse', why: 'not-own' }
  })
  const refused = verdicts.find((v) => v.action === 'refuse')
  return { verdicts, refusal: refused ? refusalMessage(refused.ref) : undefined }
}

/** The one line a refusal prints. */
export function refusalMessage(ref, why = "is not this run's") {
  return `kubewalk: refused: ${placeOf(ref)} ${why}; kubewalk leaves it as it is (declare the change in the walkthrough, pass --allow-changes, or replay with --isolate)`
}

/** An error of a server that cannot dry-run a request (an admission webhook without `sideEffects: None`). */
export function noDryRun(stderr) {
  return /does not support dry run|dry ?run is not supported|sideEffects/i.test(stderr)
}

/** A saved object made fit to send back with `replace` or `create`: no uid, version, status or server bookkeeping. */
export function restorable(o) {
  const {
    uid: _u,
    resourceVersion: _r,
    creationTimestamp: _c,
    managedFields: _m,
    generation: _g,
    selfLink: _s,
    deletionTimestamp: _d,
    ...metadata
  } = o.metadata ?? {}
  const { status: _st, ...rest } = o
  return { ...rest, metadata }
}

/** The `-f` arguments of a call, with their indexes (`-f x`, `-f=x`, `--filename x`, `--filename=x`). */
export function fileArgs(argv) {
  const out = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') break
    if (a === '--filename' && i + 1 < argv.length) out.push({ at: i + 1, prefix: '', file: argv[++i] })
    else if (a.startsWith('--filename=')) out.push({ at: i, prefix: '--filename=', file: a.slice('--filename='.length) })
    else {
      const c = cluster(a)
      if (c?.valued !== 'f') continue
      if (c.value !== undefined) out.push({ at: i, prefix: c.prefix, file: c.value })
      else if (i + 1 < argv.length) out.push({ at: i + 1, prefix: '', file: argv[++i] })
    }
  }
  return out
}
