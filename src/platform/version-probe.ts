// The run's first question to the server (its version), asked in-process over HTTPS when the kubeconfig holds all it
// takes (a CA, a client certificate or token, no proxy), so the preflight costs no kubectl start (~80 ms). Anything
// else (credential plugins, auth-providers, impersonation, proxies) is kubectl's to do: undefined sends the caller there.
import { createHash } from 'node:crypto'
import { mkdir, readFile, readdir, realpath, rename, stat, writeFile } from 'node:fs/promises'
import { Agent, request } from 'node:https'
import { dirname, join } from 'node:path'
import type { ConfigView, KubeconfigUser } from './kubeconfig.js'
import { kubewalkCacheDir } from './paths.js'
import { quote, runScript } from './shell.js'

/** What an HTTPS request needs from the kubeconfig; undefined when the kubeconfig asks for more than kubewalk does itself. */
export interface DirectCredentials {
  server: URL
  ca?: Buffer
  insecure: boolean
  servername?: string
  cert?: Buffer
  key?: Buffer
  headers: Record<string, string>
}

/** The environment variables that send HTTPS through a proxy (then kubectl, which honours them, does the request). */
export const PROXY_VARS = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy']

/** The credentials of `contextName` in a merged kubeconfig, when kubewalk can use them without kubectl. */
export async function directCredentials(
  config: ConfigView,
  contextName: string,
  env: Record<string, string | undefined>,
): Promise<DirectCredentials | undefined> {
  const context = config.contexts?.find((c) => c.name === contextName)?.context
  const cluster = config.clusters?.find((c) => c.name === context?.cluster)?.cluster
  if (cluster?.server === undefined || cluster['proxy-url'] !== undefined) return undefined
  if (PROXY_VARS.some((v) => (env[v] ?? '') !== '')) return undefined
  let server: URL
  try {
    server = new URL(cluster.server)
  } catch {
    return undefined
  }
  if (server.protocol !== 'https:') return undefined
  const user: KubeconfigUser = config.users?.find((u) => u.name === context?.user)?.user ?? {}
  if (user.exec !== undefined || user['auth-provider'] !== undefined) return undefined
  if (user.as !== undefined || user['as-groups'] !== undefined || user['as-uid'] !== undefined || user['as-user-extra'] !== undefined)
    return undefined
  const data = (b64: string | undefined): Buffer | undefined => (b64 ? Buffer.from(b64, 'base64') : undefined)
  const file = async (p: string | undefined): Promise<Buffer | undefined> => (p ? readFile(p) : undefined)
  try {
    const headers: Record<string, string> = {}
    const token = user.token || (user.tokenFile ? (await readFile(user.tokenFile, 'utf8')).trim() : '')
    if (token) headers.authorization = `Bearer ${token}`
    else if (user.username !== undefined && user.password !== undefined)
      headers.authorization = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`
    const ca = data(cluster['certificate-authority-data']) ?? (await file(cluster['certificate-authority']))
    const cert = data(user['client-certificate-data']) ?? (await file(user['client-certificate']))
    const key = data(user['client-key-data']) ?? (await file(user['client-key']))
    return {
      server,
      insecure: cluster['insecure-skip-tls-verify'] === true,
      headers,
      ...(ca ? { ca } : {}),
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
      ...(cluster['tls-server-name'] ? { servername: cluster['tls-server-name'] } : {}),
    }
  } catch {
    // A file the kubeconfig names cannot be read: kubectl says so in its own words.
    return undefined
  }
}

// One connection per server and credentials, kept open between requests (idle, it does not hold the process): the
// preflight's version and object reads, and the guard's reads after a line, share one TLS handshake (~4 ms of this
// thread each) instead of one each.
const agent = new Agent({ keepAlive: true, maxSockets: 1 })

/** GET `path` (relative to the server's URL) with those credentials: its status and body, or undefined when no answer came. */
export function directGet(
  c: DirectCredentials,
  path: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const url = new URL(path, c.server.href.endsWith('/') ? c.server : `${c.server.href}/`)
    const req = request(
      url,
      {
        method: 'GET',
        agent,
        headers: { ...c.headers, accept: 'application/json' },
        rejectUnauthorized: !c.insecure,
        ...(c.ca ? { ca: c.ca } : {}),
        ...(c.cert ? { cert: c.cert } : {}),
        ...(c.key ? { key: c.key } : {}),
        ...(c.servername ? { servername: c.servername } : {}),
        timeout: timeoutMs,
        ...(signal ? { signal } : {}),
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => void (body += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
        res.on('error', () => resolve(undefined))
      },
    )
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(undefined))
    req.end()
  })
}

/** GET /version with those credentials; the gitVersion, or undefined on any failure (the caller then asks kubectl). */
export async function serverVersion(c: DirectCredentials, timeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
  const r = await directGet(c, 'version', timeoutMs, signal)
  try {
    const v = r?.status === 200 ? (JSON.parse(r.body) as { gitVersion?: unknown }).gitVersion : undefined
    return typeof v === 'string' && v !== '' ? v : undefined
  } catch {
    return undefined
  }
}

/** `${XDG_CACHE_HOME:-~/.cache}/kubewalk/kubectl-versions.json`: a kubectl binary's client version never changes. */
function versionCacheFile(env: Record<string, string | undefined>): string {
  return join(kubewalkCacheDir(env), 'kubectl-versions.json')
}

/**
 * The client version of the kubectl file at `path`, remembered by its real path, size and modification time, so a
 * replay does not start kubectl only to learn it. Undefined when the file is not a kubectl.
 */
export async function kubectlVersionCached(path: string, env: Record<string, string | undefined> = process.env): Promise<string | undefined> {
  const real = await realpath(path).catch(() => path)
  const st = await stat(real).catch(() => undefined)
  if (st === undefined) return undefined
  // A dispatcher (a kubectl beside kubectl.1.NN builds) picks its client per server: only a call to the server says which.
  if ((await readdir(dirname(real)).catch(() => [] as string[])).some((f) => /^kubectl\.1\.\d+$/.test(f))) return undefined
  const key = createHash('sha256').update(`${real}\0${st.size}\0${st.mtimeMs}`).digest('hex').slice(0, 32)
  const file = versionCacheFile(env)
  const cache = await readFile(file, 'utf8')
    .then((t) => JSON.parse(t) as Record<string, string>)
    .catch(() => ({}) as Record<string, string>)
  if (typeof cache[key] === 'string') return cache[key]
  const r = await runScript(`${quote(real)} version --client -o json`, { timeoutMs: 15_000 })
  let version: string | undefined
  try {
    version = (JSON.parse(r.stdout) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion
  } catch {
    return undefined
  }
  if (version === undefined || version === '') return undefined
  // Written whole (a temporary file renamed), so a concurrent run never reads half of it.
  await mkdir(dirname(file), { recursive: true })
  const tmp = `${file}.${process.pid}`
  await writeFile(tmp, JSON.stringify({ ...cache, [key]: version }))
  await rename(tmp, file).catch(() => undefined)
  return version
}
