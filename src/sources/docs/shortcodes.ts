// Hugo shortcodes as a reader sees them on kubernetes.io: admonitions become a word before their text,
// headings their title, a glossary tooltip its text, includes and version checks a short phrase. The
// file shortcodes (code_sample, codenew, code) are blocks of their own (see blocks.ts).

/** A file shortcode: the example path it shows, and its language if given. */
export interface ExampleRef {
  file: string
  language?: string
}

const ATTR = /([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))/g
const attrs = (s: string): Record<string, string> =>
  Object.fromEntries([...s.matchAll(ATTR)].map((m) => [m[1] as string, (m[2] ?? m[3] ?? m[4]) as string]))

const FILE_SHORTCODE = /^\s*\{\{[<%]\s*(?:code_sample|codenew|code)\s+(.*?)\s*[>%]\}\}\s*$/

/** The example a line's file shortcode names (`{{% code_sample file="P" %}}`), if the line is one. */
export function exampleRef(line: string): ExampleRef | undefined {
  const m = FILE_SHORTCODE.exec(line)
  if (!m) return undefined
  const a = attrs(m[1] as string)
  if (a.file === undefined) return undefined
  return a.language !== undefined ? { file: a.file, language: a.language } : { file: a.file }
}

const HEADINGS: Record<string, string> = {
  prerequisites: 'Before you begin',
  objectives: 'Objectives',
  cleanup: 'Cleaning up',
  whatsnext: "What's next",
  synopsis: 'Synopsis',
  options: 'Options',
}
const ADMONITIONS: Record<string, string> = { note: 'Note:', caution: 'Caution:', warning: 'Warning:' }

/** One shortcode as the rendered page shows it. */
function rendered(name: string, args: string, closing: boolean): string {
  if (closing) return ''
  const a = attrs(args)
  const positional = /^\s*"([^"]*)"/.exec(args)?.[1]
  if (name in ADMONITIONS) return ADMONITIONS[name] as string
  if (name === 'heading') return HEADINGS[positional ?? ''] ?? positional ?? ''
  // `{{% prerequisites-heading %}}` stands alone on its line, where the page shows a heading.
  if (name.endsWith('-heading')) return `## ${HEADINGS[name.slice(0, -'-heading'.length)] ?? ''}`
  if (name === 'glossary_tooltip') return a.text ?? a.term_id ?? ''
  if (name === 'include')
    return positional === 'task-tutorial-prereqs.md'
      ? 'You need a Kubernetes cluster, and the kubectl command-line tool must be configured to communicate with your cluster.'
      : ''
  if (name === 'version-check') return ''
  if (name === 'feature-state')
    return a.state !== undefined ? `FEATURE STATE: Kubernetes ${a.for_k8s_version ?? ''} [${a.state}]`.replace('  ', ' ') : ''
  if (name === 'param') return positional === 'version' ? 'latest' : ''
  if (name === 'skew') return ''
  return ''
}

const SHORTCODE = /\{\{([<%])\s*(\/?)([\w-]+)((?:[^}"']|"[^"]*"|'[^']*')*?)\s*[>%]\}\}/g

/** A line of prose with its shortcodes rendered; a line of nothing but closing or empty shortcodes becomes ''. */
export function renderShortcodes(line: string): string {
  if (!line.includes('{{')) return line
  return line.replace(SHORTCODE, (_m, _kind: string, slash: string, name: string, args: string) => rendered(name, args, slash === '/'))
}

/** The tab shortcodes: `{{< tabs … >}}`, `{{% tab name="X" %}}`, and their closings. */
export function tabShortcode(line: string): { kind: 'tabs' | 'tab'; closing: boolean; name?: string } | undefined {
  const m = /^\s*\{\{[<%]\s*(\/?)(tabs|tab)\b(.*?)[>%]\}\}\s*$/.exec(line)
  if (!m) return undefined
  const name = attrs(m[3] as string).name
  return { kind: m[2] as 'tabs' | 'tab', closing: m[1] === '/', ...(name !== undefined ? { name } : {}) }
}
