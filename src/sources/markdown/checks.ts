// The default check of a Markdown step: its output against the block recorded after it ("the output is
// similar to this"). The recording's shape decides how both are read: JSON, YAML, a kubectl table, or
// lines of text. Differences go through the drift classifier: "real" ones fail the step; "expected"
// ones (tokens, times, ages, uids, resourceVersions, addresses, ports, the run's namespace and chosen
// values) and "version" ones pass and are reported. What the output has and the recording lacks is
// reported, never failed (tutorials show older versions); what the recording has and the output lacks
// is real. Declared checks (annotations) are judged here too.
import { parseDocument } from 'yaml'
import { diffValues, type DriftItem, type DriftKind } from '../../core/drift.js'
import { withoutProgressMeter } from '../../core/parse/curl.js'
import type { Assertion, StepOutput } from '../../core/step.js'
import type { DeclaredCheck } from './annotations.js'

export type Shape = 'json' | 'yaml' | 'table' | 'lines'

const TABLE_HEADER = /^[A-Z][A-Z0-9()-]*(?: [A-Z0-9()-]+)*(?:\s{2,}[A-Z][A-Z0-9()-]*(?: [A-Z0-9()-]+)*)+\s*$/

/** How a recording is read: JSON when it is JSON, YAML when it is a YAML mapping or list, a table under a kubectl header row, else lines. */
export function shapeOf(text: string): Shape {
  const t = text.trim()
  if (/^[{[]/.test(t)) {
    try {
      JSON.parse(t)
      return 'json'
    } catch {
      // not JSON after all
    }
  }
  const first = t.split('\n')[0] ?? ''
  if (TABLE_HEADER.test(first)) return 'table'
  if (/^(?:[\w./-]+:(?:\s|$)|- )/.test(first)) {
    const doc = parseDocument(t)
    if (doc.errors.length === 0 && typeof doc.toJS() === 'object' && doc.toJS() !== null) return 'yaml'
  }
  return 'lines'
}

/** A kubectl table as rows keyed by its header words. */
export function readTable(text: string): Record<string, string>[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '')
  const header = lines.shift() ?? ''
  const columns = [...header.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ name: m[0], start: m.index }))
  return lines.map((line) => Object.fromEntries(columns.map((c, i) => [c.name, line.slice(c.start, columns[i + 1]?.start ?? line.length).trim()])))
}

/** `text` read in `shape`; undefined when it cannot be. */
export function readAs(shape: Shape, text: string): unknown {
  switch (shape) {
    case 'json':
      try {
        return JSON.parse(text.trim()) as unknown
      } catch {
        return undefined
      }
    case 'yaml': {
      const doc = parseDocument(text)
      const v: unknown = doc.errors.length === 0 ? doc.toJS() : undefined
      return typeof v === 'object' && v !== null ? v : undefined
    }
    case 'table':
      return TABLE_HEADER.test(text.trim().split('\n')[0] ?? '') ? readTable(text.trim()) : undefined
    case 'lines':
      return text
        .split('\n')
        .map((l) => l.trimEnd())
        .filter((l) => l.trim() !== '')
  }
}

/** What a terminal showed: standard error (without curl's progress meter) before standard output. */
export function terminalText(out: StepOutput): string {
  return [withoutProgressMeter(out.stderr).trim(), out.stdout.trimEnd()].filter((t) => t !== '').join('\n')
}

// Values that differ on every run: the same shape on both sides is an expected difference.
const VOLATILE: [RegExp, string][] = [
  // A recorded JWT has lost its signature (kubewalk record): still a token here.
  [/eyJ[\w-]*\.[\w-]*\.(?:~signature-removed~|[\w-]*)/g, '<token>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uid>'],
  [/\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?\b/g, '<time>'],
  [/\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\b/g, '<time>'],
  // klog's header: I0707 17:27:30.419698 1833212 file.go:395]
  [/^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ [\w.-]+:\d+\]/gm, '<log>'],
  [/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, '<address>'],
  [/\blocalhost:\d+\b/g, '<address>'],
  [/\b[A-Za-z0-9+/]{40,}={0,2}/g, '<base64>'],
  [/(?<=\s|^)(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?(?<=\w)(?=\s|$)/g, '<age>'],
  [/\b\d+(?:\.\d+)?\s*(?:ms|milliseconds|seconds)\b/g, '<duration>'],
  [/(?<=-)[a-z0-9]{8,10}-[a-z0-9]{5}\b|(?<=-)[bcdfghjklmnpqrstvwxz2456789]{5}\b/g, '<suffix>'],
]

/** A value with its run-to-run parts replaced by their kind (`<token>`, `<time>`, …). */
export function normalize(text: string): string {
  let out = text
  for (const [re, as] of VOLATILE) out = out.replace(re, as)
  return out
}

/** Values the run chose differently from the recording: the recorded text, and this run's. */
export interface Substitution {
  recorded: string
  live: string
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** The live text with this run's values put back to the recording's (whole words only). */
export function substitute(text: string, subs: readonly Substitution[]): string {
  let out = text
  for (const s of subs) {
    if (s.recorded === s.live || s.live === '') continue
    out = out.replace(new RegExp(`(?<![\\w-])${escapeRe(s.live)}(?![\\w-])`, 'g'), s.recorded)
  }
  return out
}

function reclassify(item: DriftItem, subs: readonly Substitution[]): DriftItem {
  if (item.kind !== 'real') return item
  if (!('article' in item)) return { ...item, kind: 'version', note: 'only in this output: the recording may come from another version' }
  const { article, live } = item
  if (typeof article === 'string' && typeof live === 'string') {
    const l = substitute(live, subs)
    if (l === article) return { ...item, kind: 'expected', note: 'a value this run chose (namespace, placeholder)' }
    if (normalize(l) === normalize(article)) return { ...item, kind: 'expected', note: 'tokens, times, ages, ids and addresses differ on every run' }
  }
  if (typeof article === 'number' && typeof live === 'number' && /resourceVersion|generation|(?:^|\.)port$|nodePort|restartCount/i.test(item.path)) {
    return { ...item, kind: 'expected', note: 'per-run counter or port' }
  }
  return item
}

/** Rows keyed by their first column (run-to-run name suffixes removed), so order and extra rows do not matter. */
function keyedRows(rows: Record<string, string>[]): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {}
  for (const row of rows) {
    const first = Object.values(row)[0] ?? ''
    let key = normalize(first)
    while (key in out) key += "'"
    out[key] = row
  }
  return out
}

function compareLines(recorded: string[], live: string[], subs: readonly Substitution[]): DriftItem[] {
  const items: DriftItem[] = []
  // A terminal shows a tab as spaces: runs of blanks compare equal.
  const flat = (l: string): string => l.trim().replace(/\s+/g, ' ')
  const left = live.map((l) => ({ raw: l, sub: flat(substitute(l, subs)), norm: normalize(flat(substitute(l, subs))), used: false }))
  const klog = (l: string): boolean => /^[IWEF]\d{4} \d\d:\d\d:\d\d/.test(l.trim())
  const liveLogs = live.some(klog)
  recorded.forEach((r, i) => {
    const rt = flat(r)
    const exact = left.find((l) => !l.used && l.sub === rt)
    if (exact) return void (exact.used = true)
    const near = left.find((l) => !l.used && l.norm === normalize(rt))
    if (near) {
      near.used = true
      items.push({
        path: `line ${i + 1}`,
        article: r,
        live: near.raw,
        kind: 'expected',
        note: 'tokens, times, ages, ids and addresses differ on every run',
      })
    } else if (rt !== '' && left.some((l) => !l.used && l.sub.startsWith(`${rt} `))) {
      // kubectl says more than it did (1.37: `… deleted from NS namespace`): the same message, a newer version.
      const longer = left.find((l) => !l.used && l.sub.startsWith(`${rt} `)) as (typeof left)[number]
      longer.used = true
      items.push({
        path: `line ${i + 1}`,
        article: r,
        live: longer.raw,
        kind: 'version',
        note: 'the output says more than the recording (another version)',
      })
    } else if (klog(r) && liveLogs) {
      items.push({ path: `line ${i + 1}`, article: r, kind: 'version', note: "kubectl's log lines change with its version" })
    } else items.push({ path: `line ${i + 1}`, article: r, kind: 'real', note: 'the recording shows this line; the output does not' })
  })
  for (const l of left)
    if (!l.used) items.push({ path: 'line', live: l.raw, kind: 'version', note: 'only in this output: the recording may come from another version' })
  return items
}

/** The result of comparing an output with its recording. */
export interface Comparison {
  shape: Shape
  /** The output read in the recording's shape (undefined when it cannot be). */
  value: unknown
  items: DriftItem[]
}

/** Compares `text` (what the line printed, or the variable it set) with `recording`. */
export function compareWithRecording(
  id: string,
  recording: string,
  text: string,
  opts: { substitutions?: readonly Substitution[]; stdout?: string } = {},
): Comparison {
  const subs = opts.substitutions ?? []
  const shape = shapeOf(recording)
  const recorded = readAs(shape, recording)
  if (shape === 'lines') {
    const value = readAs('lines', text) as string[]
    return { shape, value, items: compareLines(recorded as string[], value, subs) }
  }
  // JSON, YAML and tables come on standard output; what is on standard error (warnings) is not part of them.
  const source = opts.stdout ?? text
  const value = readAs(shape, source)
  if (value === undefined)
    return {
      shape,
      value,
      items: [
        {
          path: '',
          article: recording,
          live: source,
          kind: 'real',
          note: `the recording is ${shape === 'table' ? 'a kubectl table' : shape.toUpperCase()}; the output is not`,
        },
      ],
    }
  const [a, l] =
    shape === 'table' ? [keyedRows(recorded as Record<string, string>[]), keyedRows(value as Record<string, string>[])] : [recorded, value]
  const items = diffValues(id, a, l).map((item) => reclassify(item, subs))
  return { shape, value, items }
}

/** Counts by kind. */
export function countKinds(items: readonly DriftItem[]): Record<DriftKind, number> {
  const c: Record<DriftKind, number> = { expected: 0, version: 0, real: 0 }
  for (const i of items) c[i.kind]++
  return c
}

/** The assertions of a comparison: one per real difference, and one that reports the rest. */
export function comparisonAssertions(c: Comparison): Assertion[] {
  const real = c.items.filter((i) => i.kind === 'real')
  const { expected, version } = countKinds(c.items)
  const others =
    expected + version > 0
      ? ` (${[expected > 0 ? `${expected} expected` : '', version > 0 ? `${version} version` : ''].filter(Boolean).join(', ')} difference${expected + version > 1 ? 's' : ''})`
      : ''
  if (real.length === 0) return [{ name: `the output matches its recording${others}`, ok: true }]
  return real.map((i) => {
    const a: Assertion = { name: `${i.path === '' ? 'the output' : i.path} as recorded: ${i.note}`, ok: false }
    if ('article' in i) a.expected = i.article
    if ('live' in i) a.actual = i.live
    return a
  })
}

/** A path like `.status.phase`, `{.items[0].metadata.name}` or `items.0.kind` into a parsed value. */
export function atPath(value: unknown, path: string): unknown {
  const keys =
    path
      .replace(/^\{|\}$/g, '')
      .replace(/^\./, '')
      .match(/[^.[\]]+|\[\d+\]/g) ?? []
  let v: unknown = value
  for (const k of keys) {
    if (v === null || typeof v !== 'object') return undefined
    const key = k.startsWith('[') ? Number(k.slice(1, -1)) : k
    v = (v as Record<string | number, unknown>)[Array.isArray(v) && typeof key === 'string' && /^\d+$/.test(key) ? Number(key) : key]
  }
  return v
}

/** The HTTP status a curl line got: from `HTTP/x NNN` (with -i or -v), else a Kubernetes Status body's code, else 200 for another JSON body. */
export function httpStatus(out: StepOutput): number | undefined {
  const line = /^(?:< )?HTTP\/[\d.]+ (\d{3})/m.exec(`${out.stdout}\n${out.stderr}`)
  if (line) return Number(line[1])
  const body = readAs('json', out.stdout) as { kind?: unknown; code?: unknown } | undefined
  if (body === undefined || typeof body !== 'object') return undefined
  return body.kind === 'Status' && typeof body.code === 'number' ? body.code : 200
}

/** One declared check on an output; `text` is what the terminal showed (or the variable set). */
export function declaredCheck(check: DeclaredCheck, out: StepOutput, text: string): Assertion {
  switch (check.kind) {
    case 'contains':
      return { name: `the output contains ${JSON.stringify(check.text)}`, ok: text.includes(check.text), expected: check.text }
    case 'matches':
      return { name: `the output matches ${check.regex}`, ok: check.regex.test(text), expected: String(check.regex) }
    case 'http': {
      const status = httpStatus(out)
      return { name: `HTTP status ${check.status}`, ok: status === check.status, expected: check.status, actual: status ?? 'no status to be read' }
    }
    case 'json': {
      const parsed = readAs('json', out.stdout) ?? readAs('yaml', out.stdout)
      const v = atPath(parsed, check.path)
      return {
        name: `${check.path} is ${check.equals}`,
        ok: v !== undefined && String(typeof v === 'object' ? JSON.stringify(v) : v) === check.equals,
        expected: check.equals,
        actual: v,
      }
    }
    case 'cell': {
      const rows = readAs('table', out.stdout) as Record<string, string>[] | undefined
      const row =
        rows === undefined
          ? undefined
          : typeof check.row === 'number'
            ? rows[check.row]
            : rows.find((r) => r[(check.row as { column: string }).column] === (check.row as { value: string }).value)
      const where = typeof check.row === 'number' ? `row ${check.row}` : `the row whose ${check.row.column} is ${check.row.value}`
      return {
        name: `${check.column} of ${where} is ${check.equals}`,
        ok: row?.[check.column] === check.equals,
        expected: check.equals,
        actual: row?.[check.column],
      }
    }
  }
}
