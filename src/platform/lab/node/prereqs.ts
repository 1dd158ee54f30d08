// What a node needs from the system, checked before anything is built or changed: root, and a few Debian packages.
import path from 'node:path'
import { LabError } from '../../../core/errors.js'
import { which } from '../../shell.js'

/** A program the node runs from the system, and the Debian package that brings it. */
export interface SystemTool {
  name: string
  package: string
  why: string
}

export const SYSTEM_TOOLS: readonly SystemTool[] = [
  { name: 'runc', package: 'runc', why: 'containerd starts containers with it (it needs cgo, so the lab does not build it)' },
  { name: 'iptables', package: 'iptables', why: 'kube-proxy and the kubelet write their rules with it' },
  { name: 'iptables-save', package: 'iptables', why: 'the lab removes the rules kube-proxy leaves' },
  { name: 'nft', package: 'nftables', why: 'the lab keeps its packets on the machine with an nftables table' },
  { name: 'ip', package: 'iproute2', why: 'the lab routes its ranges and makes its links with it' },
  { name: 'curl', package: 'curl', why: 'it goes into the tools image, with the libraries ldd names' },
  { name: 'ldd', package: 'libc-bin', why: "it names curl's libraries for the tools image" },
  { name: 'tar', package: 'tar', why: 'the lab packs its images with it' },
]

// /usr/sbin is not on every PATH (a non-login root shell, some CI runners); the node's tools live there.
const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

/** PATH with the system's sbin directories appended, for finding and running the node's tools. */
export function nodePath(pathVar = process.env.PATH ?? ''): string {
  const have = new Set(pathVar.split(path.delimiter))
  return [pathVar, ...SYSTEM_PATH.split(':').filter((d) => !have.has(d))].filter(Boolean).join(path.delimiter)
}

/**
 * Throws a LabError (one sentence: the reason, or the Debian package to install) when the node cannot run here:
 * not root, not Linux, or a tool missing. `uid` and `find` are for tests.
 */
export async function checkNodePrerequisites(
  opts: { uid?: number; platform?: string; find?: (name: string) => Promise<string | undefined> } = {},
): Promise<void> {
  const platform = opts.platform ?? process.platform
  if (platform !== 'linux') throw new LabError(`--node needs Linux (containers, cgroups, network namespaces); this is ${platform}.`)
  const uid = opts.uid ?? process.getuid?.() ?? -1
  if (uid !== 0)
    throw new LabError(
      '--node needs root: the kubelet and containerd mount, make network links and routes, and write cgroups; run it as root (e.g. with sudo).',
    )
  const find = opts.find ?? ((name: string) => which(name, { PATH: nodePath() }))
  const missing: SystemTool[] = []
  for (const tool of SYSTEM_TOOLS) if ((await find(tool.name)) === undefined) missing.push(tool)
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((t) => t.package))]
    throw new LabError(
      `--node needs ${missing.map((t) => t.name).join(', ')} (${missing[0]!.why}); install the Debian package${packages.length > 1 ? 's' : ''} ${packages.join(' ')} (apt-get install ${packages.join(' ')}).`,
    )
  }
}
