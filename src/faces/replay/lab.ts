// The throwaway lab behind run --lab and the matrix's cells: resolved, built and started for one replay, then stopped.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LabError, UsageError } from '../../core/errors.js'
import { DEFAULT_LAB_VERSION } from '../../platform/lab/versions.js'

export interface ThrowawayLab {
  kubeconfig: string
  /** Where the lab's binaries are, its kubectl among them. */
  binDir: string
  /** The Kubernetes release the lab runs. */
  version: string
  /** kubectl's cache for the lab's runs (KUBECACHEDIR), inside the lab's folder. */
  kubeCacheDir: string
  stop: () => Promise<void>
}

/** Options of startThrowawayLab. */
export interface ThrowawayLabOptions {
  /** A release tag or alias (see LAB_VERSION_HELP); default DEFAULT_LAB_VERSION. */
  version?: string
  /** With a node (root only; its parts are built first when they are not): Pods run. */
  node?: boolean
}

/** A node needs root and a few system packages: without them a UsageError (exit 2) naming the reason or the package. */
export async function checkNodeUsable(): Promise<void> {
  const { checkNodePrerequisites } = await import('../../platform/lab/node/prereqs.js')
  try {
    await checkNodePrerequisites()
  } catch (e) {
    throw e instanceof LabError ? new UsageError(e.message, { cause: e }) : e
  }
}

/** A version the user gave that the lab cannot build is their input: a UsageError (exit 2), raised before any build. */
export async function resolveVersion(spec: string | undefined, signal: AbortSignal): Promise<string> {
  const { resolveLabVersion } = await import('../../platform/lab/versions.js')
  try {
    return await resolveLabVersion(spec ?? DEFAULT_LAB_VERSION, { signal })
  } catch (e) {
    throw e instanceof LabError && !e.logFile && !signal.aborted ? new UsageError(e.message, { cause: e }) : e
  }
}

export async function startThrowawayLab(
  progress: (line: string) => void,
  signal: AbortSignal,
  opts: ThrowawayLabOptions = {},
): Promise<ThrowawayLab> {
  const version = await resolveVersion(opts.version, signal)
  if (opts.node) await checkNodeUsable()
  const { ensureLabBinaries, ensureNode, labUp, labDown, labKubeCacheDir } = await import('../../platform/lab/index.js')
  const binaries = await ensureLabBinaries({ version, onProgress: progress, signal })
  const node = opts.node ? await ensureNode(binaries, { onProgress: progress, signal }) : undefined
  const parent = await mkdtemp(join(tmpdir(), 'kubewalk-lab-'))
  const dir = join(parent, 'lab')
  progress(`starting a throwaway lab in ${dir}`)
  const stop = async (): Promise<void> => {
    await labDown({ dir }).catch(() => undefined)
    await rm(parent, { recursive: true, force: true })
  }
  try {
    const state = await labUp({ dir, binaries, onProgress: progress, signal, ...(node ? { node } : {}) })
    return { kubeconfig: state.kubeconfig, binDir: binaries.dir, version: state.version, kubeCacheDir: labKubeCacheDir(dir), stop }
  } catch (e) {
    await stop()
    throw e
  }
}
