// A docs page rarely shows a whole object: it cuts `kubectl get -o yaml` or an API answer with `...` lines
// (an excerpt). Here the excerpt is read as what it shows: YAML fragments, each located in the live object on its
// own (an elision that skips levels starts a new one), a JSON body cut before its closing brackets, an elided
// scalar (`containerID: ...`) that any value satisfies, and the objects of the author's cluster in a list.
import { parseDocument } from 'yaml'
import { ELISION } from './elision.js'

/** The text without its elision lines (`...` is also YAML's end of document, which would cut the excerpt short). */
export function withoutElisions(text: string): string {
  return text
    .split('\n')
    .filter((l) => !ELISION.test(l))
    .join('\n')
}

/** A value the page left out (`containerID: ...`): present, any value. */
const isElided = (v: unknown): boolean => v === '...' || v === '…'

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)
const indentOf = (line: string): number => line.length - line.trimStart().length
const blank = (line: string): boolean => line.trim() === ''

/** YAML text read as a mapping or list; undefined when it is not one. */
function readYaml(lines: readonly string[]): unknown {
  const body = lines.filter((l) => !blank(l))
  const cut = Math.min(...body.map(indentOf))
  const doc = parseDocument(lines.map((l) => l.slice(Math.min(cut, indentOf(l)))).join('\n'))
  const v: unknown = doc.errors.length === 0 ? doc.toJS() : undefined
  return typeof v === 'object' && v !== null ? v : undefined
}

/** One part of an excerpt: its first line's index in the recording, its lines, and its value when they read as YAML. */
export interface Fragment {
  at: number
  lines: string[]
  value?: unknown
}

// A line after which deeper lines are its children: `key:`, `- key:`, `key: |`.
const OPENS = /^\s*(?:- )?[^\s#][^#]*:\s*(?:[|>][-+\d]*)?\s*$|^\s*-\s*$/

/**
 * A YAML excerpt's fragments. An elision followed by a line deeper than the line before it could hold (a child
 * of a `key:` the elision sits beside, or anything under a scalar) starts a new fragment, as does a part that
 * would break the fragment it follows. A fragment whose first line lost its indentation (a `key: value` above
 * deeper siblings) takes theirs; one that still does not read is kept as lines.
 */
export function yamlFragments(text: string): Fragment[] {
  const parts: { at: number; lines: string[]; elision: number }[] = []
  let part = { at: 0, lines: [] as string[], elision: -1 }
  text.split('\n').forEach((line, i) => {
    if (!ELISION.test(line)) return void part.lines.push(line)
    parts.push(part)
    part = { at: i + 1, lines: [], elision: indentOf(line) }
  })
  parts.push(part)
  const groups: { at: number; lines: string[] }[] = []
  for (const p of parts) {
    const first = p.lines.find((l) => !blank(l))
    if (first === undefined) continue
    const group = groups.at(-1)
    const last = group?.lines.findLast((l) => !blank(l))
    if (group === undefined || last === undefined) {
      groups.push({ at: p.at + p.lines.indexOf(first), lines: [...p.lines] })
      continue
    }
    const deeper = indentOf(first) > p.elision && (OPENS.test(last) ? p.elision <= indentOf(last) : indentOf(first) > indentOf(last))
    const breaks = readYaml(group.lines) !== undefined && readYaml([...group.lines, ...p.lines]) === undefined
    if (deeper || breaks) groups.push({ at: p.at + p.lines.indexOf(first), lines: [...p.lines] })
    else group.lines.push(...p.lines)
  }
  return groups.map((g) => {
    const shown = g.lines.slice(0, g.lines.findLastIndex((l) => !blank(l)) + 1)
    // An excerpt that stops at a bare `key:` (`template:`) cut what follows: that value is elided, not null.
    const end = shown.at(-1) ?? ''
    const lines = /^\s*[\w./-]+:\s*$/.test(end) ? [...shown.slice(0, -1), `${end.trimEnd()} ...`] : shown
    const value = readYaml(lines) ?? readYaml(reindentFirst(lines))
    return value === undefined ? { at: g.at, lines } : { at: g.at, lines, value }
  })
}

/** The first line given the indentation of the lines under it, when it is a `key: value` shallower than they are. */
function reindentFirst(lines: readonly string[]): string[] {
  const [first, ...rest] = lines
  const next = rest.find((l) => !blank(l))
  if (first === undefined || next === undefined || indentOf(next) <= indentOf(first) || OPENS.test(first)) return [...lines]
  if (!/^\s*[\w./-]+:\s+\S/.test(first)) return [...lines]
  return [`${' '.repeat(indentOf(next))}${first.trimStart()}`, ...rest]
}

/**
 * A JSON body the page cut: without its elision lines, an elided value (`"uid": ...`) as a string, trailing
 * commas before a closer dropped, and the brackets it leaves open closed (a closer at the start of a line closes
 * what was opened deeper first). Undefined when that is still not JSON.
 */
export function jsonExcerpt(text: string): unknown {
  let out = ''
  const open: { close: string; indent: number }[] = []
  const close = (c: string): void => void (out = out.replace(/,(\s*)$/, '$1') + c)
  for (const raw of text.split('\n')) {
    if (ELISION.test(raw)) continue
    const line = raw.replace(/:\s*(?:\.\.\.|…)\s*(,?)\s*$/, ': "..."$1')
    const indent = indentOf(line)
    let inString = false
    for (let i = 0; i < line.length; i++) {
      const c = line[i] as string
      if (inString) {
        if (c === '\\') {
          out += c + (line[i + 1] ?? '')
          i++
          continue
        }
        if (c === '"') inString = false
      } else if (c === '"') inString = true
      else if (c === '{' || c === '[') open.push({ close: c === '{' ? '}' : ']', indent })
      else if (c === '}' || c === ']') {
        if (i === indent)
          while (open.length > 1 && (open.at(-1) as { indent: number }).indent > indent) close((open.pop() as { close: string }).close)
        if (open.pop()?.close !== c) return undefined
        close(c)
        continue
      }
      out += c
    }
    if (inString) return undefined
    out += '\n'
  }
  while (open.length > 0) close((open.pop() as { close: string }).close)
  try {
    const v = JSON.parse(out) as unknown
    // A lone bracket is no excerpt of a body.
    return typeof v === 'object' && v !== null && Object.keys(v).length > 0 ? v : undefined
  } catch {
    return undefined
  }
}

/**
 * Where an excerpt sits in the whole object a line printed: the whole value when it holds every key of the
 * excerpt's top level; else, of the mappings below that do (a Pod's `lastState:` under status.containerStatuses[0],
 * a Deployment condition's `message:`), the one `misses` finds fewest real differences with, the first on a tie.
 */
export function locate(recorded: unknown, live: unknown, misses: (root: unknown) => number): { path: string; value: unknown } {
  if (!isMap(recorded)) return { path: '', value: live }
  const keys = Object.keys(recorded)
  const holds = (v: unknown): boolean => isMap(v) && keys.every((k) => k in v)
  // The whole object may hold the keys and not be the place (`spec:` of a Deployment, when the excerpt is its Pod
  // template's `spec: containers:`): every mapping holding them competes; the whole object wins a tie.
  if (keys.length === 0) return { path: '', value: live }
  const found: { path: string; value: unknown }[] = []
  const queue: { path: string; value: unknown }[] = [{ path: '', value: live }]
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    if (holds(next.value)) found.push(next)
    const { path, value } = next
    if (Array.isArray(value)) value.forEach((v, i) => queue.push({ path: `${path}[${i}]`, value: v }))
    else if (isMap(value)) for (const [k, v] of Object.entries(value)) queue.push({ path: path === '' ? k : `${path}.${k}`, value: v })
  }
  if (found.length < 2) return found[0] ?? { path: '', value: live }
  const scored = found.map((f) => ({ f, n: misses(f.value) }))
  return scored.reduce((best, s) => (s.n < best.n ? s : best)).f
}

/** The recorded value with its elided scalars given the live value's (where the live value has that field). */
export function fillElided(recorded: unknown, live: unknown): unknown {
  if (Array.isArray(recorded) && Array.isArray(live))
    return recorded.map((v, i) => (isElided(v) && i < live.length ? live[i] : fillElided(v, live[i])))
  if (isMap(recorded) && isMap(live))
    return Object.fromEntries(Object.entries(recorded).map(([k, v]) => [k, isElided(v) && k in live ? live[k] : fillElided(v, live[k])]))
  return recorded
}

// Generated names: a Deployment's Pod (-7d4b8c9f5-xk2lp), a ReplicaSet or kustomize's hash (-66b6c48dd5), a
// generateName's (-xk2lp), a CronJob's Job (-27817300, its minute), a ReplicaSet hash of before 1.8 (-1650323038,
// decimal, and `-1650323038-` as a generateName).
export const GENERATED_SUFFIXES: readonly RegExp[] = [
  /(?<=-)[a-z0-9]{8,10}-[a-z0-9]{5}\b|(?<=-)[bcdfghjklmnpqrstvwxz2456789]{5}\b/g,
  /(?<=-)[bcdfghjklmnpqrstvwxz2456789]{8,10}\b|(?<=-)\d{8}\b/g,
  /(?<=-)\d{9,10}-?(?![\w-])/g,
]

/** A name without the part a controller generated (`nginx-7d4b8c9f5-xk2lp` → `nginx`). */
export function baseName(name: string): string {
  let out = name
  for (const re of GENERATED_SUFFIXES) out = out.replace(re, '<suffix>')
  return out.replace(/(?:-<suffix>)+-?$/, '')
}

/** Whether the page's own lines make an object of this name (its name, or the name it was generated from, is one the page sets). */
export const pageMakes = (name: string, pinned: readonly string[]): boolean => pinned.includes(name) || pinned.includes(baseName(name))
