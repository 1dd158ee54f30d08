// @ts-check
// kubectl's kuberc (1.33 with KUBECTL_KUBERC=true, 1.34 and later unless KUBECTL_KUBERC=false): aliases and
// per-command default flags change what a call does without showing in its argv (`kubectl ap -f x.yaml` is an
// apply; a default namespace moves a `delete`). The guard decides on the call as kubectl will run it: the alias
// expanded and the defaults written out as flags, as kubectl's own pkg/kuberc (1.33 to 1.37) applies them.
// Plain JavaScript, like rules.mjs.
import { execFile } from 'node:child_process'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { readOnce } from './call.mjs'
import { positionals } from './rules.mjs'

/** kubectl's own commands, 1.28 to 1.37 (`kubectl __complete ''`): an alias of one of these names is ignored. */
export const COMMANDS = new Set(
  (
    'annotate api-resources api-versions apply attach auth autoscale certificate cluster-info completion config cordon cp ' +
    'create debug delete describe diff drain edit events exec explain expose get help kuberc kustomize label logs options ' +
    'patch plugin port-forward proxy replace rollout run scale set taint top uncordon version wait alpha'
  ).split(' '),
)

/**
 * The sub-commands of the commands that have them (1.28 to 1.37), each with its cobra aliases: kubectl matches a
 * default to a call by the name of the command it runs (`create ns` runs `namespace`).
 */
const SUBCOMMANDS = {
  create: {
    clusterrole: [],
    clusterrolebinding: [],
    configmap: ['cm'],
    cronjob: ['cj'],
    deployment: ['deploy'],
    ingress: ['ing'],
    job: [],
    namespace: ['ns'],
    poddisruptionbudget: ['pdb'],
    priorityclass: ['pc'],
    quota: ['resourcequota'],
    role: [],
    rolebinding: [],
    secret: [],
    service: ['svc'],
    serviceaccount: ['sa'],
    token: [],
  },
  'create secret': { 'docker-registry': [], generic: [], tls: [] },
  'create service': { clusterip: [], externalname: [], loadbalancer: [], nodeport: [] },
  set: { env: [], image: [], resources: [], selector: [], serviceaccount: ['sa'], subject: [] },
  rollout: { history: [], pause: [], restart: [], resume: [], status: [], undo: [] },
  apply: { 'edit-last-applied': [], 'set-last-applied': [], 'view-last-applied': [] },
  certificate: { approve: [], deny: [] },
  auth: { 'can-i': [], reconcile: [], whoami: [] },
  top: { node: ['nodes', 'no'], pod: ['pods', 'po'] },
}

/** The name of the command kubectl runs for these words (cobra's leaf: `create cm x` runs `configmap`). */
export function commandName(words) {
  let path = ''
  let name
  for (const w of words) {
    if (path === '') {
      if (!COMMANDS.has(w)) return undefined
      path = name = w
      continue
    }
    const subs = SUBCOMMANDS[path]
    const sub = subs === undefined ? undefined : Object.keys(subs).find((s) => s === w || subs[s].includes(w))
    if (sub === undefined) break
    path = `${path} ${sub}`
    name = sub
  }
  return name
}

/**
 * The kuberc file kubectl reads for a call, as its LoadKuberc does: `--kuberc` (before `--`), else $KUBERC, else
 * ~/.kube/kuberc; none when KUBERC=off.
 */
export function kubercPath(argv, env, cwd) {
  if (env.KUBERC === 'off') return undefined
  let flag
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') break
    if (a === '--kuberc' && i + 1 < argv.length) flag = argv[i + 1]
    else if (a.startsWith('--kuberc=')) flag = a.slice('--kuberc='.length)
    if (flag !== undefined) break
  }
  if (flag) return resolve(cwd, flag)
  if (env.KUBERC) return resolve(cwd, env.KUBERC)
  return env.HOME ? join(env.HOME, '.kube', 'kuberc') : undefined
}

/** Whether a kubectl of this version reads a kuberc, with this environment (its KUBECTL_KUBERC feature gate). */
export function readsKuberc(version, env) {
  const gate = String(env.KUBECTL_KUBERC ?? '').toLowerCase()
  if (version.major !== 1 || version.minor < 33) return false
  return version.minor === 33 ? gate === 'true' : gate !== 'false'
}

/**
 * The preferences in a kuberc's YAML documents, as kubectl decodes them: the first document of kind Preference in
 * kubectl.config.k8s.io (v1alpha1 names the defaults `overrides` and their options `flags`).
 */
export function preferencesOf(docs) {
  for (const d of docs) {
    if (d === null || typeof d !== 'object' || d.kind !== 'Preference') continue
    if (!String(d.apiVersion ?? '').startsWith('kubectl.config.k8s.io/')) continue
    const alpha = String(d.apiVersion).endsWith('/v1alpha1')
    const options = (x) =>
      (Array.isArray(alpha ? x?.flags : x?.options) ? (alpha ? x.flags : x.options) : [])
        .filter((o) => o && typeof o.name === 'string')
        .map((o) => ({ name: String(o.name), default: String(o.default ?? '') }))
    const words = (xs) => (Array.isArray(xs) ? xs.map(String) : [])
    return {
      aliases: (Array.isArray(d.aliases) ? d.aliases : [])
        .filter((a) => a && typeof a.name === 'string' && typeof a.command === 'string')
        .map((a) => ({
          name: a.name,
          command: a.command,
          prependArgs: words(a.prependArgs),
          appendArgs: words(a.appendArgs),
          options: options(a),
        })),
      defaults: (Array.isArray(alpha ? d.overrides : d.defaults) ? (alpha ? d.overrides : d.defaults) : [])
        .filter((c) => c && typeof c.command === 'string')
        .map((c) => ({ command: c.command, options: options(c) })),
    }
  }
  return undefined
}

/**
 * A call as kubectl runs it under these preferences: an alias (the first word that is not a flag, when the call
 * names no command of kubectl's) becomes its command, with its prependArgs after it and its appendArgs last; the
 * alias's options, or the defaults of the command a call runs, come first as `--name=value`, so that a flag the
 * call gives itself wins, as it does over kubectl's defaults. `--kuberc` is left out: the guard's own calls run with
 * KUBERC=off, so nothing is applied twice. Undefined preferences: the argv as it is.
 */
export function asKubectlRuns(argv, prefs) {
  if (prefs === undefined) return { argv }
  const words = positionals(argv).map((p) => p.word)
  let call = [...argv]
  let options = []
  let alias
  if (!COMMANDS.has(words[0] ?? '')) {
    // kubectl names the alias by the first word that does not start with `-`, a flag's value included.
    const at = argv.findIndex((a) => !a.startsWith('-'))
    const found = at < 0 ? undefined : prefs.aliases.find((a) => a.name === argv[at])
    const command = found?.command.split(/\s+/).filter((w) => w !== '') ?? []
    // An alias of a command kubectl does not have fails the call ("command not found to set alias").
    if (found !== undefined && commandName(command) !== undefined) {
      alias = found.name
      call = [...argv.slice(0, at), ...command, ...found.prependArgs, ...argv.slice(at + 1), ...found.appendArgs]
      options = found.options
    }
  } else {
    // Defaults apply to the command a call runs, matched by name; an alias's call gets none.
    const name = commandName(words)
    options = prefs.defaults.filter((d) => commandName(d.command.split(/\s+/).filter((w) => w !== '')) === name).flatMap((d) => d.options)
  }
  const end = call.indexOf('--')
  const kept = call.filter(
    (a, i) => (end >= 0 && i > end) || !(a === '--kuberc' || a.startsWith('--kuberc=') || (i > 0 && call[i - 1] === '--kuberc')),
  )
  return { argv: [...options.map((o) => `--${o.name}=${o.default}`), ...kept], ...(alias ? { alias } : {}) }
}

const run = (file, args, env) =>
  new Promise((done) => execFile(file, args, { env, timeout: 10_000 }, (e, stdout) => done(e ? undefined : String(stdout))))

/** The real kubectl's client version, asked once per run (a file in the state folder). */
async function clientVersion(env, state) {
  const file = join(state, 'kubectl-version.json')
  const known = await readFile(file, 'utf8').then(
    (t) => JSON.parse(t),
    () => undefined,
  )
  if (known) return known
  const { realKubectl: real } = JSON.parse(await readFile(join(state, 'guard.json'), 'utf8'))
  const out = await run(real, ['version', '--client', '-o', 'json'], { ...env, KUBERC: 'off' })
  const v = out === undefined ? undefined : JSON.parse(out).clientVersion
  const version = { major: Number(v?.major), minor: parseInt(String(v?.minor), 10) }
  // Whether the defaults apply decides which objects a call names: not knowing fails the check, closed.
  if (!Number.isInteger(version.major) || !Number.isInteger(version.minor))
    throw new Error(`${real} did not tell its version, so the guard cannot tell whether it reads the kuberc`)
  const tmp = `${file}.${process.pid}`
  await writeFile(tmp, JSON.stringify(version))
  await rename(tmp, file)
  return version
}

/**
 * How kubectl will read a call, for the guard: `{ argv, env }` to decide on and to run its own kubectl calls with,
 * and the alias it used. The call's own argv and environment when no kuberc is read (KUBERC=off, the default of a
 * run; no file; a kubectl that reads none). Rejects when the alias reads an input the guard cannot hand to its dry
 * run (`-f -` in its prependArgs), or the kubectl does not tell its version.
 */
export async function kubectlView({ argv, env, cwd, state }) {
  const file = kubercPath(argv, env, cwd)
  // A kuberc named but missing fails kubectl's call; one at the default place that is missing is none.
  const text = file === undefined ? undefined : await readFile(file, 'utf8').catch(() => undefined)
  if (text === undefined || !readsKuberc(await clientVersion(env, state), env)) return { argv, env }
  const { parseAllDocuments } = await import('yaml')
  // A document kubectl cannot decode is passed over, as kubectl passes it over.
  const docs = parseAllDocuments(text).flatMap((d) => {
    try {
      return d.errors.length === 0 ? [d.toJS()] : []
    } catch {
      return []
    }
  })
  const prefs = preferencesOf(docs)
  const view = asKubectlRuns(argv, prefs)
  if (readOnce(view.argv, cwd).length > readOnce(argv, cwd).length)
    throw new Error(`kuberc alias ${view.alias ?? ''} reads an input (-f -) the guard cannot read before the call`)
  return { argv: view.argv, env: { ...env, KUBERC: 'off' }, ...(view.alias ? { alias: view.alias } : {}) }
}
