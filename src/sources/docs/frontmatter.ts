// Hugo front matter of a kubernetes.io page: the title, and the oldest server the page is written for
// (`min-kubernetes-server-version: v1.8`). Every other key (weight, reviewers, content_type…) is Hugo's.
import { parseDocument } from 'yaml'
import { WalkthroughError } from '../../errors.js'

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

/** Reads the front matter `text` (the YAML between the `---` lines, starting on `line` of `file`). */
export function readDocsFrontMatter(file: string, text: string, line: number): DocsFrontMatter {
  const doc = parseDocument(text, { prettyErrors: false })
  const [error] = doc.errors
  if (error) throw new WalkthroughError(`${file}:${line}: the front matter is not YAML: ${error.message.split('\n')[0]}.`)
  const value: unknown = doc.toJSON()
  const fm: DocsFrontMatter = {}
  if (typeof value !== 'object' || value === null) return fm
  const { title, 'min-kubernetes-server-version': min } = value as Record<string, unknown>
  if (typeof title === 'string' || typeof title === 'number') fm.title = String(title)
  const m = typeof min === 'string' || typeof min === 'number' ? /^v?(\d+)\.(\d+)/.exec(String(min)) : null
  if (m) fm.minKubernetes = `${m[1]}.${m[2]}`
  return fm
}
