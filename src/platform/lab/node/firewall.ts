// The node's own nftables table (what keeps its packets on the machine), and the plan that removes what kubelet and
// kube-proxy leave in iptables. Pure text in, text out.
import type { NodeNetwork } from './network.js'

/** The named counter that counts (and drops) every lab packet about to leave through an interface not the lab's. */
export const LEAVING_COUNTER = 'leaving'

/**
 * The lab's nftables table, for `nft -f`: a packet from or to the lab's range that would go out through any interface
 * but loopback and the lab's bridge is counted and dropped; Pods' traffic never goes further than the bridge; the
 * API server's address answers only loopback and the bridge. Created before any component starts.
 */
export function labNftRuleset(net: NodeNetwork): string {
  const local = `{ "lo", "${net.bridge}" }`
  return `table inet ${net.nftTable} {
\tcounter ${LEAVING_COUNTER} {
\t}
\tchain input {
\t\ttype filter hook input priority filter; policy accept;
\t\tip daddr ${net.nodeIp} iifname != ${local} counter drop
\t}
\tchain forward {
\t\ttype filter hook forward priority filter; policy accept;
\t\tiifname "${net.bridge}" oifname != "${net.bridge}" counter name "${LEAVING_COUNTER}" drop
\t\toifname "${net.bridge}" iifname != "${net.bridge}" counter drop
\t}
\tchain postrouting {
\t\ttype filter hook postrouting priority filter; policy accept;
\t\toifname != ${local} ip daddr ${net.range} counter name "${LEAVING_COUNTER}" drop
\t\toifname != ${local} ip saddr ${net.range} counter name "${LEAVING_COUNTER}" drop
\t}
}
`
}

/** `nft list tables` → ["inet kubewalk_lab", "ip filter", …]. */
export function parseNftTables(text: string): string[] {
  return text
    .split('\n')
    .map((l) => /^table\s+(\S+)\s+(\S+)/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]} ${m[2]}`)
}

/** The packets and bytes of a named counter in `nft list counter …` output. */
export function parseNftCounter(text: string): { packets: number; bytes: number } | undefined {
  const m = /packets\s+(\d+)\s+bytes\s+(\d+)/.exec(text)
  return m ? { packets: Number(m[1]), bytes: Number(m[2]) } : undefined
}

interface SavedTable {
  name: string
  chains: Map<string, string>
  rules: string[]
}

/** The tables of an iptables-save dump, each with its chains (name → policy, '-' for user chains) and -A lines. */
export function parseIptablesSave(text: string): SavedTable[] {
  const tables: SavedTable[] = []
  let current: SavedTable | undefined
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) {
      current = { name: line.slice(1).trim(), chains: new Map(), rules: [] }
      tables.push(current)
    } else if (current && line.startsWith(':')) {
      const [chain, policy] = line.slice(1).split(/\s+/)
      if (chain) current.chains.set(chain, policy ?? '-')
    } else if (current && line.startsWith('-A ')) {
      current.rules.push(line)
    }
  }
  return tables
}

/** Chains the node's components create: kubelet's and kube-proxy's own prefix. */
export function isKubeChain(chain: string): boolean {
  return chain.startsWith('KUBE-')
}

/**
 * An `iptables-restore --noflush` script that deletes every rule jumping to, and every chain named, KUBE-*: what
 * kubelet and kube-proxy add. Empty when there is nothing to delete.
 */
export function iptablesCleanupScript(saveText: string): string {
  const out: string[] = []
  for (const table of parseIptablesSave(saveText)) {
    const kube = [...table.chains.keys()].filter(isKubeChain)
    const jumps = table.rules.filter((r) => {
      const [, chain] = r.split(/\s+/)
      return !isKubeChain(chain ?? '') && /\s-[jg]\s+KUBE-\S+/.test(r)
    })
    if (kube.length === 0 && jumps.length === 0) continue
    out.push(`*${table.name}`)
    for (const rule of jumps) out.push(`-D ${rule.slice(3)}`)
    // Flushed first, all of them, so no chain is still referenced by another when it is deleted.
    for (const chain of kube) out.push(`-F ${chain}`)
    for (const chain of kube) out.push(`-X ${chain}`)
    out.push('COMMIT')
  }
  return out.length > 0 ? `${out.join('\n')}\n` : ''
}

/** Tables of an iptables-save dump that hold nothing: no rules, no user chains, every built-in chain's policy ACCEPT. */
export function emptyIptablesTables(saveText: string): string[] {
  return parseIptablesSave(saveText)
    .filter((t) => t.rules.length === 0 && [...t.chains.values()].every((p) => p === 'ACCEPT'))
    .map((t) => t.name)
}

/**
 * Whether kube-proxy (iptables mode) sends `ip:port/protocol` on to an endpoint, read from an iptables-save dump: in
 * the nat table, a KUBE-SERVICES rule for that address jumps to the Service's chain, and that chain jumps to an
 * endpoint's KUBE-SEP-* chain. Else what is missing, in a few words.
 */
export function serviceProgrammed(saveText: string, ip: string, port: number, protocol: 'tcp' | 'udp'): true | string {
  const nat = parseIptablesSave(saveText).find((t) => t.name === 'nat')
  if (!nat) return 'no nat table yet'
  const words = (rule: string) => rule.split(/\s+/)
  const entry = nat.rules.find((r) => {
    const w = words(r)
    const at = (flag: string) => w[w.indexOf(flag) + 1]
    return (
      w[1] === 'KUBE-SERVICES' &&
      at('-d') === `${ip}/32` &&
      at('-p') === protocol &&
      at('--dport') === String(port) &&
      /^KUBE-SV[CL]-/.test(at('-j') ?? '')
    )
  })
  if (!entry) return `no KUBE-SERVICES rule for ${ip}:${port}/${protocol} yet`
  const w = words(entry)
  const chain = w[w.indexOf('-j') + 1]!
  const toEndpoint = nat.rules.some((r) => words(r)[1] === chain && /\s-j\s+KUBE-SEP-\S+/.test(r))
  return toEndpoint ? true : `${ip}:${port}/${protocol} has no endpoint in ${chain} yet`
}
