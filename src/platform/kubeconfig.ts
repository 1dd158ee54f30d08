// Finds the cluster a run targets, from the kubeconfig as kubectl itself merges it. Never writes the
// user's kubeconfig: --context is applied through a one-line overlay file put first in KUBECONFIG.
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path'
import { parseDocument, stringify } from 'yaml'
import { KubewalkError, PreconditionError, UsageError, errorMessage } from '../core/errors.js'
import { installKubectl, kubectlWords } from './kubectl.js'
import { makeScratchDir, removeScratchDir } from './scratch.js'
import { quote, runScript, which } from './shell.js'
import { firstLine } from '../core/text.js'
import { directCredentials, kubectlVersionCached, serverVersion, type DirectCredentials } from './version-probe.js'
import type { KubeconfigCluster } from '../core/step.js'

/** Where and what a run replays against. */
export interface Target {
  /** Environment every command of the run gets (KUBECONFIG; PATH when kubectl came from kubectlDir). */
  env: Record<string, string>
  context: string
  cluster: KubeconfigCluster
  clusters: KubeconfigCluster[]
  /** The namespace kubectl acts in: --namespace, else the context's, else `default`. */
  namespace: string
  /** Removes the overlay file, if one was written. */
  dispose(): Promise<void>
}

/** How to choose the target; all optional, like kubectl's flags. */
export interface TargetOptions {
  kubeconfig?: string
  context?: string
  cluster?: string
  /** Environment to resolve against (defaults to process.env). */
  env?: Record<string, string | undefined>
  /** What plays `kubectl` (--kubectl): a file, linked as `kubectl`, or a command with arguments, wrapped as `kubectl`, in a directory that leads the run's PATH. */
  kubectl?: string
  /** Act in this namespace (--namespace): the context is redefined with it in the overlay, never in the user's file. */
  namespace?: string
  /** kubectl's cache folder for the run (KUBECACHEDIR, which kubectl reads as the default of --cache-dir): a lab's own. */
  kubeCacheDir?: string
}

export interface ConfigView {
  'current-context'?: string
  clusters?: {
    name: string
    cluster?: {
      server?: string
      'certificate-authority-data'?: string
      'certificate-authority'?: string
      'insecure-skip-tls-verify'?: boolean
      'tls-server-name'?: string
      'proxy-url'?: string
    }
  }[]
  contexts?: { name: string; context?: { cluster?: string; user?: string; namespace?: string } }[]
  users?: { name: string; user?: KubeconfigUser }[]
}

/** The parts of a kubeconfig user kubewalk reads itself; anything else (exec, auth-provider, impersonation) is kubectl's. */
export interface KubeconfigUser {
  token?: string
  tokenFile?: string
  'client-certificate'?: string
  'client-certificate-data'?: string
  'client-key'?: string
  'client-key-data'?: string
  username?: string
  password?: string
  exec?: unknown
  'auth-provider'?: unknown
  as?: string
  'as-groups'?: unknown
  'as-uid'?: string
  'as-user-extra'?: unknown
}

function kubeconfigPaths(opts: TargetOptions, env: Record<string, string | undefined>): string[] {
  if (opts.kubeconfig !== undefined) {
    if (opts.kubeconfig === '') throw new UsageError('--kubeconfig needs a file name.')
    const p = resolve(opts.kubeconfig)
    if (!existsSync(p)) throw new UsageError(`--kubeconfig ${opts.kubeconfig}: no such file${p !== opts.kubeconfig ? ` (${p})` : ''}.`)
    return [p]
  }
  const fromEnv = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p !== '')
  if (fromEnv.length > 0) {
    if (!fromEnv.some((p) => existsSync(p))) throw new PreconditionError(`KUBECONFIG names no file that exists (${env.KUBECONFIG}).`)
    return fromEnv
  }
  const home = join(env.HOME ?? homedir(), '.kube', 'config')
  if (!existsSync(home))
    throw new PreconditionError(`no kubeconfig: ${home} does not exist and KUBECONFIG is not set; pass --kubeconfig, or try --lab.`)
  return [home]
}

// A run reads the kubeconfig three times (target, version probe, the run's copy); a file with embedded certificates
// takes the YAML parser 10-20 ms each time. The same text is parsed once (a copy is handed out: callers may change it).
const parsed = new Map<string, { text: string; config: ConfigView }>()

function parsedKubeconfig(path: string, text: string): ConfigView {
  const seen = parsed.get(path)
  if (seen?.text === text) return structuredClone(seen.config)
  const doc = parseDocument(text)
  const v: unknown = doc.errors.length > 0 ? undefined : doc.toJS()
  const problem =
    doc.errors[0]?.message.split('\n')[0] ??
    (() => {
      if (v === null || v === undefined) return undefined
      if (typeof v !== 'object' || Array.isArray(v)) return 'not a YAML mapping'
      const c = v as Record<string, unknown>
      for (const key of ['clusters', 'contexts', 'users'])
        if (c[key] !== undefined && c[key] !== null && !Array.isArray(c[key])) return `${key} is not a list`
      return undefined
    })()
  if (problem !== undefined) throw new PreconditionError(`cannot read the kubeconfig ${path}: ${problem}.`)
  const config = (v ?? {}) as ConfigView
  parsed.set(path, { text, config: structuredClone(config) })
  return config
}

/**
 * The kubeconfig files merged the way kubectl merges KUBECONFIG: missing files are skipped, the
 * first file to name a cluster or context wins, and so does the first current-context. A relative
 * file path in a cluster comes back absolute, resolved against the folder of the file that names it.
 */
export async function mergedKubeconfig(paths: readonly string[]): Promise<ConfigView> {
  const clusters = new Map<string, NonNullable<ConfigView['clusters']>[number]>()
  const contexts = new Map<string, NonNullable<ConfigView['contexts']>[number]>()
  const users = new Map<string, UserEntry>()
  let current: string | undefined
  for (const path of paths) {
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (e) {
      // Like kubectl: a file that is not there is skipped, one that is there but unreadable is an error.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue
      const why = (e as NodeJS.ErrnoException).code === 'EISDIR' ? 'it is a directory' : errorMessage(e)
      throw new PreconditionError(`cannot read the kubeconfig ${path}: ${why}.`)
    }
    const c = parsedKubeconfig(path, text)
    // kubectl resolves each file's paths against that file's folder (client-go ResolveLocalPaths).
    const base = dirname(resolve(path))
    for (const cl of c.clusters ?? [])
      if (typeof cl?.name === 'string' && !clusters.has(cl.name)) clusters.set(cl.name, resolveClusterPaths(cl, base))
    for (const cx of c.contexts ?? []) if (typeof cx?.name === 'string' && !contexts.has(cx.name)) contexts.set(cx.name, cx)
    for (const u of c.users ?? []) if (typeof u?.name === 'string' && !users.has(u.name)) users.set(u.name, resolveUserPaths(u, base))
    if (current === undefined && typeof c['current-context'] === 'string' && c['current-context'] !== '') current = c['current-context']
  }
  // kubectl config view lists them by name; so does step 01's table.
  const byName = <T extends { name: string }>(m: Map<string, T>): T[] =>
    [...m.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return {
    ...(current !== undefined ? { 'current-context': current } : {}),
    clusters: byName(clusters),
    contexts: byName(contexts),
    users: byName(users),
  }
}

/**
 * The kubeconfig files in `paths`, merged as kubectl merges them (relative paths resolved, current-context kept),
 * written to `file` (0600): a run's own copy, so a line's `kubectl config set-context` changes it and never the user's.
 * False when none of the files exists (kubectl then runs with no kubeconfig, and so does the run).
 */
export async function writeKubeconfigCopy(paths: readonly string[], file: string): Promise<boolean> {
  const existing = paths.filter((p) => existsSync(p))
  if (existing.length === 0) return false
  // One file that names no relative path (the usual case): its own bytes, comments and all, and no YAML
  // written (the library's first stringify costs ~10 ms before step 01).
  const [only] = existing
  if (existing.length === 1 && only !== undefined) {
    const text = await readFile(only, 'utf8').catch(() => undefined)
    if (text !== undefined && !namesRelativePath(parsedKubeconfig(only, text))) {
      await writeFile(file, text, { mode: 0o600 })
      return true
    }
  }
  const merged = await mergedKubeconfig(paths)
  await writeFile(file, stringify({ apiVersion: 'v1', kind: 'Config', preferences: {}, ...merged }), { mode: 0o600 })
  return true
}

type ClusterEntry = NonNullable<ConfigView['clusters']>[number]

type UserEntry = NonNullable<ConfigView['users']>[number]

function resolveUserPaths(entry: UserEntry, base: string): UserEntry {
  const user = { ...entry.user }
  for (const key of ['client-certificate', 'client-key', 'tokenFile'] as const) {
    const p = user[key]
    if (typeof p === 'string' && p !== '' && !isAbsolute(p)) user[key] = join(base, p)
  }
  // client-go resolves a credential plugin's command against the file's folder only when it names a path.
  const exec = user.exec as { command?: unknown } | undefined
  if (exec !== null && typeof exec === 'object' && typeof exec.command === 'string' && exec.command.includes('/') && !isAbsolute(exec.command))
    user.exec = { ...exec, command: join(base, exec.command) }
  return { ...entry, user }
}

/** Whether a kubeconfig names a file relative to its own folder (kubectl resolves it there; a copy elsewhere must not). */
function namesRelativePath(c: ConfigView): boolean {
  const base = '/'
  return (
    (c.clusters ?? []).some((cl) => cl !== null && resolveClusterPaths(cl, base) !== cl) ||
    (c.users ?? []).some((u) => u !== null && JSON.stringify(resolveUserPaths(u, base)) !== JSON.stringify(u))
  )
}

function resolveClusterPaths(entry: ClusterEntry, base: string): ClusterEntry {
  const ca = entry.cluster?.['certificate-authority']
  if (typeof ca !== 'string' || ca === '' || isAbsolute(ca)) return entry
  return { ...entry, cluster: { ...entry.cluster, 'certificate-authority': join(base, ca) } }
}

/** Finds the target cluster in the kubeconfig, as kubectl would; runs nothing and changes nothing. */
export async function resolveTarget(opts: TargetOptions = {}): Promise<Target> {
  const baseEnv = opts.env ?? process.env
  const runEnv: Record<string, string> = {}
  const paths = kubeconfigPaths(opts, baseEnv)
  let overlayDir: string | undefined
  // Made only when something is overlaid: a plain run creates and removes no directory.
  const overlayIn = async (): Promise<string> => (overlayDir ??= await makeScratchDir())
  const dispose = async (): Promise<void> => {
    if (overlayDir !== undefined) await removeScratchDir(overlayDir)
  }
  if (opts.kubeCacheDir !== undefined) runEnv.KUBECACHEDIR = opts.kubeCacheDir
  try {
    if (opts.kubectl !== undefined) {
      // A file is linked, not copied (the user's binary runs as it is); a command gets a wrapper.
      const cmd = await kubectlWords(opts.kubectl, baseEnv)
      const dir = await overlayIn()
      await installKubectl(dir, cmd)
      runEnv.PATH = `${dir}${delimiter}${baseEnv.PATH ?? ''}`
    } else if ((await which('kubectl', baseEnv)) === undefined) {
      throw new PreconditionError('kubectl is not on PATH; install kubectl, pass --kubectl FILE, or try --lab (it brings its own).')
    }
    const overlay = async (): Promise<string> => join(await overlayIn(), 'context.yaml')
    if (opts.context !== undefined) {
      const file = await overlay()
      await writeFile(file, stringify({ apiVersion: 'v1', kind: 'Config', 'current-context': opts.context }), { mode: 0o600 })
      paths.unshift(file)
    }
    const config = await mergedKubeconfig(paths)
    const clusters: KubeconfigCluster[] = (config.clusters ?? []).map((c) => {
      const tlsServerName = c.cluster?.['tls-server-name']
      const proxyUrl = c.cluster?.['proxy-url']
      return {
        name: c.name,
        server: c.cluster?.server ?? '',
        ...(typeof tlsServerName === 'string' && tlsServerName !== '' ? { tlsServerName } : {}),
        ...(typeof proxyUrl === 'string' && proxyUrl !== '' ? { proxyUrl } : {}),
      }
    })
    const contextName = config['current-context'] ?? ''
    if (contextName === '') throw new PreconditionError('the kubeconfig has no current context; pass --context NAME.')
    const context = (config.contexts ?? []).find((c) => c.name === contextName)
    if (!context) {
      const known = (config.contexts ?? []).map((c) => c.name).join(', ') || 'none'
      throw opts.context !== undefined
        ? new UsageError(`--context ${opts.context}: no such context in the kubeconfig (known: ${known}).`)
        : new PreconditionError(`the current context ${contextName} is not in the kubeconfig; pass --context NAME (known: ${known}).`)
    }
    const cluster = clusters.find((c) => c.name === context.context?.cluster)
    if (!cluster)
      throw new PreconditionError(
        `context ${contextName} names cluster ${context.context?.cluster ?? '(none)'}, which the kubeconfig does not define.`,
      )
    if (opts.cluster !== undefined && opts.cluster !== cluster.name) {
      if (!clusters.some((c) => c.name === opts.cluster))
        throw new UsageError(`--cluster ${opts.cluster}: no such cluster in the kubeconfig (known: ${clusters.map((c) => c.name).join(', ')}).`)
      throw new UsageError(
        `--cluster ${opts.cluster} is not the cluster of context ${contextName} (${cluster.name}): the token would be minted on ${cluster.name} and sent to ${opts.cluster}; pick a context of ${opts.cluster} with --context instead.`,
      )
    }
    let namespace = context.context?.namespace || 'default'
    if (opts.namespace !== undefined) {
      // The overlay comes first in KUBECONFIG, so its definition of the context wins the merge.
      const redefined = { name: contextName, context: { ...context.context, namespace: opts.namespace } }
      const file = await overlay()
      await writeFile(file, stringify({ apiVersion: 'v1', kind: 'Config', 'current-context': contextName, contexts: [redefined] }), { mode: 0o600 })
      if (paths[0] !== file) paths.unshift(file)
      namespace = opts.namespace
    }
    return { env: { ...runEnv, KUBECONFIG: paths.join(delimiter) }, context: contextName, cluster, clusters, namespace, dispose }
  } catch (e) {
    await dispose()
    throw e
  }
}

/** The version a kubectl binary says it is (`FILE version --client -o json`); undefined when it is not a kubectl. */
export async function kubectlClientVersion(file: string, timeoutMs = 15_000): Promise<string | undefined> {
  const r = await runScript(`${quote(file)} version --client -o json`, { timeoutMs })
  try {
    return (JSON.parse(r.stdout) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion
  } catch {
    return undefined
  }
}

/**
 * Asks the target's API server for its version (one `kubectl version`): an unreachable server
 * becomes a clear exit 2 before any step runs.
 */
export async function probeServer(target: Target, opts: { env?: Record<string, string | undefined>; timeoutMs?: number } = {}): Promise<string> {
  return (await probeVersions(target, opts)).server
}

// kubectl's words when the kubeconfig's credentials, not the server, are the trouble (client-go's exec
// authenticator; test/fixtures/credentials holds what kubectl v1.37.2 and v1.28.3 print).
const PLUGIN_MISSING = /getting credentials: exec: executable (.+?) not found/
const PLUGIN_FAILED = /getting credentials: exec: executable (.+?) failed with exit code (\d+)/
const PLUGIN_WANTS_TERMINAL = /exec plugin cannot support interactive mode|exec plugin is configured to use interactive mode but/
// The older users[].user.auth-provider block: oidc without a token to send, and providers kubectl removed (gcp, azure).
const OIDC_NO_TOKEN = /No valid id-token, and cannot refresh without refresh-token/
const PROVIDER_REMOVED = /The (\S+) auth plugin has been removed\.\s*\n?\s*Please use (.+?) instead/
const PROVIDER_UNKNOWN = /no Auth Provider found for name "([^"]+)"/
const UNREACHABLE = /was refused|Unable to connect to the server|proxyconnect|no such host|i\/o timeout|connection reset/

/**
 * What kubectl's standard error says is wrong with the kubeconfig's credentials or proxy, as one
 * sentence with the fix (no final period); undefined when it is none of those.
 */
export function credentialProblem(stderr: string, cluster: Pick<KubeconfigCluster, 'name' | 'proxyUrl'>): string | undefined {
  const missing = PLUGIN_MISSING.exec(stderr)
  if (missing)
    return `the kubeconfig's user logs in with the credential plugin ${missing[1]}, which is not installed (not on PATH); install it (e.g. gke-gcloud-auth-plugin, kubelogin, aws), or fix users[].user.exec.command in the kubeconfig`
  if (PLUGIN_WANTS_TERMINAL.test(stderr))
    return "the kubeconfig's credential plugin wants to ask you to log in (interactiveMode), and kubewalk's standard input is not a terminal; run kubewalk from a terminal, or log in first (the plugin's own login command) so that it need not ask"
  const failed = PLUGIN_FAILED.exec(stderr)
  if (failed) {
    // The plugin's own words come first (its stderr passes through kubectl's): the likeliest cause.
    const said = stderr
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '' && !PLUGIN_FAILED.test(l))
    const login = /expired|log ?in|logged|re-?authenticate|refresh token|credentials? (?:are|is) (?:invalid|missing)|sso/i.test(said ?? '')
    return `the kubeconfig's credential plugin ${failed[1]} failed (exit code ${failed[2]})${said ? `: ${said}` : ''}; ${login ? "your login has expired or is missing: log in again with the plugin's (cloud's, OIDC provider's) login command" : 'run it yourself to see why, or log in again'}, then rerun`
  }
  if (OIDC_NO_TOKEN.test(stderr))
    return "the kubeconfig's user logs in with the oidc auth-provider and holds neither a valid id-token nor a refresh-token, so kubectl sent the server nothing; log in again with your OIDC provider's login (e.g. kubectl oidc-login), then rerun"
  const removed = PROVIDER_REMOVED.exec(stderr)
  if (removed)
    return `the kubeconfig's user logs in with the ${removed[1]} auth-provider, which this kubectl no longer has; use ${removed[2]} (users[].user.exec in the kubeconfig), then rerun`
  const unknown = PROVIDER_UNKNOWN.exec(stderr)
  if (unknown)
    return `the kubeconfig's user logs in with the ${unknown[1]} auth-provider, which this kubectl does not have; use that provider's client-go credential plugin (users[].user.exec in the kubeconfig), then rerun`
  if (cluster.proxyUrl !== undefined && UNREACHABLE.test(stderr)) {
    const why = firstLine(stderr)
    return `kubectl reaches cluster ${cluster.name} through the kubeconfig's proxy-url ${cluster.proxyUrl}, and got no answer (${why}); start that proxy or tunnel, or remove proxy-url from the cluster in the kubeconfig`
  }
  return undefined
}

/** The server's version and the version of the kubectl that answered (the dispatcher's pick, where one dispatches). */
export async function probeVersions(
  target: Target,
  opts: {
    env?: Record<string, string | undefined>
    timeoutMs?: number
    terminal?: boolean
    /** The target's direct credentials, when the caller has them already (directCredentialsOf). */
    direct?: Promise<DirectCredentials | undefined>
    /** Ctrl-C: the probe stops at once (an interrupted run does not wait for a server that is not answering). */
    signal?: AbortSignal
  } = {},
): Promise<{ server: string; client: string }> {
  const timeoutMs = opts.timeoutMs ?? 15_000
  const { cluster } = target
  const interrupted = (): KubewalkError => new KubewalkError('E_INTERRUPTED', `interrupted while asking ${cluster.name} for its version.`)
  const direct = await directVersions(target, opts.env ?? process.env, timeoutMs, opts.direct, opts.signal)
  if (direct !== undefined) return direct
  if (opts.signal?.aborted) throw interrupted()
  // kubectl's own limit follows --timeout too, a little shorter, so its own message wins the race.
  const requestTimeout = `${Math.max(500, timeoutMs - 1000)}ms`
  // The first kubectl call of a run: a credential plugin that wants a login can ask for it on kubewalk's terminal.
  const terminal = opts.terminal ?? process.stdin.isTTY === true
  const r = await runScript(`kubectl version -o json --request-timeout=${quote(requestTimeout)}`, {
    env: { ...(opts.env ?? process.env), ...target.env },
    timeoutMs,
    stdin: terminal ? 'inherit' : 'ignore',
    ...(opts.signal ? { signal: opts.signal } : {}),
  })
  if (r.aborted) throw interrupted()
  let answer: { serverVersion?: { gitVersion?: string }; clientVersion?: { gitVersion?: string } } = {}
  try {
    answer = JSON.parse(r.stdout) as typeof answer
  } catch {
    // no JSON: said below
  }
  const version = answer.serverVersion?.gitVersion
  if (version === undefined || version === '') {
    const credentials = r.timedOut ? undefined : credentialProblem(r.stderr, cluster)
    if (credentials !== undefined) throw new PreconditionError(`cannot call the API server of ${cluster.name}: ${credentials}.`)
    const why = r.timedOut ? `no answer within ${timeoutMs / 1000} s` : firstLine(r.stderr) || 'no server version in the answer'
    throw new PreconditionError(`cannot reach the API server of ${cluster.name} at ${cluster.server}: ${why}`)
  }
  return { server: version, client: answer.clientVersion?.gitVersion ?? 'unknown' }
}

// The in-process probe gets a short budget: a server that does not answer it gets kubectl's full one and its words.
const DIRECT_PROBE_MS = 2_000

/** The target's credentials for a request from this process (version-probe.ts), when its kubeconfig allows one; undefined otherwise. */
export async function directCredentialsOf(target: Target, env: Record<string, string | undefined>): Promise<DirectCredentials | undefined> {
  const paths = (target.env.KUBECONFIG ?? env.KUBECONFIG ?? '').split(delimiter).filter((p) => p !== '')
  if (paths.length === 0) return undefined
  // Any failure here is kubectl's to say, in its own words.
  return mergedKubeconfig(paths).then(
    (config) => directCredentials(config, target.context, { ...env, ...target.env }),
    () => undefined,
  )
}

/** Both versions without starting kubectl, when the kubeconfig allows it (version-probe.ts); undefined otherwise. */
async function directVersions(
  target: Target,
  env: Record<string, string | undefined>,
  timeoutMs: number,
  given?: Promise<DirectCredentials | undefined>,
  signal?: AbortSignal,
): Promise<{ server: string; client: string } | undefined> {
  const creds = await (given ?? directCredentialsOf(target, env))
  if (creds === undefined) return undefined
  const kubectl = await which('kubectl', { PATH: target.env.PATH ?? env.PATH ?? '' })
  if (kubectl === undefined) return undefined
  const [server, client] = await Promise.all([serverVersion(creds, Math.min(timeoutMs, DIRECT_PROBE_MS), signal), kubectlVersionCached(kubectl, env)])
  return server !== undefined && client !== undefined ? { server, client } : undefined
}

/**
 * The PEM of the target cluster's CA, as the kubeconfig holds it (data or file), for --strict-tls:
 * read from the files in the target's KUBECONFIG, a relative CA file against the folder of the file
 * that names it, as kubectl reads it. Never printed.
 */
export async function clusterCaPem(target: Target, env: Record<string, string | undefined> = process.env): Promise<string> {
  const paths = (target.env.KUBECONFIG ?? env.KUBECONFIG ?? '').split(delimiter).filter((p) => p !== '')
  const cluster = (await mergedKubeconfig(paths)).clusters?.find((c) => c.name === target.cluster.name)?.cluster
  const data = cluster?.['certificate-authority-data']
  if (data !== undefined && data !== '') return Buffer.from(data, 'base64').toString('utf8')
  const file = cluster?.['certificate-authority']
  if (file !== undefined && file !== '') {
    return readFile(file, 'utf8').catch((e: unknown) => {
      const why =
        (e as NodeJS.ErrnoException).code === 'ENOENT'
          ? 'no such file'
          : (e as NodeJS.ErrnoException).code === 'EISDIR'
            ? 'it is a directory'
            : errorMessage(e)
      throw new PreconditionError(
        `--strict-tls: cannot read the CA file ${file} named by the kubeconfig of cluster ${target.cluster.name}: ${why}.`,
        { cause: e },
      )
    })
  }
  throw new UsageError(
    `--strict-tls: the kubeconfig holds no CA for cluster ${target.cluster.name}; the walkthrough's --insecure is the only way to call it.`,
  )
}
