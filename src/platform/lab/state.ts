// The lab's record of itself, DIR/lab.json: what labDown and labStatus read to find the processes again.
import { readFile, readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { LabError, errorMessage } from '../../core/errors.js'
import { writeWhole } from './files.js'

/** A process the lab runs. */
export type LabComponentName = 'etcd' | 'kube-apiserver' | 'kube-controller-manager'

export const COMPONENT_ORDER: readonly LabComponentName[] = ['etcd', 'kube-apiserver', 'kube-controller-manager']

/** One running component: its process (group) id, the loopback port it serves, and its log file. */
export interface LabComponent {
  pid: number
  port: number
  log: string
}

/** What labUp started; also the content of DIR/lab.json. */
export interface LabState {
  /** The Kubernetes release the lab runs. */
  version: string
  kubeconfig: string
  dir: string
  clusterName: string
  server: string
  components: Record<LabComponentName, LabComponent | undefined>
}

export const LAB_JSON = 'lab.json'

/** kubectl's discovery and HTTP caches for a lab (KUBECACHEDIR), in the lab's folder: nothing per lab port in ~/.kube/cache. */
export function labKubeCacheDir(labDir: string): string {
  return path.join(labDir, 'kube-cache')
}

/** lab.json on disk: LabState plus what labDown and labStatus need to recognise the processes. */
export interface LabFile {
  version: string
  /** The release's commit from the build stamp, when known. */
  commit?: string
  kubeconfig: string
  dir: string
  clusterName: string
  server: string
  status: 'starting' | 'ready'
  startedAt: string
  readyAt?: string
  readyMs?: number
  components: Partial<Record<LabComponentName, LabComponent & { binary: string }>>
}

export async function writeLabFile(dir: string, lab: LabFile): Promise<void> {
  await writeWhole(path.join(dir, LAB_JSON), `${JSON.stringify(lab, null, 2)}\n`)
}

/** DIR/lab.json, or undefined when there is none; a LabError when it is there but not a lab's. */
export async function readLabFile(dir: string): Promise<LabFile | undefined> {
  const file = path.join(dir, LAB_JSON)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new LabError(`Cannot read ${file}: ${errorMessage(error)}`, { cause: error })
  }
  try {
    const lab = JSON.parse(text) as LabFile
    if (typeof lab.version !== 'string' || typeof lab.components !== 'object' || lab.components === null)
      throw new Error('missing version or components')
    return lab
  } catch (error) {
    throw new LabError(`${file} is not a kubewalk lab file (${errorMessage(error)}); remove ${dir} yourself if it is a stale lab.`, { cause: error })
  }
}

export function stateOf(lab: LabFile): LabState {
  const components = {} as Record<LabComponentName, LabComponent | undefined>
  for (const name of COMPONENT_ORDER) {
    const c = lab.components[name]
    components[name] = c ? { pid: c.pid, port: c.port, log: c.log } : undefined
  }
  return { version: lab.version, kubeconfig: lab.kubeconfig, dir: lab.dir, clusterName: lab.clusterName, server: lab.server, components }
}

/** True for an empty directory, false for anything else that exists, undefined when nothing is there. */
export async function isEmptyDir(dir: string): Promise<boolean | undefined> {
  try {
    if (!(await stat(dir)).isDirectory()) return false
    return (await readdir(dir)).length === 0
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}
