// The node's processes: containerd (with the lab's images), kubelet, kube-proxy and kube-scheduler, then CoreDNS;
// and their stopping, which hands everything else to the host journal's undo.
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { execa } from 'execa'
import { LabError } from '../../../core/errors.js'
import type { TlsFiles } from '../health.js'
import { kubeconfigText } from '../kubeconfig.js'
import { freePorts } from '../ports.js'
import { isOurProcess, startComponent, stopProcessGroup, waitReady, type Running } from '../processes.js'
import { deploymentAvailable, listPods, nodeReady, type PodSummary } from './api.js'
import type { NodeCerts } from './certs.js'
import {
  REGISTRY_HOSTS_TOML,
  cgroupV1Notice,
  cniConflist,
  containerdConfig,
  coreDnsManifest,
  kubeProxyArgs,
  kubeletArgs,
  kubeletConfig,
  nodeLayout,
  schedulerArgs,
} from './config.js'
import { serviceProgrammed } from './firewall.js'
import { hostHasCgroupV2, readLabJournal, undoHostChanges } from './host.js'
import type { NodeHost } from './host-setup.js'
import type { NodeBinaries, NodeImageName } from './parts.js'
import { NODE_IMAGES, nodeBinariesFor } from './parts.js'
import { which } from '../../shell.js'
import { nodePath } from './prereqs.js'
import { NODE_COMPONENTS, readNodeFile, writeNodeFile, type NodeComponentName, type NodeFile } from './state.js'

/** The node's name: the kubelet's client certificate is system:node:<this>. */
export const NODE_NAME = 'kubewalk-node'

/** What startNode needs from labUp. */
export interface StartNodeInput {
  labDir: string
  version: string
  binaries: NodeBinaries
  kubectl: string
  host: NodeHost
  clusterName: string
  server: string
  ca: { cert: string; key: string }
  certs: NodeCerts
  admin: TlsFiles
  adminKubeconfig: string
  /** Components labUp watches while it waits: the node's are added. */
  running: Running[]
  progress: (line: string) => void
  deadline: number
  signal?: AbortSignal
}

/** The node's waits: quiet, under labUp's deadline, watching its components and the node's. */
const waitUntil = (what: string, probe: () => Promise<true | string>, input: StartNodeInput, component?: Running): Promise<void> =>
  waitReady(
    what,
    probe,
    { starting: 'node', deadline: input.deadline, running: input.running, ...(input.signal ? { signal: input.signal } : {}) },
    component,
  )

async function ctr(binaries: NodeBinaries, socket: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  const r = await execa(binaries.ctr, ['--address', socket, '--namespace', 'k8s.io', ...args], { reject: false, stdin: 'ignore', timeout: 60_000 })
  return { ok: !r.failed, out: `${String(r.stdout ?? '')}${String(r.stderr ?? '')}`.trim() }
}

/** Imports an image tarball into the node's containerd (namespace k8s.io, the one the kubelet sees); returns ctr's lines. */
export async function importImage(binaries: NodeBinaries, socket: string, tarball: string): Promise<string> {
  const r = await ctr(binaries, socket, ['images', 'import', '--platform', 'linux/amd64', tarball])
  if (!r.ok) throw new LabError(`ctr images import ${tarball} failed: ${r.out.split('\n').slice(-2).join(' ')}`)
  return r.out
}

/**
 * The names of the images `ctr images import` just loaded: the manifest digests it printed (`<media type> sha256:…`;
 * its name column is a progress display, not to be parsed), looked up in `ctr images ls` (REF TYPE DIGEST …), without
 * the `sha256:` refs the CRI adds.
 */
export function importedNames(importOutput: string, lsOutput: string): string[] {
  const digests = new Set([...importOutput.matchAll(/^application\/\S+\s+(sha256:[0-9a-f]{64})\s*$/gm)].map((m) => m[1]!))
  return lsOutput
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter(([ref, , digest]) => ref !== undefined && !ref.startsWith('sha256:') && digest !== undefined && digests.has(digest))
    .map(([ref]) => ref!)
}

/**
 * `kubewalk lab image import FILE`: loads an image tarball (docker save or OCI layout) into the running node of the
 * lab in labDir. A LabError when there is no such lab, it has no node, or its containerd is not running.
 */
export async function importImageIntoLab(labDir: string, tarball: string): Promise<string[]> {
  const node = await readNodeFile(labDir)
  if (!node) throw new LabError(`The lab in ${labDir} has no node (or there is no lab there); start one with kubewalk lab up --node.`)
  const c = node.components.containerd
  if (!c || !(await isOurProcess(c.pid, c.binary)))
    throw new LabError(`The node of the lab in ${labDir} is not running (its containerd is gone); start the lab again with kubewalk lab up --node.`)
  const binaries = nodeBinariesFor(node.version)
  const socket = nodeLayout(labDir).containerdSocket
  const printed = await importImage(binaries, socket, tarball)
  const list = await ctr(binaries, socket, ['images', 'ls'])
  return importedNames(printed, list.ok ? list.out : '')
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10)
}

/**
 * Starts the node into a lab whose control plane runs: containerd with the lab's images, kubelet, kube-proxy and
 * kube-scheduler, waits for the Node to be Ready, then deploys CoreDNS and waits for it. Each process is recorded in
 * node.json as it starts; on failure the caller stops them with stopNode.
 */
export async function startNode(input: StartNodeInput): Promise<NodeFile> {
  const { labDir, binaries, host, progress } = input
  const net = host.net
  const layout = nodeLayout(labDir)
  const runc = await which('runc', { PATH: nodePath() })
  if (!runc) throw new LabError('runc is not on PATH; install the Debian package runc.')
  for (const d of [
    layout.containerdRoot,
    layout.containerdState,
    layout.runcRoot,
    layout.cniConfDir,
    layout.cniDataDir,
    layout.kubeletRoot,
    layout.podLogsDir,
    layout.volumePluginDir,
  ])
    await mkdir(d, { recursive: true, mode: 0o700 })
  await writeFile(layout.containerdConfig, containerdConfig(layout, binaries.cniDir, runc))
  await mkdir(path.join(layout.registryConfigDir, '_default'), { recursive: true })
  await writeFile(path.join(layout.registryConfigDir, '_default', 'hosts.toml'), REGISTRY_HOSTS_TOML)
  await writeFile(path.join(layout.cniConfDir, '10-kubewalk-lab.conflist'), cniConflist(net, layout))

  const [kubeletPort, kubeletHealthz, proxyHealthz, proxyMetrics, schedulerPort] = (await freePorts(5)) as [number, number, number, number, number]
  const node: NodeFile = { name: NODE_NAME, version: input.version, network: net, kubeletPort, components: {} }
  await writeNodeFile(labDir, node)
  // The shim and runc are found on PATH; the system's sbin holds iptables for the kubelet and kube-proxy.
  const env = { PATH: nodePath(`${path.dirname(binaries.shim)}:${process.env.PATH ?? ''}`) }
  const launch = async (name: NodeComponentName, binary: string, args: string[], port?: number) => {
    const r = await startComponent(name, binary, args, layout.dir, env)
    input.running.push(r)
    node.components[name] = { pid: r.pid, binary, log: r.log, ...(port !== undefined ? { port } : {}) }
    await writeNodeFile(labDir, node)
    return r
  }
  const started = Date.now()
  const step = async (what: string, run: () => Promise<void>) => {
    const since = Date.now()
    await run()
    progress(`${what} (${seconds(Date.now() - since)} s)`)
  }

  await step(`containerd ready on ${layout.containerdSocket}`, async () => {
    const r = await launch('containerd', binaries.containerd, ['--config', layout.containerdConfig, '--log-level', 'warn'])
    await waitUntil(
      'containerd socket',
      async () =>
        (await stat(layout.containerdSocket).catch(() => undefined)) && (await ctr(binaries, layout.containerdSocket, ['version'])).ok
          ? true
          : 'no answer on its socket yet',
      input,
      r,
    )
  })
  await step(`images imported: ${Object.values(NODE_IMAGES).join(', ')}`, async () => {
    for (const name of Object.keys(NODE_IMAGES) as NodeImageName[]) await importImage(binaries, layout.containerdSocket, binaries.images[name])
  })

  const kubeconfig = async (file: string, user: string, cert: string, key: string) => {
    const [ca, c, k] = await Promise.all([readFile(input.ca.cert), readFile(cert), readFile(key)])
    await writeFile(file, kubeconfigText(input.clusterName, user, input.server, ca, c, k), { mode: 0o600 })
    return file
  }
  const certs = input.certs
  const kubeletKubeconfig = await kubeconfig(
    path.join(layout.dir, 'kubelet.kubeconfig'),
    `system:node:${NODE_NAME}`,
    certs.kubeletClientCert,
    certs.kubeletClientKey,
  )
  const proxyKubeconfig = await kubeconfig(
    path.join(layout.dir, 'kube-proxy.kubeconfig'),
    'system:kube-proxy',
    certs.kubeProxyCert,
    certs.kubeProxyKey,
  )
  const schedulerKubeconfig = await kubeconfig(
    path.join(layout.dir, 'kube-scheduler.kubeconfig'),
    'system:kube-scheduler',
    certs.schedulerCert,
    certs.schedulerKey,
  )
  const cgroupV1 = !(await hostHasCgroupV2())
  const notice = cgroupV1Notice(input.version, cgroupV1)
  if (notice !== undefined) progress(notice)
  await writeFile(
    layout.kubeletConfig,
    kubeletConfig({
      version: input.version,
      net,
      layout,
      port: kubeletPort,
      healthzPort: kubeletHealthz,
      caFile: input.ca.cert,
      tlsCertFile: certs.kubeletServingCert,
      tlsKeyFile: certs.kubeletServingKey,
      cgroupV1,
    }),
  )

  await step(`node/${NODE_NAME} Ready`, async () => {
    const kubelet = await launch(
      'kubelet',
      binaries.kubelet,
      kubeletArgs({
        config: layout.kubeletConfig,
        kubeconfig: kubeletKubeconfig,
        rootDir: layout.kubeletRoot,
        certDir: path.join(layout.dir, 'kubelet-pki'),
        nodeName: NODE_NAME,
        nodeIp: net.nodeIp,
      }),
      kubeletHealthz,
    )
    await launch(
      'kube-proxy',
      binaries.kubeProxy,
      kubeProxyArgs({ kubeconfig: proxyKubeconfig, nodeName: NODE_NAME, net, healthzPort: proxyHealthz, metricsPort: proxyMetrics }),
      proxyHealthz,
    )
    await launch('kube-scheduler', binaries.kubeScheduler, schedulerArgs({ kubeconfig: schedulerKubeconfig, port: schedulerPort }), schedulerPort)
    await waitUntil(`node/${NODE_NAME} Ready`, () => nodeReady(input.server, input.admin, NODE_NAME), input, kubelet)
  })
  node.readyMs = Date.now() - started

  await step('CoreDNS ready, and its Service routed by kube-proxy (kube-system/coredns, Service kube-dns)', async () => {
    await writeFile(layout.coreDnsManifest, coreDnsManifest(net))
    const r = await execa(input.kubectl, ['--kubeconfig', input.adminKubeconfig, 'apply', '-f', layout.coreDnsManifest], {
      reject: false,
      stdin: 'ignore',
      env: { KUBERC: 'off' },
    })
    if (r.failed) throw new LabError(`kubectl apply of CoreDNS failed: ${String(r.stderr).trim().split('\n').slice(-2).join(' ')}`)
    await waitUntil('deployment/coredns available', () => deploymentAvailable(input.server, input.admin, 'kube-system', 'coredns'), input)
    // CoreDNS available is not yet a name a Pod can resolve: kube-proxy programs the Services' rules a moment later
    // (a Pod's first curl of kubernetes.default.svc failed to resolve once in seven starts before this wait).
    const targets = [
      { ip: net.dnsServiceIp, port: 53, protocol: 'udp' },
      { ip: net.dnsServiceIp, port: 53, protocol: 'tcp' },
      { ip: net.kubernetesServiceIp, port: 443, protocol: 'tcp' },
    ] as const
    await waitUntil(
      'kube-proxy rules for Services kube-dns and kubernetes',
      async () => {
        const dump = await execa('iptables-save', ['-t', 'nat'], { reject: false, stdin: 'ignore', env })
        if (dump.failed) return `iptables-save: ${String(dump.stderr).trim() || dump.shortMessage}`
        for (const t of targets) {
          const r = serviceProgrammed(String(dump.stdout), t.ip, t.port, t.protocol)
          if (r !== true) return r
        }
        return true
      },
      input,
    )
  })
  await writeNodeFile(labDir, node)
  return node
}

/**
 * Stops the node's processes (kube-scheduler, kube-proxy, kubelet, then containerd) and undoes every host change its
 * journal records. Returns the names stopped and the undo's problems (each a sentence); never throws for a missing node.
 */
export async function stopNode(labDir: string): Promise<{ stopped: string[]; problems: string[] }> {
  const node = await readNodeFile(labDir)
  const stopped: string[] = []
  const stop = async (names: readonly NodeComponentName[]) => {
    const live = (await Promise.all(names.map(async (n) => ({ n, c: node?.components[n] })))).filter(({ c }) => c !== undefined)
    const alive = await Promise.all(live.map(({ c }) => isOurProcess(c!.pid, c!.binary)))
    const mine = live.filter((_, i) => alive[i])
    await Promise.all(mine.map(({ c }) => stopProcessGroup(c!.pid)))
    stopped.push(...mine.map(({ n }) => n))
  }
  // containerd last: the kubelet talks to it while it stops.
  await stop(['kube-scheduler', 'kube-proxy', 'kubelet'])
  await stop(['containerd'])
  const journal = await readLabJournal(labDir)
  const problems = journal ? await undoHostChanges(journal) : []
  return { stopped, problems }
}

/** One node process as `lab status` sees it. */
export interface NodeComponentStatus {
  name: NodeComponentName
  pid: number
  alive: boolean
}

/** The node in `lab status`: its processes, readiness and Pods. */
export interface NodeStatus {
  name: string
  network: { range: string; serviceCidr: string; podCidr: string; nodeIp: string }
  components: NodeComponentStatus[]
  ready: boolean
  detail: string
  pods: PodSummary[]
}

/** The node of the lab in labDir, or undefined for a lab without one. */
export async function nodeStatus(labDir: string, server: string, admin: TlsFiles | undefined): Promise<NodeStatus | undefined> {
  const node = await readNodeFile(labDir)
  if (!node) return undefined
  const components = await Promise.all(
    NODE_COMPONENTS.filter((n) => node.components[n] !== undefined).map(async (name) => {
      const c = node.components[name]!
      return { name, pid: c.pid, alive: await isOurProcess(c.pid, c.binary) }
    }),
  )
  const ready = admin ? await nodeReady(server, admin, node.name) : 'no admin certificate to ask with'
  const pods = admin ? await listPods(server, admin) : []
  const { range, serviceCidr, podCidr, nodeIp } = node.network
  return {
    name: node.name,
    network: { range, serviceCidr, podCidr, nodeIp },
    components,
    ready: ready === true,
    detail: ready === true ? 'Ready' : ready,
    pods: typeof pods === 'string' ? [] : pods,
  }
}
