// A node table (`kubectl get nodes`: a header with ROLES and VERSION). A page records its author's cluster:
// its nodes, their Kubernetes version and the labels that cluster gives them. Those are the cluster's; what
// the page's lines do to a node (`kubectl label nodes … disktype=ssd`) is the page's, and must show.
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

/** A LABELS cell as `key=value` items; `...` (or `…`) stands for labels left out. */
export function labelsOf(text: string): { labels: string[]; elided: boolean } {
  const items = text.trim() === '<none>' ? [] : text.split(',').map((l) => l.trim())
  const elision = (l: string): boolean => l === '...' || l === '…'
  return { labels: items.filter((l) => l !== '' && !elision(l)), elided: items.some(elision) }
}

/** How the rest of a row is compared: its cells as the table's (node names, ages, addresses are the cluster's). */
export interface NodeOptions {
  diff: (recorded: unknown, live: unknown) => DriftItem[]
  /** The live text with this run's chosen values put back to the recording's. */
  substitute: (text: string) => string
}

/** A recorded node table against the output's, node by node in order: node names are the cluster's. */
export function compareNodeTables(recorded: readonly Row[], live: readonly Row[], opts: NodeOptions): DriftItem[] {
  if (live.length === 0)
    return [{ path: 'nodes', article: recorded.map((r) => r.NAME).join(', '), kind: 'real', note: 'the recording lists nodes; the output none' }]
  const shown = Math.min(recorded.length, live.length)
  const rest = (r: Row): Row => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'VERSION' && k !== 'LABELS'))
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
    if (r.VERSION !== l.VERSION)
      items.push(
        l.VERSION === undefined
          ? { path: `node ${i}.VERSION`, article: r.VERSION, kind: 'real', note: 'the output shows no VERSION' }
          : {
              path: `node ${i}.VERSION`,
              article: r.VERSION,
              live: l.VERSION,
              kind: 'expected',
              note: `the cluster's Kubernetes version (the page's ran ${r.VERSION})`,
            },
      )
  })
  if (recorded.some((r) => 'LABELS' in r)) items.push(...labelDifferences(recorded, live, opts.substitute))
  return items
}

/** A label the recording shows that is neither the cluster's nor on some live node is real. */
function labelDifferences(recorded: readonly Row[], live: readonly Row[], substitute: (text: string) => string): DriftItem[] {
  const onNodes = new Set(live.flatMap((l) => [...labelsOf(l.LABELS ?? '').labels, ...labelsOf(substitute(l.LABELS ?? '')).labels]))
  const items: DriftItem[] = []
  recorded.forEach((r, i) => {
    const path = `node ${i}.LABELS`
    const l = live[i]
    const missing = labelsOf(r.LABELS ?? '').labels.filter((label) => {
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
