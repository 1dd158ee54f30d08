// A stand-in for kubectl in the guard's tests: a tiny object store in $STANDIN_DIR/store.json, and every
// call's argv (and the stdin it read) logged to $STANDIN_DIR/calls.jsonl. Its answers follow the shapes
// kubectl documents for `--dry-run=server -o json` (the object as the server would store it, a `List`
// for several) and `get -o json` (always a `List`), and its own lines (`configmap/app created`,
// `configmap "app" deleted`); it is no API server and proves only kubewalk's own logic.
import { randomUUID } from 'node:crypto'
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const dir = process.env.STANDIN_DIR
const argv = process.argv.slice(2)
const storeFile = join(dir, 'store.json')
const CLUSTER = new Set(['node', 'namespace', 'certificatesigningrequest'])
const VALUED = new Set([
  '-n',
  '--namespace',
  '-f',
  '--filename',
  '-o',
  '--output',
  '-l',
  '--context',
  '--kubeconfig',
  '--image',
  '-p',
  '--type',
  '--log-flush-frequency',
])

const end = argv.indexOf('--')
const flags = end < 0 ? argv : argv.slice(0, end)
const value = (names) => {
  let v
  flags.forEach((a, i) =>
    names.forEach((n) => {
      if (a === n) v = flags[i + 1]
      else if (a.startsWith(`${n}=`)) v = a.slice(n.length + 1)
      // As pflag reads a single-letter flag with its value attached: `-nother`, `-f-`.
      else if (!n.startsWith('--') && a.startsWith(n) && !a.startsWith('--')) v = a.slice(n.length)
      // …and a cluster whose last letter takes the next word (`-Rf -`).
      else if (!n.startsWith('--') && /^-[A-Za-z]{2,}$/.test(a) && a.endsWith(n.slice(1))) v = flags[i + 1]
    }),
  )
  return v
}
const words = []
for (let i = 0; i < flags.length; i++) {
  if (flags[i].startsWith('-') && flags[i] !== '-') {
    if (VALUED.has(flags[i])) i++
    continue
  }
  words.push(flags[i])
}
const dry = value(['--dry-run'])
const output = value(['-o', '--output'])
const ns = value(['-n', '--namespace']) ?? 'default'
const file = value(['-f', '--filename'])
// STANDIN_STARTED: a real call (not a dry run, not a read) says it has started, before it reads its input.
if (process.env.STANDIN_STARTED && dry === undefined && words[0] !== 'get') writeFileSync(join(dir, `started-${words[0]}`), '')
// As kubectl does, all of stdin is read before the server is asked anything (the store, here).
let stdin = ''
if (file === '-') stdin = readFileSync(0, 'utf8')
const store = existsSync(storeFile) ? JSON.parse(readFileSync(storeFile, 'utf8')) : []
// STANDIN_DRY_SEES_START_MS: a server dry run waits up to that long for a real call to have started, and logs whether one had.
let sawStart
if (dry === 'server' && process.env.STANDIN_DRY_SEES_START_MS) {
  const until = Date.now() + Number(process.env.STANDIN_DRY_SEES_START_MS)
  const started = () => readdirSync(dir).some((f) => f.startsWith('started-'))
  while (!started() && Date.now() < until) await new Promise((r) => setTimeout(r, 10))
  sawStart = started()
}
// STANDIN_GET_DELAY_MS: a `get` that takes that long (a slow server), logged when it ends; with STANDIN_GET_DELAY_AFTER_REAL,
// only once a real call (not a dry run, not a read) has been made (a server that stops answering after the call).
const realBefore = () =>
  existsSync(join(dir, 'calls.jsonl')) &&
  readFileSync(join(dir, 'calls.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .some((l) => !['get'].includes(JSON.parse(l).argv[0]) && !JSON.parse(l).argv.some((a) => a.startsWith('--dry-run')))
const slowGet = words[0] === 'get' && (!process.env.STANDIN_GET_DELAY_AFTER_REAL || realBefore())
if (slowGet && process.env.STANDIN_GET_DELAY_MS) await new Promise((r) => setTimeout(r, Number(process.env.STANDIN_GET_DELAY_MS)))
// STANDIN_GET_FAIL: such a `get` fails with that message (a server gone away).
if (slowGet && process.env.STANDIN_GET_FAIL) {
  process.stderr.write(`${process.env.STANDIN_GET_FAIL}\n`)
  process.exit(1)
}
appendFileSync(join(dir, 'calls.jsonl'), `${JSON.stringify({ argv, stdin, ...(sawStart !== undefined ? { sawStart } : {}) })}\n`)

const kindOf = (o) => o.kind.toLowerCase() + (o.apiVersion.includes('/') ? `.${o.apiVersion.split('/')[0]}` : '')
const short = (k) =>
  ({ cm: 'configmap', configmaps: 'configmap', pods: 'pod', po: 'pod', nodes: 'node', no: 'node', csr: 'certificatesigningrequest' })[k] ?? k
const find = (kind, name, n) =>
  store.find(
    (o) =>
      (kindOf(o) === short(kind) || o.kind.toLowerCase() === short(kind)) &&
      o.metadata.name === name &&
      (CLUSTER.has(o.kind.toLowerCase()) || o.metadata.namespace === n),
  )
const refs = (ws) => (ws.length > 0 && ws.every((w) => w.includes('/')) ? ws.map((w) => w.split('/')) : ws.slice(1).map((n) => [ws[0], n]))
const save = () => writeFileSync(storeFile, JSON.stringify(store, null, 2))
const fail = (msg) => {
  process.stderr.write(`${msg}\n`)
  process.exit(1)
}
const print = (objs) => {
  if (output === 'json')
    process.stdout.write(`${JSON.stringify(objs.length === 1 ? objs[0] : { apiVersion: 'v1', kind: 'List', items: objs }, null, 2)}\n`)
}
const suffix = dry === 'server' ? ' (server dry run)' : ''
if (dry === 'server' && process.env.STANDIN_NODRYRUN)
  fail('Error from server (BadRequest): admission webhook "audit.example.com" does not support dry run')
// STANDIN_DRYFAIL: a server dry run that fails as a manifest's own new namespace makes it fail.
if (dry === 'server' && process.env.STANDIN_DRYFAIL) fail(process.env.STANDIN_DRYFAIL)
// STANDIN_DRY_DELAY_MS / STANDIN_REAL_DELAY_MS: a server slow to answer a dry run, or a real call that hangs once it has stored its object.
const sleep = (ms) => new Promise((r) => setTimeout(r, Number(ms)))
if (dry === 'server' && process.env.STANDIN_DRY_DELAY_MS) await sleep(process.env.STANDIN_DRY_DELAY_MS)
const [verb, ...rest] = words
// `version --client -o json` as kubectl prints it; STANDIN_MINOR: the minor version (37 unless told).
if (verb === 'version' && output === 'json') {
  const minor = process.env.STANDIN_MINOR ?? '37'
  process.stdout.write(`${JSON.stringify({ clientVersion: { major: '1', minor, gitVersion: `v1.${minor}.0` } }, null, 2)}\n`)
  process.exit(0)
}
const echo =
  (dry === 'client' && output !== 'json') ||
  rest[0] === 'token' ||
  rest[0] === 'view-last-applied' ||
  (verb === 'get' && output !== 'json' && output !== 'jsonpath={.metadata.uid}')

if (echo) process.stdout.write(`stand-in ${argv.join(' ')}\n`)
else if (verb === 'get') {
  const found = []
  for (const [kind, name] of refs(rest)) {
    const o = find(kind, name, ns)
    if (o) found.push(o)
    else if (!argv.includes('--ignore-not-found')) fail(`Error from server (NotFound): ${kind} "${name}" not found`)
  }
  if (rest.length === 1 && !rest[0].includes('/'))
    found.push(...store.filter((o) => kindOf(o) === short(rest[0]) && (CLUSTER.has(o.kind.toLowerCase()) || o.metadata.namespace === ns)))
  if (output === 'json') process.stdout.write(`${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: found }, null, 2)}\n`)
  else process.stdout.write(found.map((o) => o.metadata.uid).join(' '))
} else if (verb === 'apply' || verb === 'create' || verb === 'replace' || verb === 'run') {
  let objs
  if (verb === 'run')
    objs = [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: rest[0] }, spec: { containers: [{ name: rest[0], image: value(['--image']) }] } }]
  else if (verb === 'create' && rest[0] === 'configmap') objs = [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: rest[1] }, data: {} }]
  else {
    const text = file === '-' ? stdin : readFileSync(file, 'utf8')
    objs = text.trim().startsWith('{') ? [JSON.parse(text)] : (await import(process.env.STANDIN_YAML)).parseAllDocuments(text).map((d) => d.toJS())
  }
  const force = argv.includes('--force')
  if (force && dry === 'server') fail('error: --dry-run=server cannot be used with --force')
  const out = []
  for (const o of objs) {
    if (!CLUSTER.has(o.kind.toLowerCase())) o.metadata.namespace ??= ns
    if (!o.metadata.name && o.metadata.generateName) o.metadata.name = o.metadata.generateName + randomUUID().slice(0, 5)
    const old = find(kindOf(o), o.metadata.name, o.metadata.namespace)
    if (old && (verb === 'create' || verb === 'run'))
      fail(`Error from server (AlreadyExists): ${o.kind.toLowerCase()}s "${o.metadata.name}" already exists`)
    // As the API server answers: a dry run of an object not stored yet has no resourceVersion.
    const stored = {
      ...o,
      metadata: { ...o.metadata, uid: (!force && old?.metadata.uid) || randomUUID(), ...(dry && !old ? {} : { resourceVersion: '1' }) },
    }
    out.push(stored)
    if (!dry) {
      if (old) store.splice(store.indexOf(old), 1)
      store.push(stored)
      if (!output) process.stdout.write(`${kindOf(o)}/${o.metadata.name} ${old ? 'configured' : 'created'}\n`)
    }
  }
  // STANDIN_PRUNE names what `apply --prune` prunes (kubectl prints it only in its own lines).
  if (verb === 'apply' && argv.includes('--prune') && process.env.STANDIN_PRUNE) {
    const [kind, name] = process.env.STANDIN_PRUNE.split('/')
    const o = find(kind, name, ns)
    if (o && !output) process.stdout.write(`${kind}/${name} pruned${suffix}\n`)
    if (o && !dry) store.splice(store.indexOf(o), 1)
  }
  print(out)
  save()
  if (!dry && process.env.STANDIN_REAL_DELAY_MS) await sleep(process.env.STANDIN_REAL_DELAY_MS)
} else if (['label', 'annotate', 'patch', 'cordon', 'delete', 'edit'].includes(verb)) {
  const targets =
    verb === 'cordon'
      ? rest.map((n) => ['node', n])
      : verb === 'delete' || verb === 'edit'
        ? refs(rest)
        : rest[0].includes('/')
          ? [rest[0].split('/')]
          : [[rest[0], rest[1]]]
  const out = []
  for (const [kind, name] of targets) {
    const o = find(kind, name, ns)
    if (!o) fail(`Error from server (NotFound): ${kind} "${name}" not found`)
    out.push(o)
    if (verb === 'delete') {
      process.stdout.write(`${kind} "${name}" deleted${suffix}\n`)
      if (!dry) store.splice(store.indexOf(o), 1)
    } else if (!dry) {
      if (verb === 'label') for (const kv of rest.filter((w) => w.includes('='))) (o.metadata.labels ??= {})[kv.split('=')[0]] = kv.split('=')[1]
      if (verb === 'cordon') (o.spec ??= {}).unschedulable = true
      process.stdout.write(`${kindOf(o)}/${name} ${verb === 'cordon' ? 'cordoned' : `${verb}ed`.replace('eed', 'ed')}\n`)
    }
  }
  if (verb !== 'delete') print(out)
  save()
} else process.stdout.write(`stand-in ${argv.join(' ')}\n`)
