// The node's processes: containerd (with the lab's images), kubelet, kube-proxy and kube-scheduler, then CoreDNS;
// and their stopping, which hands everything else to the host journal's undo.
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { execa } from 'execa'
import { LabError } from '../../../core/errors.js'
import type { TlsFiles } from '../health.js'
import { kubeconfigText } from '../kubeconfig.js'
import { freePorts } from '../ports.js'
import { labKubeCacheDir } from '../state.js'
import { isOurProcess, startComponent, stopProcessGroup, waitReady, type Running } from '../processes.js'
import { deploymentAvailable, listPods, nodeReady, type PodSummary } from './api.js'
import type { NodeCerts } from './certs.js'
import {
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
import { cacheImage, cachedImages, type CachedImage } from './image-cache.js'
import { PULL_THROUGH_UPSTREAMS, hostNamespace, parseImageRef } from './mirror.js'
import { REGISTRY_ENV, pushTarballs, registryAnswers, registryConfig, registryImages, writeRegistryHosts, type CtrIn } from './registry.js'
import { hostHasCgroupV2, readLabJournal, undoHostChanges } from './host.js'
import type { NodeHost } from './host-setup.js'
import type { NodeBinaries, NodeImageName } from './parts.js'
import { NODE_IMAGES, nodeBinariesFor } from './parts.js'
import { which } from '../../shell.js'
import { nodePath } from './prereqs.js'
import { NODE_COMPONENTS, readNodeFile, writeNodeFile, type NodeComponent, type NodeComponentName, type NodeFile } from './state.js'

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
  /**
   * Let pulls of images the lab's registry lacks reach their upstream registries, through one Distribution proxy per
   * host: true for PULL_THROUGH_UPSTREAMS, or a map of registry host to the URL its proxy fetches from. Off by default:
   * nothing is looked up or fetched beyond the machine.
   */
  pullThrough?: boolean | Readonly<Record<string, string>>
}

/** The node's waits: quiet, under labUp's deadline, watching its components and the node's. */
const waitUntil = (what: string, probe: () => Promise<true | string>, input: StartNodeInput, component?: Running): Promise<void> =>
  waitReady(
    what,
    probe,
    { starting: 'node', deadline: input.deadline, running: input.running, ...(input.signal ? { signal: input.signal } : {}) },
    component,
  )

async function ctr(
  binaries: NodeBinaries,
  socket: string,
  args: string[],
  namespace = 'k8s.io',
): Promise<{ ok: boolean; out: string; stdout: string }> {
  const r = await execa(binaries.ctr, ['--address', socket, '--namespace', namespace, ...args], { reject: false, stdin: 'ignore', timeout: 120_000 })
  // stderr apart: containerd 2.2+ warns there (cgroup v1 deprecation) on every call.
  return { ok: !r.failed, out: `${String(r.stdout ?? '')}\n${String(r.stderr ?? '')}`.trim(), stdout: String(r.stdout ?? '') }
}

/** Imports an image tarball into the node's containerd (namespace k8s.io, the one the kubelet sees); returns ctr's lines. */
export async function importImage(binaries: NodeBinaries, socket: string, tarball: string): Promise<string> {
  const r = await ctr(binaries, socket, ['images', 'import', '--platform', 'linux/amd64', tarball])
  if (!r.ok) throw new LabError(`ctr images import ${tarball} failed: ${r.out.split('\n').slice(-2).join(' ')}`)
  return r.out
}

/** ctr against the node's containerd, in any namespace. */
function ctrIn(binaries: NodeBinaries, socket: string): CtrIn {
  return (namespace, args) => ctr(binaries, socket, args, namespace)
}

/** The registry of the node of the lab in labDir, when that node runs (its registry and containerd both alive). */
async function runningRegistry(labDir: string): Promise<{ node: NodeFile; port: number } | undefined> {
  const node = await readNodeFile(labDir)
  const r = node?.components.registry
  const c = node?.components.containerd
  if (!node || !r || !c || node.registryPort === undefined) return undefined
  if (!(await isOurProcess(r.pid, r.binary)) || !(await isOurProcess(c.pid, c.binary))) return undefined
  return { node, port: node.registryPort }
}

/** What `lab image import` did: the tarball's names, its file in the cache, and the lab whose registry serves it now. */
export interface ImportedImage {
  names: string[]
  file: string
  /** The lab folder whose running node now serves the image; undefined when no node lab runs there. */
  servedIn?: string
}

/**
 * `kubewalk lab image import FILE`: keeps an image tarball (docker save or OCI layout) in kubewalk's image cache, which
 * every node lab serves from its registry, and pushes it into the registry of the node lab in labDir if one runs.
 */
export async function importImageIntoLab(labDir: string, tarball: string): Promise<ImportedImage> {
  const cached = await cacheImage(tarball)
  const running = await runningRegistry(labDir)
  if (!running) return cached
  const layout = nodeLayout(labDir)
  const binaries = nodeBinariesFor(running.node.version)
  await writeRegistryHosts(
    layout.registryConfigDir,
    running.port,
    cached.names.map((n) => parseImageRef(n).host),
    proxyPorts(running.node),
  )
  await pushTarballs(ctrIn(binaries, layout.containerdSocket), [cached.file], running.port)
  return { ...cached, servedIn: labDir }
}

/** One image a lab knows, and where: its node's registry, the node's own (built-in) images, kubewalk's cache. */
export interface LabImage {
  name: string
  in: ('registry' | 'built-in' | 'cache')[]
}

/** `kubewalk lab image list`: the images of the node lab in labDir (when one runs) and of kubewalk's cache, by name. */
export async function listLabImages(labDir: string): Promise<{ running: boolean; images: LabImage[] }> {
  const by = new Map<string, LabImage>()
  const add = (name: string, where: LabImage['in'][number]): void => {
    const e = by.get(name) ?? { name, in: [] }
    if (!e.in.includes(where)) e.in.push(where)
    by.set(name, e)
  }
  const running = await runningRegistry(labDir)
  if (running) {
    for (const n of await registryImages(running.port)) add(n, 'registry')
    for (const n of Object.values(NODE_IMAGES)) add(n, 'built-in')
  }
  for (const c of await cachedImages()) for (const n of c.names) add(n, 'cache')
  return { running: running !== undefined, images: [...by.values()].sort((a, b) => a.name.localeCompare(b.name)) }
}

function proxyPorts(node: NodeFile): Record<string, number> {
  return Object.fromEntries(Object.entries(node.proxies ?? {}).flatMap(([h, c]) => (c.port !== undefined ? [[h, c.port]] : [])))
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10)
}

type Launch = (name: NodeComponentName, binary: string, args: string[], port?: number, more?: Record<string, string>) => Promise<Running>

/**
 * Starts the lab's registry on loopback and, for --pull-through, one Distribution proxy per upstream host (proxy mode
 * serves one remote and takes no pushes); waits until each answers. Returns the proxies' ports by host.
 * The pull-through path cannot be tested on a machine without internet: it is written, not proven.
 */
async function startRegistries(
  input: StartNodeInput,
  node: NodeFile,
  layout: ReturnType<typeof nodeLayout>,
  env: Record<string, string>,
  port: number,
  upstreams: [string, string][],
  proxyPorts: number[],
  launch: Launch,
): Promise<Record<string, number>> {
  const { labDir, binaries } = input
  const start = async (dir: string, p: number, remoteUrl?: string): Promise<string> => {
    await mkdir(path.join(dir, 'data'), { recursive: true, mode: 0o700 })
    const config = path.join(dir, 'config.yml')
    await writeFile(config, registryConfig({ dataDir: path.join(dir, 'data'), port: p, ...(remoteUrl !== undefined ? { remoteUrl } : {}) }))
    return config
  }
  const main = await launch('registry', binaries.registry, ['serve', await start(layout.registryDir, port)], port, { ...REGISTRY_ENV })
  await waitUntil(`registry on 127.0.0.1:${port}`, () => registryAnswers(port), input, main)
  const proxies: Record<string, number> = {}
  for (const [i, [host, url]] of upstreams.entries()) {
    const p = proxyPorts[i]!
    const config = await start(path.join(layout.registryDir, `proxy-${hostNamespace(host)}`), p, url)
    const r = await startComponent(`registry-proxy-${hostNamespace(host)}`, binaries.registry, ['serve', config], layout.dir, {
      ...env,
      ...REGISTRY_ENV,
    })
    input.running.push(r)
    const c: NodeComponent = { pid: r.pid, binary: binaries.registry, log: r.log, port: p }
    node.proxies = { ...node.proxies, [host]: c }
    await writeNodeFile(labDir, node)
    await waitUntil(`registry proxy for ${host} on 127.0.0.1:${p}`, () => registryAnswers(p), input, r)
    proxies[host] = p
  }
  return proxies
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
  await writeFile(path.join(layout.cniConfDir, '10-kubewalk-lab.conflist'), cniConflist(net, layout))

  const upstreams = Object.entries(input.pullThrough === true ? PULL_THROUGH_UPSTREAMS : (input.pullThrough ?? {}))
  const ports = await freePorts(6 + upstreams.length)
  const [kubeletPort, kubeletHealthz, proxyHealthz, proxyMetrics, schedulerPort, registryPort] = ports as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  const node: NodeFile = { name: NODE_NAME, version: input.version, network: net, kubeletPort, registryPort, components: {} }
  await writeNodeFile(labDir, node)
  // The shim and runc are found on PATH; the system's sbin holds iptables for the kubelet and kube-proxy.
  const env = { PATH: nodePath(`${path.dirname(binaries.shim)}:${process.env.PATH ?? ''}`) }
  const launch = async (name: NodeComponentName, binary: string, args: string[], port?: number, more: Record<string, string> = {}) => {
    const r = await startComponent(name, binary, args, layout.dir, { ...env, ...more })
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

  const cached = await cachedImages()
  await step(
    `registry ready on 127.0.0.1:${registryPort}${upstreams.length ? `, with pull-through proxies for ${upstreams.map(([h]) => h).join(', ')}` : ''}`,
    async () => {
      const proxies = await startRegistries(input, node, layout, env, registryPort, upstreams, ports.slice(6), launch)
      await writeRegistryHosts(
        layout.registryConfigDir,
        registryPort,
        cached.flatMap((c) => c.names.map((n) => parseImageRef(n).host)),
        proxies,
      )
    },
  )
  await step(`containerd ready on ${layout.containerdSocket}`, async () => {
    // GODEBUG=netdns=go+2: containerd's log names every host it would look up (none, when nothing leaves the machine).
    const r = await launch('containerd', binaries.containerd, ['--config', layout.containerdConfig, '--log-level', 'warn'], undefined, {
      GODEBUG: REGISTRY_ENV.GODEBUG!,
    })
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
  if (cached.length > 0) {
    let served: string[] = []
    await step(`kubewalk's image cache pushed into the registry`, async () => {
      served = await pushTarballs(
        ctrIn(binaries, layout.containerdSocket),
        cached.map((c: CachedImage) => c.file),
        registryPort,
      )
    })
    progress(`the registry serves ${served.join(', ') || 'nothing: ctr listed no image names'}`)
  }

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
      env: { KUBERC: 'off', KUBECACHEDIR: labKubeCacheDir(labDir) },
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
  // containerd last: the kubelet talks to it while it stops; the registries with it.
  await stop(['kube-scheduler', 'kube-proxy', 'kubelet'])
  await stop(['containerd', 'registry'])
  const proxies = Object.entries(node?.proxies ?? {})
  const alive = await Promise.all(proxies.map(([, c]) => isOurProcess(c.pid, c.binary)))
  const mine = proxies.filter((_, i) => alive[i])
  await Promise.all(mine.map(([, c]) => stopProcessGroup(c.pid)))
  stopped.push(...mine.map(([h]) => `registry proxy for ${h}`))
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
  /** The node's registry, http://127.0.0.1:PORT (every registry host's images are pulled from it). */
  registry?: string
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
    ...(node.registryPort !== undefined ? { registry: `http://127.0.0.1:${node.registryPort}` } : {}),
    ready: ready === true,
    detail: ready === true ? 'Ready' : ready,
    pods: typeof pods === 'string' ? [] : pods,
  }
}
