// What open, close and status do on the cluster, with the instructor's kubeconfig. Every value reaches
// kubectl quoted or through the environment; a token only ever comes back on stdout, never on argv.
import { setTimeout as sleep } from 'node:timers/promises'
import { PreconditionError } from '../../../core/errors.js'
import { firstLine } from '../../../core/text.js'
import { resolveTarget, type Target } from '../../../platform/kubeconfig.js'
import { quote, runScript } from '../../../platform/shell.js'
import { EXPIRES_ANNOTATION, PARTICIPANT_ACCOUNT, PARTICIPANT_LABEL, WALKTHROUGH_ANNOTATION, classSelector } from './roster.js'
import type { ClusterAccess, Participant } from './roster.js'

/** The instructor's environment (KUBECONFIG, PATH), a bound per kubectl call, Ctrl-C. */
export interface Instructor {
  env: Record<string, string | undefined>
  timeoutMs: number
  signal?: AbortSignal
}

/**
 * The instructor's cluster (`--kubeconfig`, `--context`, else the current context) and the environment of kubewalk's
 * own kubectl calls on it: never under the instructor's kuberc, whose defaults could move a create or a delete.
 * The caller disposes of the target.
 */
export async function instructorTarget(
  flags: { kubeconfig?: string | undefined; context?: string | undefined },
  env: Record<string, string | undefined>,
): Promise<{ target: Target; env: Record<string, string | undefined> }> {
  const target = await resolveTarget({
    env,
    ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}),
    ...(flags.context !== undefined ? { context: flags.context } : {}),
  })
  return { target, env: { ...process.env, ...env, ...target.env, KUBERC: 'off' } }
}

interface Answer {
  ok: boolean
  stdout: string
  why: string
}

/** Runs a kubectl line; `input` reaches its standard input through the environment ($KUBEWALK_INPUT). */
export async function kubectl(line: string, k: Instructor, extraEnv: Record<string, string> = {}): Promise<Answer> {
  const r = await runScript(line, { env: { ...k.env, ...extraEnv }, timeoutMs: k.timeoutMs, ...(k.signal ? { signal: k.signal } : {}) })
  return {
    ok: r.exitCode === 0,
    stdout: r.stdout,
    why: r.timedOut ? `no answer within ${k.timeoutMs / 1000} s` : firstLine(r.stderr) || `exit code ${r.exitCode}`,
  }
}

/** Runs `work` over the items, `width` at a time: the API server is shared with everyone else. */
export async function inTurn<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) out[i] = await work(items[i] as T)
  }
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker))
  return out
}

/** The current context's cluster as participants will reach it: the server, and its CA embedded. */
export async function clusterAccess(k: Instructor): Promise<ClusterAccess> {
  const r = await kubectl('kubectl config view --raw --minify --flatten -o json', k)
  if (!r.ok) throw new PreconditionError(`cannot read the kubeconfig's current cluster: ${r.why}`)
  const view = JSON.parse(r.stdout) as {
    clusters?: {
      name: string
      cluster?: { server?: string; 'certificate-authority-data'?: string; 'tls-server-name'?: string; 'insecure-skip-tls-verify'?: boolean }
    }[]
  }
  const c = view.clusters?.[0]
  if (c?.cluster?.server === undefined) throw new PreconditionError("the kubeconfig's current context names no cluster with a server.")
  const ca = c.cluster['certificate-authority-data']
  return {
    name: c.name,
    server: c.cluster.server,
    ...(ca !== undefined && ca !== '' ? { caData: ca } : {}),
    ...(c.cluster['tls-server-name'] ? { tlsServerName: c.cluster['tls-server-name'] } : {}),
    ...(c.cluster['insecure-skip-tls-verify'] === true ? { insecure: true } : {}),
  }
}

/** A namespace of the class, as the cluster holds it. */
export interface ClassNamespace {
  namespace: string
  participant: string
  walkthrough?: string
  expires?: string
  phase: string
}

/** The class's namespaces (those open labelled for the prefix), sorted by name. */
export async function classNamespaces(prefix: string, k: Instructor): Promise<ClassNamespace[]> {
  const r = await kubectl(`kubectl get namespaces -l ${quote(classSelector(prefix))} -o json`, k)
  if (!r.ok) throw new PreconditionError(`cannot list the class's namespaces: ${r.why}`)
  const items = (
    JSON.parse(r.stdout) as {
      items?: { metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> }; status?: { phase?: string } }[]
    }
  ).items
  return (items ?? [])
    .map((n) => ({
      namespace: n.metadata.name,
      participant: n.metadata.labels?.[PARTICIPANT_LABEL] ?? n.metadata.name,
      ...(n.metadata.annotations?.[WALKTHROUGH_ANNOTATION] !== undefined ? { walkthrough: n.metadata.annotations[WALKTHROUGH_ANNOTATION] } : {}),
      ...(n.metadata.annotations?.[EXPIRES_ANNOTATION] !== undefined ? { expires: n.metadata.annotations[EXPIRES_ANNOTATION] } : {}),
      phase: n.status?.phase ?? 'Unknown',
    }))
    .sort((a, b) => (a.namespace < b.namespace ? -1 : 1))
}

/** Creates the objects (a JSON List, in order) in one kubectl call. */
export async function createObjects(objects: readonly Record<string, unknown>[], k: Instructor): Promise<void> {
  const list = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects })
  const r = await kubectl(`printf '%s' "$KUBEWALK_INPUT" | kubectl create -f - -o name`, k, { KUBEWALK_INPUT: list })
  if (!r.ok) throw new PreconditionError(`could not create the class's objects: ${r.why}`)
}

/** A token for the participant's ServiceAccount (TokenRequest), and when the server says it expires. */
export async function requestToken(p: Participant, seconds: number, k: Instructor): Promise<{ token: string; expires: string }> {
  const body = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: seconds } })
  const path = `/api/v1/namespaces/${p.namespace}/serviceaccounts/${PARTICIPANT_ACCOUNT}/token`
  const r = await kubectl(`printf '%s' "$KUBEWALK_INPUT" | kubectl create --raw ${quote(path)} -f -`, k, { KUBEWALK_INPUT: body })
  if (!r.ok) throw new PreconditionError(`could not get a token for ${p.name}: ${r.why}`)
  const status = (JSON.parse(r.stdout) as { status?: { token?: string; expirationTimestamp?: string } }).status
  if (!status?.token || !status.expirationTimestamp)
    throw new PreconditionError(`the API server's answer to the token request for ${p.name} holds no token.`)
  return { token: status.token, expires: status.expirationTimestamp }
}

/** Records each token's expiry on its namespace, so status can say it without the files: one kubectl per distinct time. */
export async function recordExpiry(expiries: readonly { namespace: string; expires: string }[], k: Instructor): Promise<void> {
  const byTime = new Map<string, string[]>()
  for (const e of expiries) byTime.set(e.expires, [...(byTime.get(e.expires) ?? []), e.namespace])
  await inTurn([...byTime], 4, async ([expires, namespaces]) => {
    const a = await kubectl(
      `kubectl annotate namespace ${namespaces.map((n) => quote(n)).join(' ')} ${quote(`${EXPIRES_ANNOTATION}=${expires}`)} --overwrite`,
      k,
    )
    if (!a.ok) throw new PreconditionError(`could not record the tokens' expiry on the class's namespaces: ${a.why}`)
  })
}

/** How closing went. */
export interface Closed {
  namespaces: string[]
  /** Namespaces still Terminating when the bound ran out. */
  stuck: string[]
}

/**
 * Takes the class down: in each namespace every RoleBinding and ServiceAccount first (a token stops
 * working even if its namespace then hangs in Terminating), then the namespaces, waited for up to
 * `timeoutMs`. Safe to run again: what is gone already is skipped.
 */
export async function closeClass(
  prefix: string,
  k: Instructor,
  opts: { timeoutMs: number; say: (line: string) => void; only?: readonly string[] },
): Promise<Closed> {
  const found = (await classNamespaces(prefix, k)).map((n) => n.namespace)
  const namespaces = opts.only === undefined ? found : found.filter((n) => opts.only?.includes(n))
  if (namespaces.length === 0) return { namespaces, stuck: [] }
  opts.say(`removing RoleBindings and ServiceAccounts in ${namespaces.length} namespace(s)…`)
  const revoked = await inTurn(namespaces, 6, (ns) =>
    kubectl(`kubectl delete rolebindings,serviceaccounts --all -n ${quote(ns)} --wait=false --ignore-not-found`, k),
  )
  const failed = revoked.findIndex((r) => !r.ok && !/NotFound|not found/.test(r.why))
  if (failed >= 0)
    throw new PreconditionError(`could not remove the RoleBindings and ServiceAccounts of ${namespaces[failed]}: ${revoked[failed]?.why}`)
  opts.say(`deleting ${namespaces.length} namespace(s)…`)
  const del = await kubectl(`kubectl delete namespace ${namespaces.map((n) => quote(n)).join(' ')} --wait=false --ignore-not-found`, k)
  if (!del.ok) throw new PreconditionError(`could not delete the class's namespaces: ${del.why}`)
  const deadline = performance.now() + opts.timeoutMs
  let left = namespaces
  let said = -1
  for (;;) {
    const now = new Set((await classNamespaces(prefix, k)).map((n) => n.namespace))
    left = namespaces.filter((n) => now.has(n))
    if (left.length === 0 || performance.now() > deadline || k.signal?.aborted) break
    if (left.length !== said) opts.say(`${left.length} namespace(s) still Terminating…`)
    said = left.length
    await sleep(1000)
  }
  return { namespaces, stuck: left }
}

/** How long a token may still pass after its ServiceAccount is gone: kube-apiserver caches a success for 10 s. */
export const TOKEN_CACHE_SECONDS = 10
