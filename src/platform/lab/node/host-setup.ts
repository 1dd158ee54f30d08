// The node's host changes before any component starts: one node lab at a time, a killed one's leftovers undone,
// a free range chosen and routed `unreachable`, the API server's dummy link, the nftables table that keeps every lab
// packet on the machine, and the record of what the kubelet and containerd will touch.
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { LabError } from '../../../core/errors.js'
import { isOurProcess } from '../processes.js'
import { readLabFile } from '../state.js'
import { nodeLayout, NODE_CGROUP } from './config.js'
import { labNftRuleset, parseNftTables } from './firewall.js'
import {
  HostRecorder,
  claimedByThisProcess,
  createCgroup,
  hostCommands,
  pathExists,
  readHostJournal,
  readSysctl,
  undoHostChanges,
  writeSysctl,
  type HostJournal,
} from './host.js'
import { chooseNetwork, parseNameservers, type HostNetwork, type NodeNetwork } from './network.js'
import { readNodeFile } from './state.js'

/** Sysctls the node's components change (measured: kubelet, kube-proxy, the CNI bridge plugin), restored on down. */
export const NODE_SYSCTLS = [
  'net.ipv4.ip_forward',
  'vm.overcommit_memory',
  'kernel.panic',
  'kernel.panic_on_oops',
  'net.ipv4.conf.all.route_localnet',
  'net.bridge.bridge-nf-call-iptables',
  'net.bridge.bridge-nf-call-ip6tables',
  'net.netfilter.nf_conntrack_max',
  'net.netfilter.nf_conntrack_tcp_timeout_established',
  'net.netfilter.nf_conntrack_tcp_timeout_close_wait',
] as const

/** Places outside the lab's directory that the kubelet, containerd or the CNI plugins write whatever they are told. */
export const NODE_SYSTEM_PATHS = [
  '/var/lib/kubelet',
  '/var/log/containers',
  '/var/log/pods',
  '/var/lib/cni',
  '/etc/cni/net.d',
  '/run/containerd',
  '/opt/containerd',
  '/run/nri',
  '/usr/libexec/kubernetes',
] as const

/** The highest missing directory on the way to `p` (what to remove to leave the host as it was), or undefined when `p` exists. */
export async function firstMissing(p: string): Promise<string | undefined> {
  if (await pathExists(p)) return undefined
  let missing = p
  for (let parent = path.dirname(p); parent !== missing && !(await pathExists(parent)); parent = path.dirname(parent)) missing = parent
  return missing
}

async function hostNetwork(): Promise<HostNetwork> {
  const routes = await hostCommands.ip(['-j', '-4', 'route', 'show', 'table', 'all'])
  const addrs = await hostCommands.ip(['-j', '-4', 'addr'])
  if (!routes.ok || !addrs.ok) throw new LabError(`Cannot read the host's routes and addresses with ip: ${(routes.stderr || addrs.stderr).trim()}`)
  const resolv = await readFile('/etc/resolv.conf', 'utf8').catch(() => '')
  return {
    routes: JSON.parse(routes.stdout) as HostNetwork['routes'],
    addrs: JSON.parse(addrs.stdout) as HostNetwork['addrs'],
    nameservers: parseNameservers(resolv),
  }
}

function pidAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Whether the lab a journal belongs to still runs: its `lab up` is starting it (another live process, or this one for
 * a lab it claimed the host for), or any of its processes lives.
 */
export async function journalLive(journal: HostJournal): Promise<boolean> {
  if (journal.ownerPid === process.pid ? claimedByThisProcess(journal.labDir) : pidAlive(journal.ownerPid)) return true
  const lab = await readLabFile(journal.labDir).catch(() => undefined)
  const node = await readNodeFile(journal.labDir)
  const components = [...Object.values(lab?.components ?? {}), ...Object.values(node?.components ?? {})]
  for (const c of components) if (c && (await isOurProcess(c.pid, c.binary))) return true
  return false
}

/** Undoes what a node lab that is no longer running left on the host; true if there was such a lab. */
export async function undoStaleNode(progress: (line: string) => void): Promise<boolean> {
  const journal = await readHostJournal()
  if (!journal || (await journalLive(journal))) return false
  progress(`undoing the host changes a stopped lab with a node left (${journal.labDir})`)
  const problems = await undoHostChanges(journal)
  if (problems.length > 0) throw new LabError(`Could not undo what the node lab in ${journal.labDir} left on this host: ${problems.join('; ')}.`)
  return true
}

/** What prepareNodeHost made: the network and the recorder for everything after it. */
export interface NodeHost {
  net: NodeNetwork
  recorder: HostRecorder
}

/**
 * Claims the host for one node lab (waiting, with a message, while another runs), undoes a killed one's leftovers,
 * then, before any component starts: records the sysctls and system paths the node will touch, routes the chosen
 * range `unreachable`, adds the API server's dummy link and the lab's nftables table.
 */
export async function prepareNodeHost(labDir: string, progress: (line: string) => void, signal?: AbortSignal): Promise<NodeHost> {
  const recorder = new HostRecorder(labDir, process.pid)
  let told = false
  for (;;) {
    if (signal?.aborted) throw new LabError('Starting the lab was cancelled while it waited for the other lab with a node.')
    await undoStaleNode(progress)
    if (await recorder.claim()) break
    const other = await readHostJournal()
    if (!told)
      progress(
        `another lab with a node runs in ${other?.labDir ?? '(unknown)'}; this one waits until it is down (one node lab at a time: they share the kubelet's fixed paths)`,
      )
    told = true
    await sleep(1_000)
  }
  try {
    const iptables = await hostCommands.nft(['list', 'tables'])
    const tablesBefore = parseNftTables(iptables.stdout)
    for (const key of NODE_SYSCTLS) {
      const before = await readSysctl(key)
      if (before !== undefined) recorder.journal.changes.push({ kind: 'sysctl', key, before })
    }
    for (const p of NODE_SYSTEM_PATHS) {
      const missing = await firstMissing(p)
      if (missing && !recorder.journal.changes.some((c) => c.kind === 'path' && c.path === missing))
        recorder.journal.changes.push({ kind: 'path', path: missing })
    }
    await recorder.change({ kind: 'iptables', tablesBefore })
    const net = chooseNetwork(await hostNetwork())
    progress(
      `node network ${net.range}: Services ${net.serviceCidr}, Pods ${net.podCidr}, API server and kubelet on ${net.nodeIp}; the range is routed unreachable so no packet for it leaves this machine`,
    )
    const ip = async (args: string[]) => {
      const r = await hostCommands.ip(args)
      if (!r.ok) throw new LabError(`ip ${args.join(' ')} failed: ${r.stderr.trim()}`)
    }
    const route = ['unreachable', net.range]
    await recorder.change({ kind: 'route', spec: route }, () => ip(['route', 'add', ...route]))
    await recorder.change({ kind: 'nft-table', table: `inet ${net.nftTable}` }, async () => {
      const r = await hostCommands.nft(['-f', '-'], labNftRuleset(net))
      if (!r.ok) throw new LabError(`nft could not load the lab's table: ${r.stderr.trim()}`)
    })
    // The API server's address on a dummy link of the lab's; a kernel without dummy links (a small VM's) gets it on
    // loopback instead. Either way the nftables table lets only loopback and the bridge reach it.
    const dummy = await hostCommands.ip(['link', 'add', net.dummyLink, 'type', 'dummy'])
    if (dummy.ok) {
      await recorder.change({ kind: 'link', name: net.dummyLink }, async () => {
        // No IPv6 link-local address: the link carries the one IPv4 address and nothing else.
        await writeFile(`/proc/sys/net/ipv6/conf/${net.dummyLink}/disable_ipv6`, '1\n').catch(() => {})
        await ip(['addr', 'add', `${net.nodeIp}/32`, 'dev', net.dummyLink])
        await ip(['link', 'set', net.dummyLink, 'up'])
      })
    } else {
      if (!/Unknown device type|not supported/i.test(dummy.stderr))
        throw new LabError(`ip link add ${net.dummyLink} type dummy failed: ${dummy.stderr.trim()}`)
      net.addressLink = 'lo'
      await recorder.change({ kind: 'address', dev: 'lo', cidr: `${net.nodeIp}/32` }, () => ip(['addr', 'add', `${net.nodeIp}/32`, 'dev', 'lo']))
    }
    // Made by the CNI bridge plugin with the first Pod; recorded now so it goes whenever the lab goes.
    await recorder.change({ kind: 'link', name: net.bridge })
    // The Pods' gateway routes Service traffic back onto the bridge after kube-proxy's DNAT.
    await writeSysctl('net.ipv4.ip_forward', '1')
    const layout = nodeLayout(labDir)
    await recorder.change({ kind: 'mounts', under: layout.dir })
    await recorder.change({ kind: 'processes', exe: 'containerd-shim-runc-v2', arg: layout.containerdSocket })
    // The kubelet wants its cgroupRoot to exist in every hierarchy before it starts.
    await recorder.change({ kind: 'cgroup', name: NODE_CGROUP }, () => createCgroup(NODE_CGROUP))
    return { net, recorder }
  } catch (error) {
    await undoHostChanges(recorder.journal)
    throw error
  }
}
