// The lab's orchestration: up (certificates, then etcd, kube-apiserver, kube-controller-manager, each once ready), down, status.
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { LabError, errorMessage } from '../../core/errors.js'
import type { LabBinaries } from './build.js'
import { generateLabCerts } from './certs.js'
import { tailOf } from './files.js'
import { apiserverArgs, controllerManagerArgs, etcdArgs, type LabPorts } from './flags.js'
import { apiserverReady, controllerManagerHealth, defaultServiceAccount, etcdHealth, type TlsFiles } from './health.js'
import { kubeconfigText } from './kubeconfig.js'
import { freePorts } from './ports.js'
import {
  ComponentFailure,
  isOurProcess,
  keepLogs,
  processesNamingDir,
  seconds,
  startComponent,
  stopProcessGroup,
  waitReady,
  type Running,
  type WaitContext,
} from './processes.js'
import { readStamp } from './stamp.js'
import {
  findNode,
  generateNodeCerts,
  nodeStatus,
  prepareNodeHost,
  startNode,
  stopNode,
  undoStaleNode,
  type NodeBinaries,
  type NodeHost,
  type NodeStatus,
} from './node/index.js'
import {
  COMPONENT_ORDER,
  LAB_JSON,
  isEmptyDir,
  labKubeCacheDir,
  readLabFile,
  stateOf,
  writeLabFile,
  type LabComponentName,
  type LabFile,
  type LabState,
} from './state.js'

/** Options of labUp; `dir` and `binaries` are required. */
export interface LabUpOptions {
  dir: string
  /** The binaries of one release (findLabBinaries, buildLabBinaries); lab.json records their version. */
  binaries: LabBinaries
  /** Name of the kubeconfig's cluster, user and context; default 'kubewalk-lab'. */
  clusterName?: string
  /** Run kube-controller-manager (which creates the `default` ServiceAccount and fills token Secrets); default true. */
  controllerManager?: boolean
  onProgress?: (line: string) => void
  /** Bound on the wait for every component to become ready; default 120 s. */
  timeoutMs?: number
  /** Aborting stops the wait; what was started is stopped and removed. */
  signal?: AbortSignal
  /**
   * Run a node too (root only): containerd, kubelet, kube-proxy, kube-scheduler and CoreDNS, from buildNode's
   * binaries (true: the finished build of this version, else a LabError). The API server then binds the node's address.
   */
  node?: boolean | NodeBinaries
  /** With a node: let pulls of images the lab's registry lacks reach upstream registries (see StartNodeInput.pullThrough). */
  pullThrough?: boolean | Readonly<Record<string, string>>
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
  /** The Kubernetes release the lab runs. */
  version: string
  /** Its commit, when the build knew it. */
  commit?: string
  kubeconfig: string
  dir: string
  server: string
  components: LabComponentStatus[]
  /** The node, for a lab started with one. */
  node?: NodeStatus
}

const defaults = {
  clusterName: 'kubewalk-lab',
  controllerManager: true,
  timeoutMs: 120_000,
}

async function liveComponents(lab: LabFile): Promise<LabComponentName[]> {
  const names = COMPONENT_ORDER.filter((n) => lab.components[n] !== undefined)
  const alive = await Promise.all(names.map((n) => isOurProcess(lab.components[n]!.pid, lab.components[n]!.binary)))
  return names.filter((_, i) => alive[i])
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

  // A lab whose processes are all gone (a reboot, a kill) is ours to clear, with what its node left on the host.
  if ((await checkLabDir(dir)) === 'stale') {
    for (const stray of await stopStrays(dir)) progress(`stopped ${stray} left running, unrecorded, by an interrupted lab up`)
    await stopNode(dir)
    await rm(dir, { recursive: true, force: true })
  }
  let nodeBinaries: NodeBinaries | undefined
  if (opts.node) {
    nodeBinaries = opts.node === true ? await findNode(opts.binaries.version) : opts.node
    if (!nodeBinaries)
      throw new LabError(
        `The node's parts for Kubernetes ${opts.binaries.version} are not built; run kubewalk lab build --node --version ${opts.binaries.version} first.`,
      )
  }
  const createdDir = (await isEmptyDir(dir)) === undefined
  await mkdir(dir, { recursive: true, mode: 0o700 })

  const binaries = {
    etcd: path.resolve(opts.binaries.etcd),
    kubeApiserver: path.resolve(opts.binaries.kubeApiserver),
    kubeControllerManager: path.resolve(opts.binaries.kubeControllerManager),
  }
  const startedAt = new Date()
  const running: Running[] = []
  let node: NodeHost | undefined
  progress(`starting the lab in ${dir} at ${startedAt.toISOString()}`)
  try {
    const [etcd, etcdPeer, apiserver, controllerManager] = (await freePorts(4)) as [number, number, number, number]
    const ports: LabPorts = { etcd, etcdPeer, apiserver, controllerManager }
    // Before any component starts: with a node, its range is routed and its packets kept on the machine first.
    if (nodeBinaries) {
      await undoStaleNode(progress)
      node = await prepareNodeHost(dir, progress, opts.signal)
    }
    const server = `https://${node ? node.net.nodeIp : '127.0.0.1'}:${ports.apiserver}`
    const kubeconfig = path.join(dir, 'kubeconfig')
    const commit = (await readStamp(opts.binaries.dir))?.commit
    const lab: LabFile = {
      version: opts.binaries.version,
      ...(commit ? { commit } : {}),
      kubeconfig,
      dir,
      clusterName,
      server,
      status: 'starting',
      startedAt: startedAt.toISOString(),
      components: {},
    }
    // Written before anything starts, so labDown can clean up after an interrupted labUp.
    await writeLabFile(dir, lab)

    const certs = await generateLabCerts(path.join(dir, 'pki'), node ? { serviceIp: node.net.kubernetesServiceIp, extraIps: [node.net.nodeIp] } : {})
    const nodeCerts = node
      ? await generateNodeCerts(path.join(dir, 'pki', 'node'), { cert: certs.caCert, key: certs.caKey }, 'kubewalk-node', node.net.nodeIp)
      : undefined
    const [ca, adminCert, adminKey, cmCert, cmKey, etcdCa, etcdCert, etcdKey] = (await Promise.all(
      [
        certs.caCert,
        certs.adminCert,
        certs.adminKey,
        certs.controllerManagerCert,
        certs.controllerManagerKey,
        certs.etcdCaCert,
        certs.etcdHealthcheckClientCert,
        certs.etcdHealthcheckClientKey,
      ].map((f) => readFile(f)),
    )) as [Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer]
    const admin: TlsFiles = { ca, cert: adminCert, key: adminKey }
    const etcdClient: TlsFiles = { ca: etcdCa, cert: etcdCert, key: etcdKey }
    await writeFile(kubeconfig, kubeconfigText(clusterName, clusterName, server, ca, adminCert, adminKey), { mode: 0o600 })
    progress(`certificates and kubeconfig written (${Date.now() - startedAt.getTime()} ms)`)

    const ctx: WaitContext = {
      starting: 'lab',
      deadline: Date.now() + timeoutMs,
      timeoutMs,
      running,
      progress,
      ...(opts.signal ? { signal: opts.signal } : {}),
    }
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

    await step(`etcd ready on 127.0.0.1:${ports.etcd} (TLS, client certificates only)`, async () => {
      const r = await launch('etcd', binaries.etcd, etcdArgs(dir, certs, ports), ports.etcd)
      await waitReady('etcd /health', () => etcdHealth(ports.etcd, etcdClient), ctx, r)
    })
    await step(`kube-apiserver ready at ${server}`, async () => {
      const nodeFlags =
        node && nodeCerts
          ? {
              address: node.net.nodeIp,
              serviceCidr: node.net.serviceCidr,
              kubeletClientCert: nodeCerts.apiserverKubeletClientCert,
              kubeletClientKey: nodeCerts.apiserverKubeletClientKey,
            }
          : undefined
      const r = await launch('kube-apiserver', binaries.kubeApiserver, apiserverArgs(certs, ports, nodeFlags), ports.apiserver)
      await waitReady('kube-apiserver /readyz', () => apiserverReady(server, admin), ctx, r)
    })
    if (withControllerManager) {
      const cmKubeconfig = path.join(dir, 'controller-manager.kubeconfig')
      await writeFile(cmKubeconfig, kubeconfigText(clusterName, 'system:kube-controller-manager', server, ca, cmCert, cmKey), { mode: 0o600 })
      await step('kube-controller-manager created serviceaccount/default', async () => {
        const cm = await launch(
          'kube-controller-manager',
          binaries.kubeControllerManager,
          controllerManagerArgs(certs, cmKubeconfig, ports),
          ports.controllerManager,
        )
        await waitReady('serviceaccount/default', () => defaultServiceAccount(server, admin), ctx, cm)
      })
    }

    if (node && nodeBinaries && nodeCerts) {
      await startNode({
        labDir: dir,
        version: opts.binaries.version,
        binaries: nodeBinaries,
        kubectl: path.join(opts.binaries.dir, 'kubectl'),
        host: node,
        clusterName,
        server,
        ca: { cert: certs.caCert, key: certs.caKey },
        certs: nodeCerts,
        admin,
        adminKubeconfig: kubeconfig,
        running,
        progress,
        deadline: ctx.deadline,
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.pullThrough ? { pullThrough: opts.pullThrough } : {}),
      })
    }

    const readyAt = new Date()
    lab.status = 'ready'
    lab.readyAt = readyAt.toISOString()
    lab.readyMs = readyAt.getTime() - startedAt.getTime()
    await writeLabFile(dir, lab)
    progress(`lab ready in ${seconds(lab.readyMs)} s (started ${lab.startedAt}); KUBECONFIG=${kubeconfig} KUBECACHEDIR=${labKubeCacheDir(dir)}`)
    return stateOf(lab)
  } catch (error) {
    const tail = error instanceof ComponentFailure ? await tailOf(error.component.log) : ''
    await Promise.all(running.map((r) => stopProcessGroup(r.pid)))
    // The node's containers, mounts, links, routes, rules and sysctls: undone from its journal.
    if (node) await stopNode(dir)
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
  // The node first, and with it everything it changed on the host; a node lab killed elsewhere is cleared too.
  const node = await stopNode(dir)
  if (node.problems.length > 0)
    throw new LabError(
      `Stopping the lab's node left host changes it could not undo: ${node.problems.join('; ')}; run kubewalk lab down --dir ${dir} again.`,
    )
  await undoStaleNode(() => {})
  const live = await liveComponents(lab)
  // etcd last, so kube-apiserver can still delete its identity lease while it shuts down.
  await Promise.all(live.filter((n) => n !== 'etcd').map((name) => stopProcessGroup(lab.components[name]!.pid)))
  if (live.includes('etcd')) await stopProcessGroup(lab.components.etcd!.pid)
  const strays = await stopStrays(dir)
  await rm(dir, { recursive: true, force: true })
  return { stopped: [...node.stopped, ...live, ...strays], found: true }
}

/**
 * Stops the control-plane processes that name a path in `dir` but are not in its lab.json (a start killed between
 * spawning one and recording it); returns them as `etcd (pid N)`. Each was started as its own process group's leader.
 */
async function stopStrays(dir: string): Promise<string[]> {
  const strays = await processesNamingDir(dir, ['etcd', 'kube-apiserver', 'kube-controller-manager'])
  await Promise.all(
    strays.map(async ({ pid }) => {
      await stopProcessGroup(pid)
      try {
        // Not a group leader after all (started by hand): the process itself.
        process.kill(pid, 'SIGKILL')
      } catch {
        // gone
      }
    }),
  )
  return strays.map(({ pid, program }) => `${program} (pid ${pid})`)
}

/** What runs in DIR: each component's process, port and health (etcd /health, kube-apiserver /readyz, kube-controller-manager /healthz). */
export async function labStatus(opts: { dir: string }): Promise<LabStatus> {
  const dir = path.resolve(opts.dir)
  const lab = await readLabFile(dir)
  if (!lab) throw new LabError(`No lab in ${dir} (no ${LAB_JSON}); start one with kubewalk lab up.`)
  const pki = path.join(dir, 'pki')
  const pem = ['ca.crt', 'admin.crt', 'admin.key', 'etcd-ca.crt', 'etcd-healthcheck-client.crt', 'etcd-healthcheck-client.key']
  const [ca, cert, key, etcdCa, etcdCert, etcdKey] = await Promise.all(pem.map((f) => readFile(path.join(pki, f)).catch(() => undefined)))
  const components = await Promise.all(
    COMPONENT_ORDER.filter((name) => lab.components[name] !== undefined).map(async (name): Promise<LabComponentStatus> => {
      const c = lab.components[name]!
      const alive = await isOurProcess(c.pid, c.binary)
      let health: true | string = 'not running'
      if (alive) {
        if (name === 'etcd')
          health =
            etcdCa && etcdCert && etcdKey
              ? await etcdHealth(c.port, { ca: etcdCa, cert: etcdCert, key: etcdKey })
              : `running, but ${pki} lacks the etcd CA or health-check client certificate`
        else if (!ca || !cert || !key) health = `running, but ${pki} lacks ca.crt/admin.crt/admin.key`
        else if (name === 'kube-apiserver') health = await apiserverReady(lab.server, { ca, cert, key })
        else health = await controllerManagerHealth(c.port, ca)
      }
      const healthy = health === true
      const detail = health === true ? { etcd: '/health ok', 'kube-apiserver': '/readyz ok', 'kube-controller-manager': '/healthz ok' }[name] : health
      return { name, pid: c.pid, port: c.port, alive, healthy, detail }
    }),
  )
  const node = await nodeStatus(dir, lab.server, ca && cert && key ? { ca, cert, key } : undefined)
  return {
    version: lab.version,
    ...(lab.commit ? { commit: lab.commit } : {}),
    kubeconfig: lab.kubeconfig,
    dir: lab.dir,
    server: lab.server,
    components,
    ...(node ? { node } : {}),
  }
}
