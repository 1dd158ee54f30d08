// The lab's public face for the CLI and tests.
import { buildLabBinaries, findLabBinaries, type BuildLabOptions, type LabBinaries } from './build.js'
import { buildNode, findNode, type BuildNodeOptions, type NodeBinaries } from './node/index.js'
import { DEFAULT_LAB_VERSION } from './versions.js'

export { buildLabBinaries, buildLabKubectl, findLabBinaries, findLabKubectl, labBinDir, labCacheDir, type BuildLabOptions, type LabBinaries } from './build.js'
export { LAB_CLUSTER_NAME, checkLabDir, labDown, labStatus, labUp, type LabComponentStatus, type LabStatus, type LabUpOptions } from './lab.js'
export { stopStartedLabProcesses } from './processes.js'
export { buildNode, checkNodePrerequisites, findNode, importImageIntoLab, HOST_JOURNAL, LEAVING_COUNTER, NODE_IMAGES, NODE_NAME, type BuildNodeOptions, type NodeBinaries, type NodeStatus } from './node/index.js'
export type { LabComponentName, LabState } from './state.js'
export { ARTICLE_LAB_VERSION, DEFAULT_LAB_VERSION, EXTRA_KUBECTL_VERSIONS, LAB_VERSION_ALIASES, SUPPORTED_LAB_VERSIONS, resolveLabVersion, type ResolveLabVersionOptions } from './versions.js'

/** @deprecated The lab builds several releases now; this is DEFAULT_LAB_VERSION. */
export const LAB_KUBERNETES_VERSION = DEFAULT_LAB_VERSION

/** The node's parts for the lab `binaries` belong to, built first (with progress) when they are not. */
export async function ensureNode(binaries: LabBinaries, opts: BuildNodeOptions = {}): Promise<NodeBinaries> {
  return (await findNode(binaries.version)) ?? (await buildNode(binaries, opts))
}

/** The cached binaries of `opts.version`, built first (with progress) when there is no finished build of them. */
export async function ensureLabBinaries(opts: BuildLabOptions = {}): Promise<LabBinaries> {
  return (await findLabBinaries(opts.version)) ?? (await buildLabBinaries(opts))
}
