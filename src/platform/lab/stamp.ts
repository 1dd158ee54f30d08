// The stamp a finished build writes last: binaries without a stamp that matches them are never used.
import { constants } from 'node:fs'
import { access, readFile, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { writeWhole } from './files.js'

/** The four executables of a lab, by file name. */
export const LAB_COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kubectl'] as const
export type LabBinaryName = (typeof LAB_COMPONENTS)[number]

/** What `<bin>/.kubewalk-build.json` records about the build that produced the binaries beside it. */
export interface BuildStamp {
  version: string
  /** The release's commit as stamped into the binaries; absent when the module proxy did not say. */
  commit?: string
  etcdVersion: string
  go: string
  builtAt: string
  /** Size in bytes of each binary as the build left it. */
  sizes: Record<LabBinaryName, number>
}

export const STAMP_FILE = '.kubewalk-build.json'

async function isExecutableFile(file: string): Promise<number | undefined> {
  try {
    const s = await stat(file)
    if (!s.isFile()) return undefined
    await access(file, constants.X_OK)
    return s.size
  } catch {
    return undefined
  }
}

/** Sizes of the four binaries in `dir`, or the names of those missing or not executable. */
export async function binarySizes(dir: string): Promise<{ sizes: Partial<Record<LabBinaryName, number>>; missing: LabBinaryName[] }> {
  const sizes: Partial<Record<LabBinaryName, number>> = {}
  const missing: LabBinaryName[] = []
  await Promise.all(
    LAB_COMPONENTS.map(async (c) => {
      const size = await isExecutableFile(path.join(dir, c))
      if (size === undefined) missing.push(c)
      else sizes[c] = size
    }),
  )
  return { sizes, missing: LAB_COMPONENTS.filter((c) => missing.includes(c)) }
}

/** A JSON record the build cache keeps, when it is there, parses and has the shape `valid` checks; else undefined. */
export async function readRecordFile<T>(file: string, valid: (record: T) => boolean): Promise<T | undefined> {
  try {
    const record = JSON.parse(await readFile(file, 'utf8')) as T
    return valid(record) ? record : undefined
  } catch {
    return undefined
  }
}

export const readStamp = (dir: string): Promise<BuildStamp | undefined> =>
  readRecordFile<BuildStamp>(path.join(dir, STAMP_FILE), (s) => typeof s.version === 'string' && typeof s.sizes === 'object' && s.sizes !== null)

/**
 * Why the binaries in `dir` cannot be used as a finished build of `version` (and, when known, `commit`), or
 * undefined when they can: all four present and executable, and a stamp of that version whose sizes they match.
 */
export async function staleReason(dir: string, version: string, commit?: string): Promise<string | undefined> {
  const [stamp, { sizes, missing }] = await Promise.all([readStamp(dir), binarySizes(dir)])
  if (!stamp) {
    if (missing.length === LAB_COMPONENTS.length) return 'not built yet'
    if (missing.length === LAB_COMPONENTS.length - 1 && !missing.includes('kubectl') && (await readKubectlStamp(dir)))
      return 'only kubectl was built (--kubectl-only)'
    return `no ${STAMP_FILE} (an earlier build was interrupted or failed)`
  }
  if (stamp.version !== version) return `${STAMP_FILE} is for ${stamp.version}`
  if (commit !== undefined && stamp.commit !== undefined && stamp.commit !== commit)
    return `${STAMP_FILE} records commit ${stamp.commit.slice(0, 12)}, the module ${commit.slice(0, 12)}`
  if (missing.length > 0) return `${missing.join(', ')} missing`
  const changed = LAB_COMPONENTS.filter((c) => stamp.sizes[c] !== sizes[c])
  if (changed.length > 0) return `${changed.join(', ')} changed since the build`
  return undefined
}

export async function writeStamp(dir: string, stamp: BuildStamp): Promise<void> {
  await writeWhole(path.join(dir, STAMP_FILE), `${JSON.stringify(stamp, null, 2)}\n`)
}

/** Removed first by a build, so binaries half-replaced by an interrupted build never pass as the old ones. */
export async function removeStamp(dir: string): Promise<void> {
  await rm(path.join(dir, STAMP_FILE), { force: true })
}

/** What `<bin>/.kubewalk-kubectl.json` records about a kubectl built alone (`lab build --kubectl-only`). */
export interface KubectlStamp {
  version: string
  commit?: string
  go: string
  builtAt: string
  /** Size in bytes of kubectl as the build left it. */
  size: number
}

export const KUBECTL_STAMP_FILE = '.kubewalk-kubectl.json'

const readKubectlStamp = (dir: string): Promise<KubectlStamp | undefined> =>
  readRecordFile<KubectlStamp>(path.join(dir, KUBECTL_STAMP_FILE), (s) => typeof s.version === 'string' && typeof s.size === 'number')

/** Why `<dir>/kubectl` cannot be used as a kubectl-only build of `version`, or undefined when it can. */
export async function kubectlStaleReason(dir: string, version: string): Promise<string | undefined> {
  const [stamp, size] = await Promise.all([readKubectlStamp(dir), isExecutableFile(path.join(dir, 'kubectl'))])
  if (!stamp) return size === undefined ? 'not built yet' : `no ${KUBECTL_STAMP_FILE} (an earlier build was interrupted or failed)`
  if (stamp.version !== version) return `${KUBECTL_STAMP_FILE} is for ${stamp.version}`
  if (size === undefined) return 'kubectl missing'
  if (stamp.size !== size) return 'kubectl changed since the build'
  return undefined
}

export async function writeKubectlStamp(dir: string, stamp: KubectlStamp): Promise<void> {
  await writeWhole(path.join(dir, KUBECTL_STAMP_FILE), `${JSON.stringify(stamp, null, 2)}\n`)
}

/** Removed before kubectl is replaced, by either kind of build. */
export async function removeKubectlStamp(dir: string): Promise<void> {
  await rm(path.join(dir, KUBECTL_STAMP_FILE), { force: true })
}
