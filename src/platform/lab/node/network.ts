// The node's addresses: one /16 of 10.0.0.0/8 that nothing on the host uses, split into Services, Pods and the API server's address.
import { LabError } from '../../../core/errors.js'

/** The lab node's network, all inside `range`. */
export interface NodeNetwork {
  /** The /16 the lab owns: routed `unreachable` on the host, so no packet for it leaves the machine. */
  range: string
  serviceCidr: string
  /** The `kubernetes` Service's ClusterIP, the first address of serviceCidr. */
  kubernetesServiceIp: string
  /** CoreDNS's ClusterIP. */
  dnsServiceIp: string
  podCidr: string
  /** The bridge's address, the Pods' gateway. */
  podGateway: string
  /** The API server's and the kubelet's address, on a dummy link only this machine routes to. */
  nodeIp: string
  /** Names of the host objects the node creates. */
  dummyLink: string
  /** The link that holds nodeIp: dummyLink, or 'lo' on a kernel without dummy links. */
  addressLink?: string
  bridge: string
  nftTable: string
}

// Second octets tried in order; each is a /16 the lab claims whole. Spread out so that a LAN numbered 10.0.x, 10.1.x
// or 10.10.x (common on home routers) and kind's 10.244/10.96 never collide with the first pick.
const CANDIDATE_OCTETS = [213, 217, 221, 229, 233, 237] as const

/** The layout of a lab network in 10.<octet>.0.0/16. */
export function networkFor(octet: number): NodeNetwork {
  if (!Number.isInteger(octet) || octet < 0 || octet > 255) throw new LabError(`A lab network's second octet must be 0-255; got ${octet}.`)
  const p = `10.${octet}`
  return {
    range: `${p}.0.0/16`,
    serviceCidr: `${p}.0.0/24`,
    kubernetesServiceIp: `${p}.0.1`,
    dnsServiceIp: `${p}.0.10`,
    podCidr: `${p}.1.0/24`,
    podGateway: `${p}.1.1`,
    nodeIp: `${p}.255.1`,
    dummyLink: 'kwlab0',
    bridge: 'kwbr0',
    nftTable: 'kubewalk_lab',
  }
}

/** What the host uses now, as `ip -j -4 route show table all`, `ip -j -4 addr` and /etc/resolv.conf tell it. */
export interface HostNetwork {
  routes: { dst: string; type?: string; dev?: string; table?: string }[]
  addrs: { ifname: string; addr_info?: { family?: string; local: string; prefixlen: number }[] }[]
  nameservers: string[]
}

function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.')
  if (parts.length !== 4) return undefined
  let n = 0
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined
    n = n * 256 + Number(part)
  }
  return n
}

/** [first, last] of a CIDR or single address, or undefined for anything else ('default' included). */
export function cidrBounds(cidr: string): [number, number] | undefined {
  const [ip, bits] = cidr.split('/')
  const start = ipToInt(ip ?? '')
  const len = bits === undefined ? 32 : Number(bits)
  if (start === undefined || !Number.isInteger(len) || len < 0 || len > 32) return undefined
  const size = 2 ** (32 - len)
  const first = start - (start % size)
  return [first, first + size - 1]
}

function overlaps(a: [number, number], b: [number, number]): boolean {
  return a[0] <= b[1] && b[0] <= a[1]
}

/** Why `range` cannot be the lab's on this host (a route, an address or a name server in it), or undefined. */
export function rangeConflict(range: string, host: HostNetwork): string | undefined {
  const mine = cidrBounds(range)
  if (!mine) throw new LabError(`Not an IPv4 CIDR: ${range}.`)
  for (const r of host.routes) {
    // The default route covers everything; a more specific route of the lab's wins over it.
    if (r.dst === 'default' || r.dst === '0.0.0.0/0') continue
    const b = cidrBounds(r.dst)
    if (b && overlaps(mine, b))
      return `the host routes ${r.dst}${r.dev ? ` via ${r.dev}` : ''}${r.type && r.type !== 'unicast' ? ` (${r.type})` : ''}`
  }
  for (const link of host.addrs) {
    for (const a of link.addr_info ?? []) {
      if (a.family !== undefined && a.family !== 'inet') continue
      const b = cidrBounds(`${a.local}/${a.prefixlen}`)
      if (b && overlaps(mine, b)) return `${link.ifname} has ${a.local}/${a.prefixlen}`
    }
  }
  for (const ns of host.nameservers) {
    const b = cidrBounds(ns)
    if (b && overlaps(mine, b)) return `the name server ${ns} is in it`
  }
  return undefined
}

/** Name servers of a resolv.conf (IPv4 ones are what can collide). */
export function parseNameservers(resolvConf: string): string[] {
  return resolvConf
    .split('\n')
    .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
    .filter((s): s is string => s !== undefined)
}

/** The first candidate network nothing on the host uses; a LabError listing why each was refused when none is free. */
export function chooseNetwork(host: HostNetwork): NodeNetwork {
  const refused: string[] = []
  for (const octet of CANDIDATE_OCTETS) {
    const net = networkFor(octet)
    const why = rangeConflict(net.range, host)
    if (why === undefined) return net
    refused.push(`${net.range}: ${why}`)
  }
  throw new LabError(`No free range for the lab's node: ${refused.join('; ')}.`)
}
