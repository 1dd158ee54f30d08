// The node's record of itself, DIR/node/node.json, beside the control plane's lab.json.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { writeWhole } from '../files.js'
import type { NodeNetwork } from './network.js'

/** The node's processes, in the order they start. */
export const NODE_COMPONENTS = ['registry', 'containerd', 'kubelet', 'kube-proxy', 'kube-scheduler'] as const
export type NodeComponentName = (typeof NODE_COMPONENTS)[number]

/** One running node process: its process group, log and binary (to recognise it), and its loopback health port. */
export interface NodeComponent {
  pid: number
  binary: string
  log: string
  port?: number
}

export interface NodeFile {
  name: string
  version: string
  network: NodeNetwork
  kubeletPort: number
  components: Partial<Record<NodeComponentName, NodeComponent>>
  /** The registry's loopback port (containerd's hosts.toml for every registry host points there). */
  registryPort?: number
  /** With --pull-through: one Distribution proxy instance per upstream host. */
  proxies?: Record<string, NodeComponent>
  readyMs?: number
}

export function nodeFilePath(labDir: string): string {
  return path.join(labDir, 'node', 'node.json')
}

export async function readNodeFile(labDir: string): Promise<NodeFile | undefined> {
  try {
    const n = JSON.parse(await readFile(nodeFilePath(labDir), 'utf8')) as NodeFile
    return typeof n.name === 'string' && typeof n.components === 'object' && n.components !== null ? n : undefined
  } catch {
    return undefined
  }
}

export async function writeNodeFile(labDir: string, node: NodeFile): Promise<void> {
  await writeWhole(nodeFilePath(labDir), `${JSON.stringify(node, null, 2)}\n`)
}
