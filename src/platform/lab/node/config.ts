// The node's configuration files and command lines, as text: containerd, CNI, kubelet, kube-proxy, kube-scheduler, CoreDNS.
import path from 'node:path'
import { stringify } from 'yaml'
import type { NodeNetwork } from './network.js'
import { NODE_IMAGES } from './parts.js'

/** Where one node keeps its state: all of it below `dir` (the lab's `node/` folder). */
export interface NodeLayout {
  dir: string
  containerdRoot: string
  containerdState: string
  containerdSocket: string
  containerdConfig: string
  runcRoot: string
  cniConfDir: string
  cniDataDir: string
  kubeletRoot: string
  kubeletConfig: string
  podLogsDir: string
  volumePluginDir: string
  coreDnsManifest: string
  /** containerd's per-registry hosts.toml files: every registry is sent to the lab's registry on loopback. */
  registryConfigDir: string
  /** The Distribution registry's config and storage (and its pull-through proxies'). */
  registryDir: string
}

export function nodeLayout(labDir: string): NodeLayout {
  const dir = path.join(labDir, 'node')
  return {
    dir,
    containerdRoot: path.join(dir, 'containerd', 'root'),
    containerdState: path.join(dir, 'containerd', 'state'),
    containerdSocket: path.join(dir, 'containerd', 'containerd.sock'),
    containerdConfig: path.join(dir, 'containerd', 'config.toml'),
    runcRoot: path.join(dir, 'containerd', 'runc'),
    cniConfDir: path.join(dir, 'cni', 'net.d'),
    cniDataDir: path.join(dir, 'cni', 'networks'),
    kubeletRoot: path.join(dir, 'kubelet'),
    kubeletConfig: path.join(dir, 'kubelet-config.yaml'),
    podLogsDir: path.join(dir, 'pod-logs'),
    volumePluginDir: path.join(dir, 'volume-plugins'),
    coreDnsManifest: path.join(dir, 'coredns.yaml'),
    registryConfigDir: path.join(dir, 'containerd', 'certs.d'),
    registryDir: path.join(dir, 'registry'),
  }
}

/** The cgroup below which the kubelet puts every Pod (cgroupRoot), so undoing the node removes one tree. */
export const NODE_CGROUP = 'kubewalk-lab'

function tomlString(s: string): string {
  if (/['\n]/.test(s)) throw new Error(`Cannot put ${JSON.stringify(s)} in a TOML literal string.`)
  return `'${s}'`
}

/**
 * containerd 2.x's config (version 4 was measured to run Pods here): state under the lab, its own socket, the lab's
 * pause image pinned, `restrict_oom_score_adj` (root may lack CAP_SYS_RESOURCE), the plugins that would write
 * outside the lab (NRI, the opt directory) off or moved in.
 */
export function containerdConfig(layout: NodeLayout, cniBinDir: string, runc: string): string {
  const t = tomlString
  return `version = 4
root = ${t(layout.containerdRoot)}
state = ${t(layout.containerdState)}
imports = []
disabled_plugins = ['io.containerd.nri.v1.nri', 'io.containerd.image-verifier.v1.bindir', 'io.containerd.snapshotter.v1.btrfs', 'io.containerd.snapshotter.v1.zfs', 'io.containerd.snapshotter.v1.devmapper', 'io.containerd.snapshotter.v1.blockfile', 'io.containerd.snapshotter.v1.erofs', 'io.containerd.tracing.processor.v1.otlp', 'io.containerd.internal.v1.tracing']

[plugins]
  [plugins.'io.containerd.server.v1.grpc']
    address = ${t(layout.containerdSocket)}
  [plugins.'io.containerd.server.v1.ttrpc']
    address = ${t(`${layout.containerdSocket}.ttrpc`)}
  [plugins.'io.containerd.metadata.v1.bolt']
    # A Pod's pull fetches every blob from the lab's registry, not from the namespace the cache was pushed from.
    content_sharing_policy = 'isolated'
  [plugins.'io.containerd.internal.v1.opt']
    path = ${t(path.join(layout.dir, 'containerd', 'opt'))}
  [plugins.'io.containerd.grpc.v1.cri']
    stream_server_address = '127.0.0.1'
    stream_server_port = '0'
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = ${t(NODE_IMAGES.pause)}
  [plugins.'io.containerd.cri.v1.images'.registry]
    config_path = ${t(layout.registryConfigDir)}
  [plugins.'io.containerd.cri.v1.runtime']
    restrict_oom_score_adj = true
    netns_mounts_under_state_dir = true
    enable_cdi = false
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = 'io.containerd.runc.v2'
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = ${t(runc)}
        Root = ${t(layout.runcRoot)}
        SystemdCgroup = false
    [plugins.'io.containerd.cri.v1.runtime'.cni]
      bin_dirs = [${t(cniBinDir)}]
      conf_dir = ${t(layout.cniConfDir)}
      max_conf_num = 1
`
}

/**
 * The CNI network: a bridge whose Pods get an address in podCidr and a route to the lab's range only: no default
 * route and no masquerading, so a Pod has no way off the machine.
 */
export function cniConflist(net: NodeNetwork, layout: NodeLayout): string {
  return `${JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: 'kubewalk-lab',
      plugins: [
        {
          type: 'bridge',
          bridge: net.bridge,
          isGateway: true,
          isDefaultGateway: false,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            ranges: [[{ subnet: net.podCidr, gateway: net.podGateway }]],
            routes: [{ dst: net.range }],
            dataDir: layout.cniDataDir,
          },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  )}\n`
}

/** The minor of a release tag like v1.37.2. */
export function minorOf(version: string): number {
  return Number(/^v1\.(\d+)\./.exec(version)?.[1] ?? 0)
}

/** What the kubelet's config depends on. */
export interface KubeletConfigInput {
  version: string
  net: NodeNetwork
  layout: NodeLayout
  port: number
  healthzPort: number
  caFile: string
  tlsCertFile: string
  tlsKeyFile: string
  /** The host mounts cgroup v1 (or a hybrid) at /sys/fs/cgroup, not the unified v2 hierarchy. */
  cgroupV1: boolean
}

/**
 * KubeletConfiguration: serving on the node's address only, webhook authentication and authorization (no anonymous
 * requests), cgroupfs under one cgroup of the lab's, cgroup v1 and swap allowed, no host resolv.conf for Pods,
 * eviction and image GC thresholds low enough that a full disk elsewhere does not evict the lab's images.
 */
export function kubeletConfig(k: KubeletConfigInput): string {
  const minor = minorOf(k.version)
  const config: Record<string, unknown> = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: k.net.nodeIp,
    port: k.port,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: k.healthzPort,
    tlsCertFile: k.tlsCertFile,
    tlsPrivateKeyFile: k.tlsKeyFile,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: k.caFile } },
    authorization: { mode: 'Webhook' },
    cgroupDriver: 'cgroupfs',
    cgroupRoot: `/${NODE_CGROUP}`,
    failSwapOn: false,
    containerRuntimeEndpoint: `unix://${k.layout.containerdSocket}`,
    imageServiceEndpoint: `unix://${k.layout.containerdSocket}`,
    clusterDomain: 'cluster.local',
    clusterDNS: [k.net.dnsServiceIp],
    // Pods with dnsPolicy Default get no name server: the host's would send their queries off the machine.
    resolvConf: '',
    volumePluginDir: k.layout.volumePluginDir,
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    maxPods: 32,
    serializeImagePulls: false,
    rotateCertificates: false,
    serverTLSBootstrap: false,
    enableServer: true,
    staticPodPath: '',
    syncFrequency: '10s',
    nodeStatusUpdateFrequency: '5s',
  }
  // failCgroupV1 exists from 1.31 and is what lets 1.35+ start on cgroup v1; podLogsDir from 1.29.
  if (k.cgroupV1 && minor >= 31) config.failCgroupV1 = false
  if (minor >= 29) config.podLogsDir = k.layout.podLogsDir
  return stringify(config)
}

/** The one line `lab up --node` says on a cgroup v1 host (nothing on cgroup v2). */
export function cgroupV1Notice(version: string, cgroupV1: boolean): string | undefined {
  if (!cgroupV1) return undefined
  return minorOf(version) >= 31
    ? `this host has cgroup v1: the kubelet ${version} runs with failCgroupV1: false (from 1.35 it refuses cgroup v1 otherwise) and warns with a CgroupV1 event on the Node; Pods run as usual`
    : `this host has cgroup v1: the kubelet ${version} runs on it as it is (cgroup v1 support is deprecated from Kubernetes 1.31 on)`
}

export function kubeletArgs(a: { config: string; kubeconfig: string; rootDir: string; certDir: string; nodeName: string; nodeIp: string }): string[] {
  return [
    `--config=${a.config}`,
    `--kubeconfig=${a.kubeconfig}`,
    `--root-dir=${a.rootDir}`,
    `--cert-dir=${a.certDir}`,
    `--hostname-override=${a.nodeName}`,
    `--node-ip=${a.nodeIp}`,
    '--v=1',
  ]
}

/**
 * kube-proxy in iptables mode: health and metrics on loopback, NodePorts on the node's address only, no sysctl
 * changes for conntrack or route_localnet, and masquerading for Service traffic so a Pod can reach itself through a
 * Service without br_netfilter's help.
 */
export function kubeProxyArgs(a: { kubeconfig: string; nodeName: string; net: NodeNetwork; healthzPort: number; metricsPort: number }): string[] {
  return [
    `--kubeconfig=${a.kubeconfig}`,
    `--hostname-override=${a.nodeName}`,
    '--proxy-mode=iptables',
    `--cluster-cidr=${a.net.podCidr}`,
    `--healthz-bind-address=127.0.0.1:${a.healthzPort}`,
    `--metrics-bind-address=127.0.0.1:${a.metricsPort}`,
    `--nodeport-addresses=${a.net.nodeIp}/32`,
    '--iptables-localhost-nodeports=false',
    '--masquerade-all',
    '--conntrack-max-per-core=0',
    '--conntrack-min=0',
    '--conntrack-tcp-timeout-established=0',
    '--conntrack-tcp-timeout-close-wait=0',
  ]
}

export function schedulerArgs(a: { kubeconfig: string; port: number }): string[] {
  return [`--kubeconfig=${a.kubeconfig}`, '--bind-address=127.0.0.1', `--secure-port=${a.port}`, '--leader-elect=false']
}

/**
 * CoreDNS as a cluster runs it: a Deployment behind the `kube-dns` Service at dnsServiceIp. It answers for
 * cluster.local only and forwards nothing, so no query leaves the machine.
 */
export function coreDnsManifest(net: NodeNetwork): string {
  const labels = { 'k8s-app': 'kube-dns' }
  const ns = 'kube-system'
  const corefile = `.:53 {
    errors
    health :8080
    ready :8181
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    cache 30
}
`
  const docs: unknown[] = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'coredns', namespace: ns } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'system:coredns' },
      rules: [
        { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'system:coredns' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:coredns' },
      subjects: [{ kind: 'ServiceAccount', name: 'coredns', namespace: ns }],
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: ns }, data: { Corefile: corefile } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'coredns', namespace: ns, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: 'coredns',
            dnsPolicy: 'Default',
            priorityClassName: 'system-cluster-critical',
            containers: [
              {
                name: 'coredns',
                image: NODE_IMAGES.coredns,
                args: ['-conf', '/etc/coredns/Corefile'],
                ports: [
                  { name: 'dns', containerPort: 53, protocol: 'UDP' },
                  { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
                ],
                readinessProbe: { httpGet: { path: '/ready', port: 8181 }, periodSeconds: 2 },
                livenessProbe: { httpGet: { path: '/health', port: 8080 }, periodSeconds: 10 },
                resources: { requests: { cpu: '10m', memory: '20Mi' }, limits: { memory: '100Mi' } },
                volumeMounts: [{ name: 'config', mountPath: '/etc/coredns', readOnly: true }],
              },
            ],
            volumes: [{ name: 'config', configMap: { name: 'coredns' } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kube-dns', namespace: ns, labels },
      spec: {
        selector: labels,
        clusterIP: net.dnsServiceIp,
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        ],
      },
    },
  ]
  return docs.map((d) => stringify(d)).join('---\n')
}
