// The lab's public face for the CLI and tests.
import { buildLabBinaries, findLabBinaries, type BuildLabOptions, type LabBinaries } from './build.js'

export { LAB_KUBERNETES_VERSION, buildLabBinaries, findLabBinaries, labBinDir, labCacheDir, type BuildLabOptions, type LabBinaries } from './build.js'
export { LAB_CLUSTER_NAME, checkLabDir, labDown, labStatus, labUp, stopStartedLabProcesses, type LabComponentName, type LabComponentStatus, type LabState, type LabStatus, type LabUpOptions } from './lab.js'

/** The cached binaries, built first (with progress) when they are missing. */
export async function ensureLabBinaries(opts: BuildLabOptions = {}): Promise<LabBinaries> {
  return (await findLabBinaries(opts.version)) ?? (await buildLabBinaries(opts))
}
