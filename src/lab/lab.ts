import { closeSync, openSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import http from 'node:http'
import https from 'node:https'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { execa } from 'execa'
import { stringify } from 'yaml'
import { LabError, errorMessage } from '../errors.js'
import { LAB_KUBERNETES_VERSION, type LabBinaries } from './build.js'
import { generateLabCerts, LAB_SERVICE_CIDR, type LabCerts } from './certs.js'

/** A process the lab runs. */
export type LabComponentName = 'etcd' | 'kube-apiserver' | 'kube-controller-manager'

/** One running component: its process (group) id, the loopback port it serves, and its log file. */
export interface LabComponent {
  pid: number
  port: number
  log: string
}

/** What labUp started; also the content of DIR/lab.json. */
export interface LabState {
  version: string
  kubeconfig: string
  dir: string
  clusterName: string
  server: string
  components: Record<LabComponentName, LabComponent | undefined>
}

/** Options of labUp; `dir` and `binaries` are required. */
export interface LabUpOptions {
  dir: string
  binaries: LabBinaries
  /** The Kubernetes release of `binaries`, recorded in lab.json; default LAB_KUBERNETES_VERSION. */
  version?: string
  /** Name of the kubeconfig's cluster, user and context; default 'kubewalk-lab'. */
  clusterName?: string
  /** Run kube-controller-manager (which creates the `default` ServiceAccount and fills token Secrets); default true. */
  controllerManager?: boolean
  onProgress?: (line: string) => void
  /** Bound on the wait for every component to become ready; default 120 s. */
  timeoutMs?: number
  /** Aborting stops the wait; what was started is stopped and removed. */
  signal?: AbortSignal
}

/** One component as labStatus sees it now. */
export interface LabComponentStatus {
  name: LabComponentName
  pid: number
  port: number
  alive: boolean
  healthy: boolean
  detail: string
}

/** labStatus's answer. */
export interface LabStatus {
  version: string
  kubeconfig: string
  dir: string
  server: string
  components: LabComponentStatus[]
}

const defaults = {
  clusterName: 'kubewalk-lab',
  controllerManager: true,
  timeoutMs: 120_000,
}

const LAB_JSON = 'lab.json'
const COMPONENT_ORDER: readonly LabComponentName[] = ['etcd', 'kube-apiserver', 'kube-controller-manager']
const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local'
const STOP_GRACE_MS = 5_000
const POLL_MS = 200
const PROGRESS_EVERY_MS = 5_000

/** lab.json on disk: LabState plus what labDown and labStatus need to recognise the processes. */
interface LabFile {
  version: string
  kubeconfig: string
  dir: string
  clusterName: string
  server: string
  status: 'starting' | 'ready'
  startedAt: string
  readyAt?: string
  readyMs?: number
  components: Partial<Record<LabComponentName, LabComponent & { binary: string }>>
}

// Every process group this module started and has not yet stopped, so a test can make sure none outlives it.
const started = new Map<number, LabComponentName>()

/** Process-group ids of the lab components this process started and has not stopped. */
export function startedLabProcesses(): number[] {
  return [...started.keys()]
}

/** Stops every lab process this process started (SIGTERM, then SIGKILL); returns their ids. For tests and crash paths. */
export async function stopStartedLabProcesses(): Promise<number[]> {
  const pids = startedLabProcesses()
  await Promise.all(pids.map((pid) => stopProcessGroup(pid)))
  return pids
}

function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function stopProcessGroup(pgid: number): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pgid, sig)
    } catch {
      // already gone
    }
  }
  signal('SIGTERM')
  const deadline = Date.now() + STOP_GRACE_MS
  while (groupExists(pgid) && Date.now() < deadline) await sleep(50)
  if (groupExists(pgid)) {
    signal('SIGKILL')
    const killDeadline = Date.now() + 2_000
    while (groupExists(pgid) && Date.now() < killDeadline) await sleep(50)
  }
  started.delete(pgid)
}

/**
 * True if `pid` runs and (on Linux) is the recorded binary and not a zombie, so a pid reused after a reboot is
 * never mistaken for, or killed as, a lab component.
 */
async function isOurProcess(pid: number, binary: string): Promise<boolean> {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  if (process.platform !== 'linux') return true
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false
    const argv0 = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0')[0]
    return argv0 === binary
  } catch {
    return false
  }
}

async function freePorts(count: number): Promise<number[]> {
  // Hold every listener open until all ports are known, so the ports differ from each other.
  const servers = await Promise.all(
    Array.from({ length: count }, () =>
      new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
        const server = createServer()
        server.once('error', reject)
        server.listen(0, '127.0.0.1', () => resolve(server))
      }),
    ),
  )
  const ports = servers.map((s) => (s.address() as AddressInfo).port)
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
  return ports
}

interface TlsFiles {
  ca: Buffer
  cert?: Buffer
  key?: Buffer
}

interface HttpAnswer {
  status: number
  body: string
}

function httpGet(url: string, tls?: TlsFiles, timeoutMs = 2_000): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const options = { agent: false as const, timeout: timeoutMs, ...(tls ?? {}) }
    const req = (url.startsWith('https:') ? https : http).get(url, options, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    req.on('error', reject)
  })
}

function probeError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code
  return code ?? errorMessage(error)
}

async function etcdHealth(port: number): Promise<true | string> {
  try {
    const { status, body } = await httpGet(`http://127.0.0.1:${port}/health`)
    return status === 200 && /"health":\s*"true"/.test(body) ? true : `/health ${status}: ${body.trim()}`
  } catch (error) {
    return `/health: ${probeError(error)}`
  }
}

async function apiserverReady(server: string, tls: TlsFiles): Promise<true | string> {
  try {
    const { status, body } = await httpGet(`${server}/readyz`, tls)
    if (status === 200 && body.trim() === 'ok') return true
    const failing = body.split('\n').filter((l) => l.startsWith('[-]')).map((l) => l.slice(3).replace(/ failed: reason withheld$/, ''))
    return `/readyz ${status}${failing.length > 0 ? `: waiting for ${failing.join(', ')}` : ''}`
  } catch (error) {
    return `/readyz: ${probeError(error)}`
  }
}

async function defaultServiceAccount(server: string, tls: TlsFiles): Promise<true | string> {
  try {
    const { status } = await httpGet(`${server}/api/v1/namespaces/default/serviceaccounts/default`, tls)
    return status === 200 ? true : `serviceaccount/default: ${status}`
  } catch (error) {
    return `serviceaccount/default: ${probeError(error)}`
  }
}

async function controllerManagerHealth(port: number, tls: TlsFiles): Promise<true | string> {
  try {
    const { status, body } = await httpGet(`https://127.0.0.1:${port}/healthz`, { ca: tls.ca })
    return status === 200 && body.trim() === 'ok' ? true : `/healthz ${status}: ${body.trim().split('\n').slice(-3).join(' ')}`
  } catch (error) {
    return `/healthz: ${probeError(error)}`
  }
}

function kubeconfigText(name: string, user: string, server: string, caPem: Buffer, certPem: Buffer, keyPem: Buffer): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'certificate-authority-data': caPem.toString('base64') } }],
    users: [{ name: user, user: { 'client-certificate-data': certPem.toString('base64'), 'client-key-data': keyPem.toString('base64') } }],
    contexts: [{ name, context: { cluster: name, user } }],
    'current-context': name,
    preferences: {},
  })
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10)
}

async function tailOf(file: string, lines = 20): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '')
  return text.trimEnd().split('\n').slice(-lines).join('\n')
}

async function writeLabFile(dir: string, lab: LabFile): Promise<void> {
  const file = path.join(dir, LAB_JSON)
  await writeFile(`${file}.tmp`, `${JSON.stringify(lab, null, 2)}\n`)
  await rename(`${file}.tmp`, file)
}

async function readLabFile(dir: string): Promise<LabFile | undefined> {
  const file = path.join(dir, LAB_JSON)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new LabError(`Cannot read ${file}: ${errorMessage(error)}`, { cause: error })
  }
  try {
    const lab = JSON.parse(text) as LabFile
    if (typeof lab.version !== 'string' || typeof lab.components !== 'object' || lab.components === null) throw new Error('missing version or components')
    return lab
  } catch (error) {
    throw new LabError(`${file} is not a kubewalk lab file (${errorMessage(error)}); remove ${dir} yourself if it is a stale lab.`, { cause: error })
  }
}

function stateOf(lab: LabFile): LabState {
  const components = {} as Record<LabComponentName, LabComponent | undefined>
  for (const name of COMPONENT_ORDER) {
    const c = lab.components[name]
    components[name] = c ? { pid: c.pid, port: c.port, log: c.log } : undefined
  }
  return { version: lab.version, kubeconfig: lab.kubeconfig, dir: lab.dir, clusterName: lab.clusterName, server: lab.server, components }
}

async function liveComponents(lab: LabFile): Promise<LabComponentName[]> {
  const names = COMPONENT_ORDER.filter((n) => lab.components[n] !== undefined)
  const alive = await Promise.all(names.map((n) => isOurProcess(lab.components[n]!.pid, lab.components[n]!.binary)))
  return names.filter((_, i) => alive[i])
}

interface Running {
  name: LabComponentName
  pid: number
  log: string
  exit?: string
}

/** A component died or never became ready; labUp turns it into a LabError once the logs are saved. */
class ComponentFailure extends Error {
  constructor(
    readonly component: Running,
    readonly reason: string,
  ) {
    super(`${component.name} ${reason}`)
  }
}

async function startComponent(name: LabComponentName, binary: string, args: string[], dir: string): Promise<Running> {
  const log = path.join(dir, `${name}.log`)
  // execa's types list only the fds 0-9; at run time any fd goes straight to child_process.spawn.
  const fd = openSync(log, 'a') as 3
  // Detached (its own session and process group) with output straight to its log: it outlives labUp's process.
  const spawn = () => execa(binary, args, { cwd: dir, detached: true, cleanup: false, stdin: 'ignore', stdout: fd, stderr: fd, reject: false })
  let child: ReturnType<typeof spawn>
  try {
    child = spawn()
  } finally {
    closeSync(fd)
  }
  const running: Running = { name, pid: child.pid ?? -1, log }
  if (child.pid === undefined) {
    const code = ((await child) as { code?: string }).code
    throw new ComponentFailure(running, `could not start: ${code === 'ENOENT' ? `${binary} does not exist` : `spawning ${binary} failed (${code ?? 'unknown error'})`}`)
  }
  child.unref()
  started.set(child.pid, name)
  void child.then((result) => {
    running.exit = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.exitCode ?? '?'}`
  })
  return running
}

interface WaitContext {
  deadline: number
  timeoutMs: number
  running: Running[]
  progress: (line: string) => void
  signal?: AbortSignal
}

async function waitFor(component: Running, what: string, probe: () => Promise<true | string>, ctx: WaitContext): Promise<void> {
  const since = Date.now()
  let nextReport = since + PROGRESS_EVERY_MS
  for (;;) {
    if (ctx.signal?.aborted) throw new LabError('Starting the lab was cancelled.')
    const dead = ctx.running.find((r) => r.exit !== undefined)
    if (dead) throw new ComponentFailure(dead, `${dead.exit} while the lab was starting`)
    const result = await probe()
    if (result === true) return
    if (Date.now() >= ctx.deadline) {
      throw new ComponentFailure(component, `was not ready within ${seconds(ctx.timeoutMs)} s (${result})`)
    }
    if (Date.now() >= nextReport) {
      ctx.progress(`waiting for ${what} (${seconds(Date.now() - since)} s): ${result}`)
      nextReport += PROGRESS_EVERY_MS
    }
    await sleep(POLL_MS)
  }
}

/** Copies the components' logs out of the lab directory before it is removed; returns each copy's path. */
async function keepLogs(running: Running[]): Promise<Map<LabComponentName, string>> {
  const kept = new Map<LabComponentName, string>()
  if (running.length === 0) return kept
  const dir = await mkdtemp(path.join(tmpdir(), 'kubewalk-lab-logs-'))
  for (const r of running) {
    const copy = path.join(dir, `${r.name}.log`)
    await copyFile(r.log, copy).then(() => kept.set(r.name, copy), () => {})
  }
  return kept
}

async function isEmptyDir(dir: string): Promise<boolean | undefined> {
  try {
    if (!(await stat(dir)).isDirectory()) return false
    return (await readdir(dir)).length === 0
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

function etcdArgs(dir: string, clientPort: number, peerPort: number): string[] {
  const client = `http://127.0.0.1:${clientPort}`
  const peer = `http://127.0.0.1:${peerPort}`
  return [
    '--name=lab',
    `--data-dir=${path.join(dir, 'etcd-data')}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=lab=${peer}`,
    '--initial-cluster-state=new',
    // A throwaway lab: durability is not worth the fsync latency.
    '--unsafe-no-fsync',
    '--log-level=warn',
  ]
}

function apiserverArgs(certs: LabCerts, port: number, etcdPort: number): string[] {
  return [
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    '--advertise-address=127.0.0.1',
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    `--client-ca-file=${certs.caCert}`,
    `--tls-cert-file=${certs.apiserverCert}`,
    `--tls-private-key-file=${certs.apiserverKey}`,
    `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
    `--service-account-key-file=${certs.serviceAccountPub}`,
    `--service-account-signing-key-file=${certs.serviceAccountKey}`,
    `--api-audiences=${SERVICE_ACCOUNT_ISSUER}`,
    '--authorization-mode=Node,RBAC',
    `--service-cluster-ip-range=${LAB_SERVICE_CIDR}`,
    // The `kubernetes` Service's endpoints would be 127.0.0.1, which Endpoints validation rejects as loopback.
    '--endpoint-reconciler-type=none',
  ]
}

function controllerManagerArgs(certs: LabCerts, kubeconfig: string, port: number): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    // Our own serving certificate; without one it writes a self-signed pair into /var/run/kubernetes.
    `--tls-cert-file=${certs.controllerManagerServingCert}`,
    `--tls-private-key-file=${certs.controllerManagerServingKey}`,
    `--service-account-private-key-file=${certs.serviceAccountKey}`,
    `--root-ca-file=${certs.caCert}`,
    '--use-service-account-credentials=false',
    '--controllers=*',
    '--leader-elect=false',
    // Lets CertificateSigningRequests be signed, as on a kubeadm cluster.
    `--cluster-signing-cert-file=${certs.caCert}`,
    `--cluster-signing-key-file=${certs.caKey}`,
  ]
}

/** What a lab's cluster (and context) may be called. */
export const LAB_CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

/**
 * Whether a lab can start in `dir`: it is absent or empty ('free'), or holds a lab whose processes
 * are all gone ('stale'). Throws a LabError for a running lab or a directory that is not a lab.
 */
export async function checkLabDir(dir: string): Promise<'free' | 'stale'> {
  const existing = await readLabFile(path.resolve(dir))
  if (existing) {
    const live = await liveComponents(existing)
    if (live.length > 0) {
      throw new LabError(`A lab is already running in ${path.resolve(dir)} (${live.join(', ')}); stop it with kubewalk lab down first.`)
    }
    return 'stale'
  }
  if ((await isEmptyDir(path.resolve(dir))) === false) {
    throw new LabError(`${path.resolve(dir)} exists and is not an empty directory or a kubewalk lab; choose a new directory for the lab.`)
  }
  return 'free'
}

/**
 * Starts etcd, kube-apiserver and (unless disabled) kube-controller-manager on loopback ports, detached, with their
 * state in `dir`; resolves once the API server is ready and the `default` ServiceAccount exists. On failure it stops
 * what it started, removes what it created and throws a LabError naming the failing component's log.
 */
export async function labUp(opts: LabUpOptions): Promise<LabState> {
  const dir = path.resolve(opts.dir)
  const clusterName = opts.clusterName ?? defaults.clusterName
  const withControllerManager = opts.controllerManager ?? defaults.controllerManager
  const timeoutMs = opts.timeoutMs ?? defaults.timeoutMs
  const progress = opts.onProgress ?? (() => {})
  if (!LAB_CLUSTER_NAME.test(clusterName)) {
    throw new LabError(`clusterName must be letters, digits, '.', '_' or '-'; got ${JSON.stringify(clusterName)}.`)
  }
  if (!(timeoutMs > 0)) throw new LabError(`timeoutMs must be a positive number of milliseconds; got ${timeoutMs}.`)

  // A lab whose processes are all gone (a reboot, a kill) is ours to clear.
  if ((await checkLabDir(dir)) === 'stale') await rm(dir, { recursive: true, force: true })
  const createdDir = (await isEmptyDir(dir)) === undefined
  await mkdir(dir, { recursive: true, mode: 0o700 })

  const binaries = {
    etcd: path.resolve(opts.binaries.etcd),
    kubeApiserver: path.resolve(opts.binaries.kubeApiserver),
    kubeControllerManager: path.resolve(opts.binaries.kubeControllerManager),
  }
  const startedAt = new Date()
  const running: Running[] = []
  progress(`starting the lab in ${dir} at ${startedAt.toISOString()}`)
  try {
    const [etcdPort, peerPort, apiserverPort, controllerManagerPort] = (await freePorts(4)) as [number, number, number, number]
    const server = `https://127.0.0.1:${apiserverPort}`
    const kubeconfig = path.join(dir, 'kubeconfig')
    const lab: LabFile = { version: opts.version ?? LAB_KUBERNETES_VERSION, kubeconfig, dir, clusterName, server, status: 'starting', startedAt: startedAt.toISOString(), components: {} }
    // Written before anything starts, so labDown can clean up after an interrupted labUp.
    await writeLabFile(dir, lab)

    const certs = await generateLabCerts(path.join(dir, 'pki'))
    const [ca, adminCert, adminKey, cmCert, cmKey] = await Promise.all(
      [certs.caCert, certs.adminCert, certs.adminKey, certs.controllerManagerCert, certs.controllerManagerKey].map((f) => readFile(f)),
    ) as [Buffer, Buffer, Buffer, Buffer, Buffer]
    const admin: TlsFiles = { ca, cert: adminCert, key: adminKey }
    await writeFile(kubeconfig, kubeconfigText(clusterName, clusterName, server, ca, adminCert, adminKey), { mode: 0o600 })
    progress(`certificates and kubeconfig written (${Date.now() - startedAt.getTime()} ms)`)

    const ctx: WaitContext = { deadline: Date.now() + timeoutMs, timeoutMs, running, progress, ...(opts.signal ? { signal: opts.signal } : {}) }
    const launch = async (name: LabComponentName, binary: string, args: string[], port: number) => {
      const r = await startComponent(name, binary, args, dir)
      running.push(r)
      lab.components[name] = { pid: r.pid, port, log: r.log, binary }
      await writeLabFile(dir, lab)
      return r
    }
    const step = async (what: string, run: () => Promise<void>) => {
      const since = Date.now()
      await run()
      progress(`${what} (${seconds(Date.now() - since)} s)`)
    }

    await step(`etcd ready on 127.0.0.1:${etcdPort}`, async () => {
      const etcd = await launch('etcd', binaries.etcd, etcdArgs(dir, etcdPort, peerPort), etcdPort)
      await waitFor(etcd, 'etcd /health', () => etcdHealth(etcdPort), ctx)
    })
    await step(`kube-apiserver ready at ${server}`, async () => {
      const apiserver = await launch('kube-apiserver', binaries.kubeApiserver, apiserverArgs(certs, apiserverPort, etcdPort), apiserverPort)
      await waitFor(apiserver, 'kube-apiserver /readyz', () => apiserverReady(server, admin), ctx)
    })
    if (withControllerManager) {
      const cmKubeconfig = path.join(dir, 'controller-manager.kubeconfig')
      await writeFile(cmKubeconfig, kubeconfigText(clusterName, 'system:kube-controller-manager', server, ca, cmCert, cmKey), { mode: 0o600 })
      await step('kube-controller-manager created serviceaccount/default', async () => {
        const cm = await launch('kube-controller-manager', binaries.kubeControllerManager, controllerManagerArgs(certs, cmKubeconfig, controllerManagerPort), controllerManagerPort)
        await waitFor(cm, 'serviceaccount/default', () => defaultServiceAccount(server, admin), ctx)
      })
    }

    const readyAt = new Date()
    lab.status = 'ready'
    lab.readyAt = readyAt.toISOString()
    lab.readyMs = readyAt.getTime() - startedAt.getTime()
    await writeLabFile(dir, lab)
    progress(`lab ready in ${seconds(lab.readyMs)} s (started ${lab.startedAt}); KUBECONFIG=${kubeconfig}`)
    return stateOf(lab)
  } catch (error) {
    const tail = error instanceof ComponentFailure ? await tailOf(error.component.log) : ''
    await Promise.all(running.map((r) => stopProcessGroup(r.pid)))
    // Only a component that ran has a log worth keeping; the others' logs go with the directory.
    const failed = error instanceof ComponentFailure && running.includes(error.component)
    const kept = failed ? await keepLogs(running) : new Map<LabComponentName, string>()
    if (createdDir) {
      await rm(dir, { recursive: true, force: true })
    } else {
      const entries = await readdir(dir).catch(() => [])
      await Promise.all(entries.map((e) => rm(path.join(dir, e), { recursive: true, force: true })))
    }
    if (error instanceof ComponentFailure) {
      const log = kept.get(error.component.name)
      if (!log) throw new LabError(`${error.message}.`, { cause: error })
      throw new LabError(`${error.message}; see ${log}.${tail ? `\n${tail}` : ''}`, { logFile: log, cause: error })
    }
    if (error instanceof LabError) throw error
    throw new LabError(`Starting the lab failed: ${errorMessage(error)}`, { cause: error })
  }
}

/** Stops every component recorded in DIR/lab.json (process group: SIGTERM, then SIGKILL after 5 s) and removes DIR. */
export async function labDown(opts: { dir: string }): Promise<{ stopped: string[]; found: boolean }> {
  const dir = path.resolve(opts.dir)
  const lab = await readLabFile(dir)
  if (!lab) {
    // Absent or empty: nothing to stop, and an empty directory is left as it was.
    if ((await isEmptyDir(dir)) !== false) return { stopped: [], found: false }
    throw new LabError(`${dir} has no ${LAB_JSON}, so it is not a kubewalk lab; refusing to delete it.`)
  }
  const live = await liveComponents(lab)
  // etcd last, so kube-apiserver can still delete its identity lease while it shuts down.
  await Promise.all(live.filter((n) => n !== 'etcd').map((name) => stopProcessGroup(lab.components[name]!.pid)))
  if (live.includes('etcd')) await stopProcessGroup(lab.components.etcd!.pid)
  await rm(dir, { recursive: true, force: true })
  return { stopped: live, found: true }
}

/** What runs in DIR: each component's process, port and health (etcd /health, kube-apiserver /readyz, kube-controller-manager /healthz). */
export async function labStatus(opts: { dir: string }): Promise<LabStatus> {
  const dir = path.resolve(opts.dir)
  const lab = await readLabFile(dir)
  if (!lab) throw new LabError(`No lab in ${dir} (no ${LAB_JSON}); start one with kubewalk lab up.`)
  const pki = path.join(dir, 'pki')
  const tls = await Promise.all(['ca.crt', 'admin.crt', 'admin.key'].map((f) => readFile(path.join(pki, f)).catch(() => undefined)))
  const [ca, cert, key] = tls
  const components = await Promise.all(
    COMPONENT_ORDER.filter((name) => lab.components[name] !== undefined).map(async (name): Promise<LabComponentStatus> => {
      const c = lab.components[name]!
      const alive = await isOurProcess(c.pid, c.binary)
      let health: true | string = 'not running'
      if (alive) {
        if (name === 'etcd') health = await etcdHealth(c.port)
        else if (!ca || !cert || !key) health = `running, but ${pki} lacks ca.crt/admin.crt/admin.key`
        else if (name === 'kube-apiserver') health = await apiserverReady(lab.server, { ca, cert, key })
        else health = await controllerManagerHealth(c.port, { ca })
      }
      const healthy = health === true
      const detail = health === true ? { etcd: '/health ok', 'kube-apiserver': '/readyz ok', 'kube-controller-manager': '/healthz ok' }[name] : health
      return { name, pid: c.pid, port: c.port, alive, healthy, detail }
    }),
  )
  return { version: lab.version, kubeconfig: lab.kubeconfig, dir: lab.dir, server: lab.server, components }
}
