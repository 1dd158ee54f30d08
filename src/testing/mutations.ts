// Outputs wrong in one way each, derived from a recorded one without knowing what it shows: emptied
// fields, another exit code, a line dropped, a word changed in place (so a table keeps its columns),
// a JSON or YAML field removed or changed, a JWT's claim removed or changed (also inside base64).
// `kubewalk test` judges a step's checks on each: a check that no such output fails cannot fail.
import { parseDocument, stringify } from 'yaml'
import type { StepOutput } from '../core/step.js'

/** An output wrong in one way, and that way in a few words. */
export interface OutputMutation {
  how: string
  output: StepOutput
}

type Field = 'stdout' | 'stderr' | 'captured'
type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

const JWT = /eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g
const B64_JWT = /ZXlK[A-Za-z0-9+/]{16,}={0,2}/g
// Far enough to move a time past any tolerance a check allows (30 days).
const FAR = 30 * 86_400

const isObject = (v: Json | undefined): v is { [key: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The same word with one character changed, so columns stay aligned: a digit counts up, a letter moves on. */
export function changedWord(word: string): string {
  const i = word.length - 1
  const c = word[i] ?? ''
  const next = /\d/.test(c)
    ? String((Number(c) + 1) % 10)
    : /[a-y]/i.test(c)
      ? String.fromCharCode(c.charCodeAt(0) + 1)
      : /z/i.test(c)
        ? c === 'z'
          ? 'a'
          : 'A'
        : 'x'
  return word.slice(0, i) + next
}

/** Other values for one leaf of a parsed document. */
function leafVariants(v: Json): { how: string; value: Json }[] {
  if (typeof v === 'string')
    return [
      { how: `"${short(v)}" changed`, value: v === '' ? 'x' : changedWord(v) },
      ...(v === '' ? [] : [{ how: `"${short(v)}" emptied`, value: '' }]),
    ]
  if (typeof v === 'number')
    return [
      { how: `${v} + 1`, value: v + 1 },
      { how: `${v} moved far`, value: v + FAR },
      { how: `${v} moved far back`, value: v - FAR },
      { how: `${v} made 0`, value: v === 0 ? -1 : 0 },
    ]
  if (typeof v === 'boolean') return [{ how: `${v} flipped`, value: !v }]
  if (v === null) return [{ how: 'null made a string', value: 'x' }]
  return []
}

const short = (s: string): string => (s.length > 24 ? `${s.slice(0, 21)}…` : s)

/** Every document that differs from `doc` in one place: a key or an item removed, a leaf changed. */
function* documentVariants(doc: Json, path = ''): Generator<{ how: string; value: Json }> {
  if (Array.isArray(doc)) {
    for (const [i, item] of doc.entries()) {
      yield { how: `${path}[${i}] removed`, value: doc.filter((_, j) => j !== i) }
      for (const v of documentVariants(item, `${path}[${i}]`)) yield { how: v.how, value: doc.map((x, j) => (j === i ? v.value : x)) }
    }
    if (doc.length > 0) yield { how: `${path}[] emptied`, value: [] }
    return
  }
  if (isObject(doc)) {
    for (const [k, item] of Object.entries(doc)) {
      const at = path === '' ? k : `${path}.${k}`
      const rest = { ...doc }
      delete rest[k]
      yield { how: `${at} removed`, value: rest }
      for (const v of documentVariants(item, at)) yield { how: v.how, value: { ...doc, [k]: v.value } }
    }
    return
  }
  for (const v of leafVariants(doc)) yield { how: `${path === '' ? 'value' : path}: ${v.how}`, value: v.value }
}

/** The indentation JSON.stringify would need to give `text` back (0, 2, 4 or a tab). */
function jsonIndent(text: string): number | string {
  const m = /^\{?\[?\n([ \t]+)/.exec(text.trimStart())
  return m?.[1] === undefined ? 0 : m[1].startsWith('\t') ? '\t' : m[1].length
}

function* jsonVariants(text: string): Generator<{ how: string; text: string }> {
  let doc: Json
  try {
    doc = JSON.parse(text) as Json
  } catch {
    return
  }
  if (typeof doc !== 'object' || doc === null) return
  const indent = jsonIndent(text)
  const trailing = /\s*$/.exec(text)?.[0] ?? ''
  for (const v of documentVariants(doc)) yield { how: `JSON ${v.how}`, text: JSON.stringify(v.value, null, indent) + trailing }
}

function* yamlVariants(text: string): Generator<{ how: string; text: string }> {
  if (!/^[\w"'-][^\n]*:( |$)/m.test(text)) return
  const parsed = parseDocument(text)
  if (parsed.errors.length > 0) return
  const doc = parsed.toJS() as Json
  if (!isObject(doc) && !Array.isArray(doc)) return
  for (const v of documentVariants(doc)) yield { how: `YAML ${v.how}`, text: stringify(v.value) }
}

/** A JWT with its header or claims changed; the signature stays as it was (checks decode, they do not verify). */
function* jwtVariants(token: string): Generator<{ how: string; token: string }> {
  const [header = '', payload = '', signature = ''] = token.split('.')
  const decode = (part: string): Json | undefined => {
    try {
      return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Json
    } catch {
      return undefined
    }
  }
  const encode = (v: Json): string => Buffer.from(JSON.stringify(v)).toString('base64url')
  const claims = decode(payload)
  if (isObject(claims))
    for (const v of documentVariants(claims)) yield { how: `JWT claim ${v.how}`, token: `${header}.${encode(v.value)}.${signature}` }
  const head = decode(header)
  if (isObject(head))
    for (const v of documentVariants(head)) yield { how: `JWT header ${v.how}`, token: `${encode(v.value)}.${payload}.${signature}` }
  if (signature !== '') yield { how: 'JWT signature removed', token: `${header}.${payload}.` }
  yield { how: 'JWT cut short', token: `${header}.${payload.slice(0, Math.max(0, payload.length - 4))}.${signature}` }
}

/** Each occurrence of a token in `text` replaced by one of its variants. */
function* tokenVariants(text: string): Generator<{ how: string; text: string }> {
  for (const m of text.matchAll(JWT)) {
    for (const v of jwtVariants(m[0])) yield { how: v.how, text: text.slice(0, m.index) + v.token + text.slice(m.index + m[0].length) }
  }
  for (const m of text.matchAll(B64_JWT)) {
    const decoded = Buffer.from(m[0], 'base64').toString('utf8')
    const inner = [...decoded.matchAll(JWT)][0]
    if (inner === undefined) continue
    for (const v of jwtVariants(inner[0])) {
      const changed = Buffer.from(decoded.slice(0, inner.index) + v.token + decoded.slice(inner.index + inner[0].length)).toString('base64')
      yield { how: `base64 ${v.how}`, text: text.slice(0, m.index) + changed + text.slice(m.index + m[0].length) }
    }
  }
}

/** Line and word changes: each line dropped, each word changed in place (at most `limit` words). */
function* plainVariants(text: string, limit: number): Generator<{ how: string; text: string }> {
  const lines = text.split('\n')
  if (lines.length > 1) {
    for (const [i, line] of lines.entries()) {
      if (line.trim() === '') continue
      yield { how: `line ${i + 1} removed`, text: lines.filter((_, j) => j !== i).join('\n') }
    }
  }
  let n = 0
  for (const m of text.matchAll(/[A-Za-z0-9_]+/g)) {
    if (n++ >= limit) return
    yield { how: `word "${short(m[0])}" changed`, text: text.slice(0, m.index) + changedWord(m[0]) + text.slice(m.index + m[0].length) }
  }
}

/** Every mutation of one field's text, most telling first. */
function* textVariants(text: string, wordLimit: number): Generator<{ how: string; text: string }> {
  yield* jsonVariants(text)
  yield* yamlVariants(text)
  yield* tokenVariants(text)
  yield* plainVariants(text, wordLimit)
}

/**
 * The outputs `output` can be mutated into, each wrong in one way, without duplicates. `wordLimit`
 * bounds the words changed one by one in each field (a long log has thousands); `others` are other
 * outputs (another step's recording) to put in its place, whole or field by field.
 */
export function* mutationsOf(output: StepOutput, opts: { wordLimit?: number; others?: readonly OutputMutation[] } = {}): Generator<OutputMutation> {
  const wordLimit = opts.wordLimit ?? 2000
  const seen = new Set<string>()
  const key = (o: StepOutput): string => JSON.stringify([o.stdout, o.stderr, o.exitCode, o.captured ?? null])
  seen.add(key(output))
  function* emit(how: string, changed: Partial<StepOutput>, drop?: Field): Generator<OutputMutation> {
    const o: StepOutput = { ...output, ...changed }
    if (drop === 'captured') delete o.captured
    const k = key(o)
    if (seen.has(k)) return
    seen.add(k)
    yield { how, output: o }
  }
  yield* emit('exit code 1', { exitCode: output.exitCode === 1 ? 2 : 1 })
  for (const field of ['stdout', 'stderr', 'captured'] as const) {
    const text = output[field]
    if (text === undefined || text === '') continue
    yield* emit(`${field} empty`, { [field]: '' })
    if (field === 'captured') yield* emit('captured nothing', {}, 'captured')
    for (const v of textVariants(text, wordLimit)) yield* emit(`${field}: ${v.how}`, { [field]: v.text })
  }
  if (output.captured === undefined) yield* emit('captured a value', { captured: 'x' })
  // What another step printed where this one printed: the way to show a check for the absence of
  // something (a row, a claim) failing, since another step of the same walkthrough often shows it.
  for (const other of opts.others ?? []) {
    yield* emit(`${other.how} instead`, other.output)
    for (const from of ['stdout', 'stderr', 'captured'] as const) {
      const text = other.output[from]
      if (text === undefined || text === '') continue
      for (const to of ['stdout', 'stderr', 'captured'] as const) {
        if (output[to] !== undefined && output[to] !== '') yield* emit(`${to}: the ${from} of ${other.how} instead`, { [to]: text })
      }
    }
  }
}
