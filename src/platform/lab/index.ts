// The lab's public face for the CLI and tests.
import { buildLabBinaries, findLabBinaries, type BuildLabOptions, type LabBinaries } from './build.js'
import { buildNode, findNode, type BuildNodeOptions, type NodeBinaries } from './node/index.js'

export { buildLabKubectl, findLabBinaries, findLabKubectl, labBinDir, type BuildLabOptions, type LabBinaries } from './build.js'
export { LAB_CLUSTER_NAME, checkLabDir, labDown, labStatus, labUp } from './lab.js'
export { importImageIntoLab, listLabImages, LEAVING_COUNTER, NODE_IMAGES, type BuildNodeOptions, type NodeBinaries } from './node/index.js'
export { labKubeCacheDir, type LabState } from './state.js'
export { ARTICLE_LAB_VERSION, DEFAULT_LAB_VERSION, EXTRA_KUBECTL_VERSIONS, SUPPORTED_LAB_VERSIONS, resolveLabVersion } from './versions.js'

/** The node's parts for the lab `binaries` belong to, built first (with progress) when they are not. */
export async function ensureNode(binaries: LabBinaries, opts: BuildNodeOptions = {}): Promise<NodeBinaries> {
  return (await findNode(binaries.version)) ?? (await buildNode(binaries, opts))
}

/** The cached binaries of `opts.version`, built first (with progress) when there is no finished build of them. */
export async function ensureLabBinaries(opts: BuildLabOptions = {}): Promise<LabBinaries> {
  return (await findLabBinaries(opts.version)) ?? (await buildLabBinaries(opts))
}
