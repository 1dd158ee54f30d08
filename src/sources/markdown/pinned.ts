// Values a page's own lines set: the names it creates (`kubectl create deployment NAME`, a manifest's
// metadata.name), the labels it gives, the server it writes into a kubeconfig (`--server=https://1.2.3.4`),
// the environment variables it names (a container's `env`, an `export NAME=` line).
// Its recordings show them as they will be on any cluster, so a different value there is a real difference,
// even where a value of that shape (an address, a name) is otherwise the environment's.
import { parseAllDocuments } from 'yaml'
import { splitCommands } from './lines.js'

const FLAGS = String.raw`(?:\s+-{1,2}[\w-]+(?:[= ](?!(?:create|run|expose|label|config)(?:\s|$))\S+)?)*`
// `kubectl create KIND NAME` (two words for a secret's or service's type), `kubectl run NAME`, `kubectl config set-cluster NAME`.
const CREATED = new RegExp(
  String.raw`\bkubectl${FLAGS}\s+(?:create${FLAGS}\s+(?:secret\s+[\w-]+|service\s+[\w-]+|(?!-)[\w.-]+)|run|config${FLAGS}\s+set-(?:cluster|context|credentials))${FLAGS}\s+([^\s-][^\s;|&]*)`,
  'g',
)
const NAMED = /\s--name[= ](\S+)/g
const SERVER = /\s--server[= ]["']?([a-z]+:\/\/)?([^\s/:"']+)/g
const LABELLING = /\bkubectl\b.*?\s(?:label|annotate)\s+(.*)$/
const LABELS = /\s--labels[= ](\S+)/g
const EXPORT = /(?:^|[;&|(]\s*)export\s+((?:[A-Za-z_]\w*=\S*\s*)+)/g

const clean = (v: string): string => v.replace(/^["']|["']$/g, '')
// A value worth holding the output to: not a variable, a placeholder, a flag or a bare number.
const usable = (v: string): boolean => v.length >= 2 && !/[$<>{}*]/.test(v) && !/^\d+$/.test(v) && !v.startsWith('-')

/** The values a command sets. */
function fromCommand(text: string): string[] {
  const line = text.split('\n')[0] as string
  const out = [...line.matchAll(CREATED)].map((m) => m[1] as string)
  out.push(...[...line.matchAll(NAMED)].map((m) => m[1] as string))
  for (const m of line.matchAll(SERVER)) out.push(m[2] as string)
  const labelling = LABELLING.exec(line)?.[1]
  if (labelling !== undefined) for (const m of labelling.matchAll(/(?:^|\s)[\w./-]+=(\S+)/g)) out.push(m[1] as string)
  for (const m of line.matchAll(LABELS)) if (/=/.test(m[1] as string)) for (const kv of (m[1] as string).split(',')) out.push(kv.split('=')[1] ?? '')
  for (const m of line.matchAll(EXPORT)) for (const a of (m[1] as string).matchAll(/(?:^|\s)([A-Za-z_]\w*)=/g)) out.push(a[1] as string)
  return out.map(clean)
}

/** The names, namespaces, label values and environment variables' names in YAML manifests. */
function fromManifests(yaml: string): string[] {
  const out: string[] = []
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach((x) => walk(x))
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if ((k === 'labels' || k === 'matchLabels') && x !== null && typeof x === 'object')
          out.push(...Object.values(x).filter((l): l is string => typeof l === 'string'))
        else {
          // A container's env: [{ name: DEMO_GREETING, value: … }] sets that variable in its Pod.
          if (k === 'env' && Array.isArray(x)) for (const e of x as { name?: unknown }[]) if (typeof e?.name === 'string') out.push(e.name)
          walk(x)
        }
      }
    }
  }
  try {
    for (const doc of parseAllDocuments(yaml)) {
      if (!('errors' in doc) || doc.errors.length > 0) continue
      const v = doc.toJS() as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null
      if (typeof v?.kind !== 'string') continue
      if (typeof v.metadata?.name === 'string') out.push(v.metadata.name)
      if (typeof v.metadata?.namespace === 'string') out.push(v.metadata.namespace)
      walk(v)
    }
  } catch {
    // not a manifest
  }
  return out
}

/** The values the page's lines set, from its commands and the manifests they apply (heredocs, files). */
export function pageValues(steps: readonly { command: string; files: readonly { content: string }[] }[]): string[] {
  const values = new Set<string>()
  for (const s of steps) {
    for (const c of splitCommands(s.command)) for (const v of fromCommand(c.text)) values.add(v)
    const heredoc = s.command.includes('\n') ? s.command.split('\n').slice(1).join('\n') : ''
    for (const text of [heredoc, ...s.files.map((f) => f.content)]) if (text.trim() !== '') for (const v of fromManifests(text)) values.add(v)
  }
  return [...values].filter(usable)
}
