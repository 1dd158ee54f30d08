// A node table (`kubectl get nodes`: a header with ROLES and VERSION). A page records its author's cluster:
// how many nodes, their names, roles, Kubernetes version, system and the labels that cluster gives them. Those
// are the cluster's; what the page's lines do to a node (`kubectl label nodes … disktype=ssd`) is the page's,
// and must show on one.
import type { DriftItem } from '../../core/drift.js'

type Row = Record<string, string>

/** Whether a table lists nodes: its header has ROLES and VERSION. */
export function isNodeTable(rows: readonly Row[]): boolean {
  const columns = Object.keys(rows[0] ?? {})
  return columns.includes('ROLES') && columns.includes('VERSION')
}

// Labels under the prefixes Kubernetes reserves for itself (kubernetes.io/hostname, node-role.kubernetes.io/…,
// topology.kubernetes.io/zone, beta.kubernetes.io/arch…): the cluster sets them.
const RESERVED = /^(?:[\w-]+\.)*(?:kubernetes\.io|k8s\.io)\//

/** A LABELS cell as `key=value` items, without the `...` (or `…`) that stands for labels left out. */
export function labelsOf(text: string): string[] {
  if (text.trim() === '<none>') return []
  return text
    .split(',')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== '...' && l !== '…')
}

/** How the rest of a row is compared: its cells as the table's (node names, ages, addresses are the cluster's). */
export interface NodeOptions {
  /** The differences of two values keyed alike, classified as any table's. */
  diff: (recorded: unknown, live: unknown) => DriftItem[]
  /** The live text with this run's chosen values put back to the recording's. */
  substitute: (text: string) => string
}

// Columns that say what the cluster runs: its Kubernetes version, the roles its installer gave its nodes
// (node-role.kubernetes.io labels), each node's operating system and container runtime (`-o wide`).
const CLUSTERS: Record<string, (recorded: string) => string> = {
  VERSION: (r) => `the cluster's Kubernetes version (the page's ran ${r})`,
  ROLES: () => "the cluster's node roles (its node-role.kubernetes.io labels)",
  'OS-IMAGE': () => "the cluster's operating system",
  'KERNEL-VERSION': () => "the cluster's kernel",
  'CONTAINER-RUNTIME': () => "the cluster's container runtime",
}

/** A recorded node table against the output's, node by node in order: node names are the cluster's. */
export function compareNodeTables(recorded: readonly Row[], live: readonly Row[], opts: NodeOptions): DriftItem[] {
  if (live.length === 0)
    return [{ path: 'nodes', article: recorded.map((r) => r.NAME).join(', '), kind: 'real', note: 'the recording lists nodes; the output none' }]
  const shown = Math.min(recorded.length, live.length)
  const rest = (r: Row): Row => Object.fromEntries(Object.entries(r).filter(([k]) => !(k in CLUSTERS) && k !== 'LABELS'))
  const keyed = (rows: readonly Row[]) => Object.fromEntries(rows.map((r, i) => [`node ${i}`, rest(r)]))
  const items = opts.diff(keyed(recorded.slice(0, shown)), keyed(live))
  recorded.forEach((r, i) => {
    const l = live[i]
    if (l === undefined)
      return void items.push({
        path: `node ${i}`,
        article: r.NAME,
        kind: 'expected',
        note: `the page's cluster had ${recorded.length} nodes, this one ${live.length}`,
      })
    for (const [column, note] of Object.entries(CLUSTERS)) {
      const [a, b] = [r[column], l[column]]
      if (a === undefined || a === b) continue
      const path = `node ${i}.${column}`
      items.push(
        b === undefined
          ? { path, article: a, kind: 'real', note: `the output shows no ${column}` }
          : { path, article: a, live: b, kind: 'expected', note: note(a) },
      )
    }
  })
  if (recorded.some((r) => 'LABELS' in r)) items.push(...labelDifferences(recorded, live, opts.substitute))
  return items
}

/** A label the recording shows that is neither the cluster's nor on some live node is real. */
function labelDifferences(recorded: readonly Row[], live: readonly Row[], substitute: (text: string) => string): DriftItem[] {
  const onNodes = new Set(live.flatMap((l) => [...labelsOf(l.LABELS ?? ''), ...labelsOf(substitute(l.LABELS ?? ''))]))
  const items: DriftItem[] = []
  recorded.forEach((r, i) => {
    const path = `node ${i}.LABELS`
    const l = live[i]
    const missing = labelsOf(r.LABELS ?? '').filter((label) => {
      const [key = '', value = ''] = label.split(/=(.*)/)
      return value !== r.NAME && !RESERVED.test(key) && !onNodes.has(label)
    })
    for (const label of missing) {
      const item: DriftItem = { path, article: label, kind: 'real', note: `no node of this cluster has the label ${label}` }
      if (l?.LABELS !== undefined) item.live = l.LABELS
      items.push(item)
    }
    if (missing.length === 0 && l !== undefined && l.LABELS !== r.LABELS)
      items.push({
        path,
        article: r.LABELS,
        live: l.LABELS,
        kind: 'expected',
        note: 'the labels a cluster gives its nodes (hostname, kubernetes.io/…) are its own',
      })
  })
  return items
}
