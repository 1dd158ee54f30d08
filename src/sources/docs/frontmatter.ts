// Hugo front matter of a kubernetes.io page: the title, and the oldest server the page is written for
// (`min-kubernetes-server-version: v1.8`). Every other key (weight, reviewers, content_type…) is Hugo's.
// Read line by line, not with the YAML parser: two top-level scalars are all a run needs from it, and
// loading the parser costs a cold process 50–100 ms here.

/** What a docs page's front matter says that a run needs. */
export interface DocsFrontMatter {
  title?: string
  /** MAJOR.MINOR, from `min-kubernetes-server-version`. */
  minKubernetes?: string
}

const SHORTCODE = /\{\{[<%]\s*\/?[\w-]+/

/** A Hugo docs page: front matter with a `title:` and at least one Hugo shortcode in the body. */
export function isDocsPage(source: string): boolean {
  if (!/^---\r?\n/.test(source)) return false
  const end = source.indexOf('\n---', 3)
  if (end < 0) return false
  return /^title:/m.test(source.slice(0, end)) && SHORTCODE.test(source.slice(end))
}

/** A top-level scalar of the front matter: plain, quoted, or folded (`>`/`|`) onto the indented lines after it. */
function scalar(lines: readonly string[], key: string): string | undefined {
  const i = lines.findIndex((l) => l.startsWith(`${key}:`))
  if (i < 0) return undefined
  let value = (lines[i] as string)
    .slice(key.length + 1)
    .replace(/\s+#.*$/, '')
    .trim()
  if (/^[>|][+-]?$/.test(value)) {
    const more: string[] = []
    for (let j = i + 1; j < lines.length && /^\s+\S/.test(lines[j] as string); j++) more.push((lines[j] as string).trim())
    value = more.join(' ')
  }
  const quoted = /^(["'])(.*)\1$/.exec(value)
  if (quoted) value = quoted[1] === "'" ? (quoted[2] as string).replace(/''/g, "'") : (quoted[2] as string).replace(/\\(["\\])/g, '$1')
  return value === '' ? undefined : value
}

/** Reads the front matter `text` (the lines between the `---` lines). */
export function readDocsFrontMatter(text: string): DocsFrontMatter {
  const lines = text.split('\n')
  const fm: DocsFrontMatter = {}
  const title = scalar(lines, 'title')
  if (title !== undefined) fm.title = title
  const m = /^v?(\d+)\.(\d+)/.exec(scalar(lines, 'min-kubernetes-server-version') ?? '')
  if (m) fm.minKubernetes = `${m[1]}.${m[2]}`
  return fm
}
