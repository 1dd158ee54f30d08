// What a node is built from: Go packages at pinned versions, and the files each build leaves.
import path from 'node:path'
import { labCacheDir, labCacheRoot } from '../build.js'

/** Pinned versions of the node's parts that do not come with Kubernetes (all built from Go modules). */
export const CONTAINERD_VERSION = 'v2.4.2'
export const CNI_PLUGINS_VERSION = 'v1.10.0'
export const COREDNS_VERSION = 'v1.14.7'
export const DISTRIBUTION_VERSION = 'v3.1.2'

/** The Kubernetes commands a node adds to the lab, built like the control plane's. */
export const NODE_KUBERNETES_COMMANDS = ['kubelet', 'kube-scheduler', 'kube-proxy'] as const

/** One `go install`-style build: packages of one module at one version. */
export interface ModuleBuild {
  label: string
  module: string
  version: string
  packages: string[]
  ldflags: string
}

export const MODULE_BUILDS: readonly ModuleBuild[] = [
  {
    label: `containerd ${CONTAINERD_VERSION}`,
    module: 'github.com/containerd/containerd/v2',
    version: CONTAINERD_VERSION,
    packages: ['cmd/containerd', 'cmd/containerd-shim-runc-v2', 'cmd/ctr'],
    ldflags: `-s -w -X github.com/containerd/containerd/v2/version.Version=${CONTAINERD_VERSION}`,
  },
  {
    label: `CNI plugins ${CNI_PLUGINS_VERSION}`,
    module: 'github.com/containernetworking/plugins',
    version: CNI_PLUGINS_VERSION,
    packages: ['plugins/main/bridge', 'plugins/main/loopback', 'plugins/ipam/host-local', 'plugins/meta/portmap'],
    ldflags: `-s -w -X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=${CNI_PLUGINS_VERSION}`,
  },
  {
    label: `CoreDNS ${COREDNS_VERSION}`,
    module: 'github.com/coredns/coredns',
    version: COREDNS_VERSION,
    packages: ['.'],
    ldflags: '-s -w',
  },
]

/** The node's registry, the CNCF Distribution registry: its own build and cache folder, so adding it rebuilt nothing else. */
export const REGISTRY_BUILD: ModuleBuild = {
  label: `Distribution registry ${DISTRIBUTION_VERSION}`,
  module: 'github.com/distribution/distribution/v3',
  version: DISTRIBUTION_VERSION,
  packages: ['cmd/registry'],
  ldflags: `-s -w -X github.com/distribution/distribution/v3/version.version=${DISTRIBUTION_VERSION}`,
}

/** The import path of a package of a module build ('.' is the module itself). */
export function packagePath(build: ModuleBuild, pkg: string): string {
  return pkg === '.' ? build.module : `${build.module}/${pkg}`
}

/** The executable's name a package builds to: its last path element ('.' is the module's last element). */
export function commandName(build: ModuleBuild, pkg: string): string {
  return path.posix.basename(packagePath(build, pkg))
}

/** Images the lab builds and imports into the node's containerd, under pinned names (never :latest). */
export const NODE_IMAGES = {
  pause: 'kubewalk.local/pause:3.10',
  coredns: `kubewalk.local/coredns:${COREDNS_VERSION}`,
  tools: 'kubewalk.local/tools:1',
} as const
export type NodeImageName = keyof typeof NODE_IMAGES

/** Everything `lab up --node` runs, from the caches of one Kubernetes release and of the shared parts. */
export interface NodeBinaries {
  version: string
  kubelet: string
  kubeScheduler: string
  kubeProxy: string
  containerd: string
  shim: string
  ctr: string
  /** The Distribution registry. */
  registry: string
  /** The CNI plugins' directory (bridge, host-local, loopback, portmap). */
  cniDir: string
  /** Image tarballs (OCI layout) to import. */
  images: Record<NodeImageName, string>
}

/** `<labCacheDir(version)>/node`: kubelet, kube-scheduler, kube-proxy and the tools image (it holds that release's kubectl). */
export function nodeVersionDir(version: string): string {
  return path.join(labCacheDir(version), 'node')
}

/** `<lab cache>/registry`: the Distribution registry, the same for every release. */
export function nodeRegistryDir(): string {
  return path.join(labCacheRoot(), 'registry')
}

/** `<lab cache>/node-common`: containerd, CNI plugins, CoreDNS and pause, the same for every release. */
export function nodeCommonDir(): string {
  return path.join(labCacheRoot(), 'node-common')
}

export function nodeBinariesFor(version: string): NodeBinaries {
  const own = path.join(nodeVersionDir(version), 'bin')
  const common = path.join(nodeCommonDir(), 'bin')
  return {
    version,
    kubelet: path.join(own, 'kubelet'),
    kubeScheduler: path.join(own, 'kube-scheduler'),
    kubeProxy: path.join(own, 'kube-proxy'),
    containerd: path.join(common, 'containerd'),
    shim: path.join(common, 'containerd-shim-runc-v2'),
    ctr: path.join(common, 'ctr'),
    registry: path.join(nodeRegistryDir(), 'bin', 'registry'),
    cniDir: path.join(nodeCommonDir(), 'cni'),
    images: {
      pause: path.join(nodeCommonDir(), 'images', 'pause.tar'),
      coredns: path.join(nodeCommonDir(), 'images', 'coredns.tar'),
      tools: path.join(nodeVersionDir(version), 'images', 'tools.tar'),
    },
  }
}
