// Front matter: the YAML between the leading `---` lines. It names the walkthrough, says which variables
// are secret and which values the reader must choose, and what the lines need. An unknown key or a
// value of the wrong type is a one-line WalkthroughError naming file:line.
import { LineCounter, parseDocument, isMap, isScalar, type Node } from 'yaml'
import { WalkthroughError } from '../../core/errors.js'

/** A value the reader chooses (a placeholder line such as `export NAME="some_value"`). */
export interface Choice {
  describe?: string
  /** A literal default. */
  default?: string
  /** Or the current context's cluster name, or its namespace. */
  from?: 'cluster' | 'namespace'
  /** The value the recordings were made with (so the recordings can be compared with this run's). */
  recorded?: string
}

/** What a Markdown walkthrough's front matter says. */
export interface FrontMatter {
  id?: string
  title?: string
  source?: { title?: string; url?: string; date?: string; kubernetes?: string; kubectl?: string; license?: string }
  secrets: string[]
  choose: Record<string, Choice>
  requires?: { kubernetes?: string; tools?: string[]; objects?: string[] }
  /** Changes the lines make to objects they did not create (`node/*`, `serviceaccount/default`): allowed, and undone at cleanup. */
  changes?: string[]
  /** 'comments': split every block of several commands at its comment lines. */
  split?: 'comments'
}

const KEYS = ['id', 'title', 'source', 'secrets', 'choose', 'requires', 'changes', 'split'] as const
const SOURCE_KEYS = ['title', 'url', 'date', 'kubernetes', 'kubectl', 'license']
const CHOICE_KEYS = ['describe', 'default', 'from', 'recorded']
const REQUIRES_KEYS = ['kubernetes', 'tools', 'objects']

/** Whether two keys are a letter or two apart (a typo), not the same. */
function near(a: string, b: string): boolean {
  if (a === b || Math.abs(a.length - b.length) > 2) return false
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      (d[i] as number[])[j] = Math.min(
        ((d[i - 1] as number[])[j] as number) + 1,
        ((d[i] as number[])[j - 1] as number) + 1,
        ((d[i - 1] as number[])[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      )
  return ((d[a.length] as number[])[b.length] as number) <= 2
}

/** Reads front matter `text` that starts on `line` of `file`. */
export function parseFrontMatter(file: string, text: string, line: number): FrontMatter {
  const counter = new LineCounter()
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false })
  const at = (node: Node | null | undefined, fallback = 0): string =>
    `${file}:${line + (node?.range ? counter.linePos(node.range[0]).line - 1 : fallback)}`
  const [error] = doc.errors
  if (error)
    throw new WalkthroughError(
      `${file}:${line + (counter.linePos(error.pos[0]).line - 1)}: the front matter is not YAML: ${error.message.split('\n')[0]}.`,
    )
  const fm: FrontMatter = { secrets: [], choose: {} }
  if (doc.contents === null) return fm
  if (!isMap(doc.contents)) throw new WalkthroughError(`${at(doc.contents)}: the front matter must be a YAML mapping (id:, title:, …).`)
  const stringOf = (node: unknown, key: string): string => {
    if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number')) return String(node.value)
    throw new WalkthroughError(`${at(node as Node)}: ${key} must be a string.`)
  }
  const listOf = (node: unknown, key: string): string[] => {
    const v: unknown = (node as Node | null)?.toJSON?.()
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[]
    throw new WalkthroughError(`${at(node as Node)}: ${key} must be a list of strings, e.g. [a, b].`)
  }
  const mapOf = (node: unknown, key: string, allowed: readonly string[], others: 'refused' | 'ignored' = 'refused'): Map<string, unknown> => {
    if (!isMap(node)) throw new WalkthroughError(`${at(node as Node)}: ${key} must be a mapping.`)
    const out = new Map<string, unknown>()
    for (const pair of node.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : ''
      // Other tools' keys (Hugo's weight, reviewers, …) are theirs; one a letter or two from ours is a typo.
      if (others === 'ignored' && !allowed.includes(k) && !allowed.some((a) => near(a, k))) continue
      if (allowed.length > 0 && !allowed.includes(k))
        throw new WalkthroughError(`${at(pair.key as Node)}: unknown key "${k}" in ${key} (known: ${allowed.join(', ')}).`)
      out.set(k, pair.value)
    }
    return out
  }
  for (const [key, value] of mapOf(doc.contents, 'the front matter', KEYS, 'ignored')) {
    switch (key) {
      case 'id':
      case 'title':
        fm[key] = stringOf(value, key)
        break
      case 'secrets':
        fm.secrets = listOf(value, key)
        break
      case 'changes':
        fm.changes = listOf(value, key)
        break
      case 'split':
        if (stringOf(value, key) !== 'comments') throw new WalkthroughError(`${at(value as Node)}: split takes the value "comments".`)
        fm.split = 'comments'
        break
      case 'source': {
        const source: Record<string, string> = {}
        for (const [k, v] of mapOf(value, key, SOURCE_KEYS)) source[k] = stringOf(v, `source.${k}`)
        fm.source = source
        break
      }
      case 'requires': {
        const req: NonNullable<FrontMatter['requires']> = {}
        for (const [k, v] of mapOf(value, key, REQUIRES_KEYS)) {
          if (k === 'kubernetes') req.kubernetes = stringOf(v, 'requires.kubernetes')
          else req[k as 'tools' | 'objects'] = listOf(v, `requires.${k}`)
        }
        fm.requires = req
        break
      }
      case 'choose':
        for (const [name, v] of mapOf(value, key, [])) {
          if (!/^[A-Z_][A-Z0-9_]*$/.test(name))
            throw new WalkthroughError(`${at(value as Node)}: choose: ${JSON.stringify(name)} is not an upper-case shell variable name.`)
          const choice: Choice = {}
          if (v !== null && !(isScalar(v) && v.value === null)) {
            for (const [k, x] of mapOf(v, `choose.${name}`, CHOICE_KEYS)) {
              const s = stringOf(x, `choose.${name}.${k}`)
              if (k === 'from') {
                if (s !== 'cluster' && s !== 'namespace')
                  throw new WalkthroughError(`${at(x as Node)}: choose.${name}.from is "cluster" or "namespace" (the current context's), got "${s}".`)
                choice.from = s
              } else choice[k as 'describe' | 'default' | 'recorded'] = s
            }
          }
          fm.choose[name] = choice
        }
        break
    }
  }
  return fm
}
