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
import { escapeRe } from '../../core/text.js'
import type { DeclaredCheck } from './annotations.js'
import { describeError, errorMessages, sameError } from './answers.js'
import { ELISION } from './elision.js'
import { compareListings, isVariableListing } from './environment.js'
import { GENERATED_SUFFIXES, fillElided, jsonExcerpt, locate, pageMakes, withoutElisions, yamlFragments, type Fragment } from './excerpts.js'
import { compareNodeTables, isNodeTable } from './nodes.js'

export type Shape = 'json' | 'yaml' | 'table' | 'lines'

const TABLE_HEADER = /^[A-Z][A-Z0-9()-]*(?: [A-Z0-9()-]+)*(?:\s{2,}[A-Z][A-Z0-9()-]*(?: [A-Z0-9()-]+)*)+\s*$/

/**
 * How a recording is read: JSON when it is JSON (or a JSON body cut with `...`), YAML when it is a YAML mapping or
 * list (or an excerpt of one whose fragments read), a table under a kubectl header row, else lines.
 */
export function shapeOf(text: string): Shape {
  const t = text.trim()
  if (/^[{[]/.test(t)) {
    try {
      JSON.parse(t)
      return 'json'
    } catch {
      if (jsonExcerpt(t) !== undefined) return 'json'
    }
  }
  const first = t.split('\n')[0] ?? ''
  if (TABLE_HEADER.test(first)) return 'table'
  if (/^(?:[\w./-]+:(?:\s|$)|- )/.test(first)) {
    const doc = parseDocument(withoutElisions(t))
    if (doc.errors.length === 0 && typeof doc.toJS() === 'object' && doc.toJS() !== null) return 'yaml'
    if (t.split('\n').some((l) => ELISION.test(l)) && yamlFragments(t).some((f) => f.value !== undefined)) return 'yaml'
  }
  return 'lines'
}

/** A recording read in `shape`: as `readAs`, and a JSON body the page cut with `...` as what it shows. */
export function readRecording(shape: Shape, text: string): unknown {
  return readAs(shape, text) ?? (shape === 'json' ? jsonExcerpt(text.trim()) : undefined)
}

/**
 * The live value in the excerpt's shape: where the excerpt elides a list down to the fields of one item
 * (`containers:` then `...` then `resources:`), the item with most of those fields, compared as that item.
 */
function fitExcerpt(recorded: unknown, live: unknown): unknown {
  const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)
  if (isMap(recorded) && Array.isArray(live)) {
    const score = (item: unknown): number => (isMap(item) ? Object.keys(recorded).filter((k) => k in item).length : -1)
    const best = live.reduce<unknown>((b, item) => (score(item) > score(b) ? item : b), live[0])
    return best === undefined ? live : fitExcerpt(recorded, best)
  }
  if (isMap(recorded) && isMap(live))
    return Object.fromEntries(Object.entries(live).map(([k, v]) => [k, k in recorded ? fitExcerpt(recorded[k], v) : v]))
  return live
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
      const doc = parseDocument(withoutElisions(text))
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

/** What a terminal showed: standard error (without curl's progress meter) before standard output; a block's commands one after another. */
export function terminalText(out: { stdout: string; stderr: string; parts?: readonly { stdout: string; stderr: string }[] | undefined }): string {
  if (out.parts !== undefined && out.parts.length > 1)
    return out.parts
      .map((p) => terminalText(p))
      .filter((t) => t !== '')
      .join('\n')
  return [withoutProgressMeter(out.stderr).trim(), out.stdout.trimEnd()].filter((t) => t !== '').join('\n')
}

/**
 * A block's output read in a structured shape: the commands whose output reads so (a block's `kubectl apply`
 * line before its `kubectl get -o yaml` prints no YAML), a table's rows one after another, else the last; one
 * command's output as it is.
 */
export function readOutput(shape: Shape, out: { stdout: string; parts?: readonly { stdout: string }[] | undefined }): unknown {
  if (out.parts === undefined || out.parts.length < 2) return readAs(shape, out.stdout)
  const read = out.parts.map((p) => readAs(shape, p.stdout)).filter((v) => v !== undefined)
  if (read.length === 0) return readAs(shape, out.stdout)
  return shape === 'table' ? read.flat() : read.at(-1)
}

// Values that differ on every run: the same shape on both sides is an expected difference.
const VOLATILE: [RegExp, string][] = [
  // A recorded JWT has lost its signature (kubewalk record): still a token here.
  [/eyJ[\w-]*\.[\w-]*\.(?:~signature-removed~|[\w-]*)/g, '<token>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uid>'],
  [/\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?\b/g, '<time>'],
  [/\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d \w{3} \d{4} \d\d:\d\d:\d\d (?:GMT|[+-]\d{4})(?!\w)/g, '<time>'],
  // date(1): Mon Jan  2 15:04:05 UTC 2006
  [/\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \w{3} +\d{1,2} \d\d:\d\d:\d\d [A-Z]{2,5} \d{4}\b/g, '<time>'],
  // The kubelet's atomic writer names a volume's data folder by its time: ..2026_12_06_10_47_53.299460680.
  [/(?<=\.\.)\d{4}(?:_\d\d){5}\.\d+\b/g, '<time>'],
  // ls -l: Feb  6 21:47 (this year), Feb  6  2016 (another).
  [/\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} +(?:\d\d:\d\d|\d{4})\b/g, '<time>'],
  // The node a Pod landed on: kubectl describe's `Node: worker-1/10.0.2.15`, an event's `assigned default/x to worker-1`.
  [/(?<=^\s*Node:\s+)[^\s/]+/gm, '<node>'],
  [/(?<=\bSuccessfully assigned \S+ to )\S+/g, '<node>'],
  // The single node of the clusters pages are written on (minikube, kind, Docker Desktop) and of kubewalk's lab:
  // a Pod that prints its node's name (the downward API's spec.nodeName) prints its cluster's.
  [/\b(?:minikube(?:-m\d+)?|kind-control-plane|kind-worker\d*|docker-desktop|kubewalk-node)\b/g, '<node>'],
  // klog's header: I0707 17:27:30.419698 1833212 file.go:395]
  [/^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ [\w.-]+:\d+\]/gm, '<log>'],
  // An object's counters, in JSON or YAML as a page prints them: "resourceVersion": "33074", generation: 2.
  [/(?<=["']?\b(?:resourceVersion|generation|observedGeneration)["']?:\s*["']?)\d+/g, '<counter>'],
  [/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, '<address>'],
  [/\blocalhost:\d+\b/g, '<address>'],
  [/\b[A-Za-z0-9+/]{40,}={0,2}/g, '<base64>'],
  [/(?<=\s|^)(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?(?<=\w)(?=\s|$)/g, '<age>'],
  [/\b\d+(?:\.\d+)?\s*(?:ms|milliseconds|seconds)\b/g, '<duration>'],
  ...GENERATED_SUFFIXES.map((re): [RegExp, string] => [re, '<suffix>']),
]

/** A value with its run-to-run parts replaced by their kind (`<token>`, `<time>`, …). */
export function normalize(text: string): string {
  let out = text
  for (const [re, as] of VOLATILE) out = out.replace(re, as)
  // kubectl quotes a time in YAML (`lastUpdateTime: "2026-…Z"`); a page may not.
  return out.replace(/(["'])(<[a-z]+>)\1/g, '$2')
}

/**
 * The same error, one side wrapped in more context (`unable to create pods: pods "x" is forbidden: …`, as an
 * older controller said it, against `pods "x" is forbidden: …`): Go's wrapped errors, `context: cause`.
 */
function sameWrappedError(a: string, b: string): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a]
  if (short.length < 20 || !long.endsWith(`: ${short}`)) return false
  return /^[\w\s-]+(?::\s[\w\s-]+)*$/.test(long.slice(0, -short.length - 2))
}

/** Values the run chose differently from the recording: the recorded text, and this run's. */
export interface Substitution {
  recorded: string
  live: string
}

/** The live text with this run's values put back to the recording's (whole words only). */
export function substitute(text: string, subs: readonly Substitution[]): string {
  let out = text
  for (const s of subs) {
    if (s.recorded === s.live || s.live === '') continue
    out = out.replace(new RegExp(`(?<![\\w-])${escapeRe(s.live)}(?![\\w-])`, 'g'), s.recorded)
  }
  return out
}

/** Whether `value` stands whole in `text` (not as part of a longer name, address or number). */
const standsIn = (value: string, text: string): boolean => new RegExp(`(?<![\\w.-])${escapeRe(value)}(?![\\w-]|\\.\\w)`).test(text)

/**
 * A value the page's own lines set (a name it creates, a label, a server it writes) that the recorded text shows
 * and the live text does not: such a difference is real, whatever its shape (an address, a name).
 */
export function pinnedDifference(recorded: string, live: string, pinned: readonly string[]): string | undefined {
  return pinned.find((v) => standsIn(v, recorded) && !standsIn(v, live))
}

// Fields whose values the cluster decides: node names, the addresses and ports it assigns.
const CLUSTER_DECIDES =
  /(?:^|\.)(?:NODE|Node|NOMINATED NODE|nodeName|hostname|kubernetes\.io\/hostname|hostIP|hostIPs|podIP|podIPs|clusterIP|clusterIPs|IP|CLUSTER-IP|EXTERNAL-IP|ENDPOINTS|nodePort)$|^node \d+'*\.NAME$/

function reclassify(item: DriftItem, subs: readonly Substitution[], pinned: readonly string[]): DriftItem {
  const { article, live } = item
  if (typeof article === 'string' && typeof live === 'string') {
    const l = substitute(live, subs)
    const set = pinnedDifference(article, l, pinned)
    if (set !== undefined) return { ...item, kind: 'real', note: `the page's own lines set ${set}; the output shows another value` }
    if (item.kind !== 'real') return item
    if (l === article) return { ...item, kind: 'expected', note: 'a value this run chose (namespace, placeholder)' }
    // A quantity (`700m` CPU, `512Mi`, a count) the page set or the cluster defaulted is no age: it compares as written.
    const quantity =
      /(?:^|\.)(?:cpu|memory|storage|ephemeral-storage|pods|hugepages-\w+|[\w.-]+\/[\w.-]+)$/.test(item.path) &&
      /(?:^|\.)(?:limits|requests|hard|used|min|max|default|defaultRequest|maxLimitRequestRatio|capacity|allocatable)\./.test(item.path)
    if (!quantity && normalize(l) === normalize(article))
      return { ...item, kind: 'expected', note: 'tokens, times, ages, ids and addresses differ on every run' }
    if (CLUSTER_DECIDES.test(item.path))
      return { ...item, kind: 'expected', note: 'node names and the addresses and ports a cluster assigns are its own' }
    // A Service's PORT(S): the node port (`80:31234/TCP`) is the cluster's, the port the page's.
    const nodePorts = (v: string): string => v.replace(/(?<=\d:)\d+(?=\/)/g, '<nodePort>')
    if (/(?:^|\.)PORT\(S\)$/.test(item.path) && nodePorts(l) === nodePorts(article))
      return { ...item, kind: 'expected', note: 'node ports are the cluster’s' }
    if (sameWrappedError(normalize(article), normalize(l)))
      return { ...item, kind: 'version', note: 'the same error, wrapped in more or less context (another version)' }
  }
  if (item.kind !== 'real') return item
  if (!('article' in item)) return { ...item, kind: 'version', note: 'only in this output: the recording may come from another version' }
  if (typeof article === 'number' && typeof live === 'number' && /resourceVersion|generation|(?:^|\.)port$|nodePort|restartCount/i.test(item.path)) {
    return { ...item, kind: 'expected', note: 'per-run counter or port' }
  }
  return item
}

type Named = (v: unknown, i: number) => string | undefined

/** An object's name (`metadata.name`, else `name`), by which lists of objects are matched. */
const nameOf: Named = (v) => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined
  const o = v as { metadata?: { name?: unknown }; name?: unknown }
  const n = o.metadata?.name ?? o.name
  return typeof n === 'string' ? n : undefined
}

/**
 * Where the page's own values are known, the paths (as the drift items name them) of recorded objects the page
 * never makes, and of recorded lists whose output list is empty.
 */
interface Owned {
  pinned: readonly string[]
  authors: string[]
  emptied: string[]
}

/**
 * Lists of named things (objects, a table's rows) as objects keyed by name, so an element is compared with the
 * element of its name, not of its index (run-to-run suffixes removed from the names). What is left unmatched on
 * each side is paired in order: a row named otherwise is compared with the one in its place; but where the page's
 * values are known (`owned`), a recorded object no line of the page makes is the author's cluster's, paired with
 * nothing.
 */
function align(recorded: unknown, live: unknown, named: Named = nameOf, owned?: Owned, path = ''): [unknown, unknown] {
  const at = (k: string): string => (path === '' ? k : `${path}.${k}`)
  if (Array.isArray(recorded) && Array.isArray(live)) {
    const names = (list: unknown[]) => list.map((v, i) => named(v, i))
    const rn = names(recorded)
    const ln = names(live)
    if (rn.includes(undefined) || ln.includes(undefined) || (recorded.length === 0 && live.length === 0))
      return [
        recorded.map((v, i) => align(v, live[i], nameOf, owned, `${path}[${i}]`)[0]),
        live.map((v, i) => align(recorded[i], v, nameOf, owned, `${path}[${i}]`)[1]),
      ]
    if (owned !== undefined && live.length === 0) owned.emptied.push(path)
    const a: Record<string, unknown> = {}
    const l: Record<string, unknown> = {}
    const used = new Set<number>()
    const key = (n: string, taken: Record<string, unknown>): string => {
      let k = normalize(n)
      while (k in taken) k += "'"
      return k
    }
    const lost: number[] = []
    recorded.forEach((v, i) => {
      const j = ln.findIndex((n, k) => !used.has(k) && normalize(n as string) === normalize(rn[i] as string))
      if (j < 0) return void lost.push(i)
      used.add(j)
      const k = key(rn[i] as string, a)
      ;[a[k], l[k]] = align(v, live[j], nameOf, owned, at(k))
    })
    const left = live.map((_, j) => j).filter((j) => !used.has(j))
    for (const i of lost) {
      const k = key(rn[i] as string, a)
      // A name, not a row's age or time (`kubectl get events`' LAST SEEN).
      const name = rn[i] as string
      if (owned !== undefined && live.length > 0 && !normalize(name).startsWith('<') && !pageMakes(name, owned.pinned)) {
        a[k] = recorded[i]
        owned.authors.push(at(k))
        continue
      }
      const j = left.shift()
      if (j === undefined) a[k] = recorded[i]
      else [a[k], l[k]] = align(recorded[i], live[j], nameOf, owned, at(k))
    }
    for (const j of left) l[key(ln[j] as string, l)] = live[j]
    return [a, l]
  }
  if (
    recorded !== null &&
    live !== null &&
    typeof recorded === 'object' &&
    typeof live === 'object' &&
    !Array.isArray(recorded) &&
    !Array.isArray(live)
  ) {
    const a: Record<string, unknown> = { ...recorded }
    const l: Record<string, unknown> = { ...live }
    for (const k of Object.keys(a)) if (k in l) [a[k], l[k]] = align(a[k], l[k], nameOf, owned, at(k))
    return [a, l]
  }
  return [recorded, live]
}

/** A table's rows named by their first column (a list of nodes is compared in nodes.ts). */
const rowName: Named = (row) => Object.values(row as Record<string, string>)[0] ?? ''

/**
 * The live line a recorded line with `...` inside it stands for (`drwxr-xr-x  ... Feb 6 21:47 ..data`: the page left
 * the middle out): the first unused one that has the line's parts, in order, with anything where `...` is.
 */
function withinLine<L extends { norm: string; used: boolean }>(recorded: string, left: readonly L[]): L | undefined {
  const parts = normalize(recorded).split(/(?:^|\s)(?:\.\.\.|…)(?:\s|$)/)
  if (parts.length < 2 || parts.every((p) => p.trim() === '')) return undefined
  const pattern = new RegExp(`^${parts.map((p) => escapeRe(p.trim())).join('(?:^|\\s).*?(?:\\s|$)')}$`)
  return left.find((l) => !l.used && pattern.test(l.norm))
}

/** The adjacent letter pairs of `s`, counted. */
function letterPairs(s: string): Map<string, number> {
  const pairs = new Map<string, number>()
  for (let i = 0; i + 1 < s.length; i++) pairs.set(s.slice(i, i + 2), (pairs.get(s.slice(i, i + 2)) ?? 0) + 1)
  return pairs
}

/** How alike two strings' letter pairs are, from 0 to 1 (Dice's coefficient): less than one word in common. */
function likeness(a: Map<string, number>, b: Map<string, number>): number {
  let common = 0
  let total = 0
  for (const [p, n] of a) {
    common += Math.min(n, b.get(p) ?? 0)
    total += n
  }
  for (const n of b.values()) total += n
  return total === 0 ? 0 : (2 * common) / total
}

function compareLines(recorded: string[], live: string[], subs: readonly Substitution[], pinned: readonly string[]): DriftItem[] {
  const items: { at: number; item: DriftItem }[] = []
  // A terminal shows a tab as spaces: runs of blanks compare equal.
  const flat = (l: string): string => l.trim().replace(/\s+/g, ' ')
  const left = live.map((l) => ({ raw: l, sub: flat(substitute(l, subs)), norm: normalize(flat(substitute(l, subs))), used: false }))
  const done = recorded.map(() => false)
  const klog = (l: string): boolean => /^[IWEF]\d{4} \d\d:\d\d:\d\d/.test(l.trim())
  const liveLogs = live.some(klog)
  // Errors first, by what they say (reason, cause, verb, resource): the names in them are the environment's.
  const liveErrors = errorMessages(live)
  const unmatched: { at: number; text: string; what: string }[] = []
  for (const e of errorMessages(recorded)) {
    for (let k = e.at; k < e.at + e.lines; k++) done[k] = true
    const m = liveErrors.find((l) => !left[l.at]?.used && sameError(e, l))
    if (m === undefined) {
      unmatched.push({ at: e.at, text: e.text, what: describeError(e) })
      continue
    }
    for (let k = m.at; k < m.at + m.lines; k++) (left[k] as (typeof left)[number]).used = true
    const live = flat(substitute(m.text, subs))
    if (live === flat(e.text)) continue
    const set = pinnedDifference(e.text, live, pinned)
    items.push({
      at: e.at,
      item:
        set === undefined
          ? {
              path: `line ${e.at + 1}`,
              article: e.text,
              live: m.text,
              kind: 'expected',
              note: `the same error (${describeError(e)}); the names and numbers in it differ`,
            }
          : {
              path: `line ${e.at + 1}`,
              article: e.text,
              live: m.text,
              kind: 'real',
              note: `the page's own lines set ${set}; the error shows another value`,
            },
    })
  }
  // The live line left over that is most like `text` (the most words in common, then the most letter pairs), for
  // saying what came instead: `/etc/..2982_…:` against `/etc/podinfo/..2026_…:`, not the first line of the listing.
  const instead = (text: string): (typeof left)[number] | undefined => {
    const norm = normalize(flat(text))
    const words = new Set(norm.split(' '))
    const pairs = letterPairs(norm)
    const free = left.filter((l) => !l.used)
    const score = (l: (typeof left)[number]): number =>
      l.norm.split(' ').filter((w) => words.has(w)).length * 2 + likeness(pairs, letterPairs(l.norm))
    return free.reduce<(typeof left)[number] | undefined>((best, l) => (best === undefined || score(l) > score(best) ? l : best), undefined)
  }
  recorded.forEach((r, i) => {
    // A page's `...` stands for lines it left out: nothing to find.
    if (done[i] || ELISION.test(r)) return
    const rt = flat(r)
    const exact = left.find((l) => !l.used && l.sub === rt)
    if (exact) return void (exact.used = true)
    const same = left.find((l) => !l.used && l.norm === normalize(rt) && pinnedDifference(rt, l.sub, pinned) === undefined)
    const near = same ?? withinLine(rt, left)
    if (near) {
      near.used = true
      items.push({
        at: i,
        item: {
          path: `line ${i + 1}`,
          article: r,
          live: near.raw,
          kind: 'expected',
          note: same ? 'tokens, times, ages, ids and addresses differ on every run' : 'the page left part of this line out (`...`)',
        },
      })
    } else if (rt !== '' && left.some((l) => !l.used && l.sub.startsWith(`${rt} `))) {
      // kubectl says more than it did (1.37: `… deleted from NS namespace`): the same message, a newer version.
      const longer = left.find((l) => !l.used && l.sub.startsWith(`${rt} `)) as (typeof left)[number]
      longer.used = true
      items.push({
        at: i,
        item: {
          path: `line ${i + 1}`,
          article: r,
          live: longer.raw,
          kind: 'version',
          note: 'the output says more than the recording (another version)',
        },
      })
    } else if (klog(r) && liveLogs) {
      items.push({ at: i, item: { path: `line ${i + 1}`, article: r, kind: 'version', note: "kubectl's log lines change with its version" } })
    } else unmatched.push({ at: i, text: r, what: '' })
  })
  // What the recording shows and the output does not: said beside the line that came in its place, if any.
  for (const u of unmatched.sort((x, y) => x.at - y.at)) {
    const other = instead(u.text)
    const path = `line ${u.at + 1}`
    if (other === undefined) {
      items.push({
        at: u.at,
        item: {
          path,
          article: u.text,
          kind: 'real',
          note: `the recording shows this ${u.what !== '' ? `error (${u.what})` : 'line'}; the output does not`,
        },
      })
      continue
    }
    other.used = true
    const set = pinnedDifference(flat(u.text), other.sub, pinned)
    const otherError = errorMessages([other.raw])[0]
    const note =
      u.what !== ''
        ? `the recording shows the error ${u.what}; the output ${otherError ? `shows ${describeError(otherError)}` : 'does not'}`
        : set !== undefined
          ? `the page's own lines set ${set}; the output shows another value`
          : 'the output shows another line here'
    items.push({ at: u.at, item: { path, article: u.text, live: other.raw, kind: 'real', note } })
  }
  items.sort((x, y) => x.at - y.at)
  const out = items.map((x) => x.item)
  for (const l of left)
    if (!l.used) out.push({ path: 'line', live: l.raw, kind: 'version', note: 'only in this output: the recording may come from another version' })
  return out
}

/** The result of comparing an output with its recording. */
export interface Comparison {
  shape: Shape
  /** The output read in the recording's shape (undefined when it cannot be). */
  value: unknown
  items: DriftItem[]
}

/** How an output is compared beyond its text. */
export interface CompareOptions {
  substitutions?: readonly Substitution[]
  /** Standard output, for a structured recording (JSON, YAML, a table): standard error's warnings are not part of it. */
  stdout?: string
  /** A block's commands' outputs, one by one: a structured recording is read from those that print that shape. */
  parts?: readonly { stdout: string }[] | undefined
  /** Values the page's own lines set (names it creates, labels, servers): one the recording shows must be in the output. */
  pinned?: readonly string[]
}

/** Compares `text` (what the line printed, or the variable it set) with `recording`. */
export function compareWithRecording(id: string, recording: string, text: string, opts: CompareOptions = {}): Comparison {
  const subs = opts.substitutions ?? []
  const pinned = opts.pinned ?? []
  const shape = shapeOf(recording)
  const recorded = readRecording(shape, recording)
  const judge = (item: DriftItem): DriftItem => reclassify(item, subs, pinned)
  if (shape === 'lines') {
    const value = readAs('lines', text) as string[]
    // `printenv`: a set of variables, some the page's, some the author's image's and cluster's.
    if (isVariableListing(recorded as string[])) {
      const setByPage = (name: string, v: string): boolean => pinned.includes(name) || pinnedDifference(v, '', pinned) !== undefined
      return { shape, value, items: compareListings(recorded as string[], value, { setByPage, judge }) }
    }
    return { shape, value, items: compareLines(recorded as string[], value, subs, pinned) }
  }
  // JSON, YAML and tables come on standard output; what is on standard error (warnings) is not part of them.
  const source = opts.stdout ?? text
  const value = opts.parts !== undefined ? readOutput(shape, { stdout: source, parts: opts.parts }) : readAs(shape, source)
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
  const diff = (a: unknown, l: unknown): DriftItem[] => diffValues(id, a, l).map(judge)
  // `kubectl get nodes`: the nodes, their version and the labels their cluster gives them are the cluster's.
  if (shape === 'table' && isNodeTable(recorded as Record<string, string>[]))
    return {
      shape,
      value,
      items: compareNodeTables(recorded as Record<string, string>[], value as Record<string, string>[], {
        diff,
        substitute: (t) => substitute(t, subs),
      }),
    }
  const owned = opts.pinned === undefined ? undefined : { pinned, authors: [], emptied: [] }
  if (shape === 'table') {
    const [a, l] = align(recorded, value, rowName, owned)
    return {
      shape,
      value,
      items: ownership(diff(a, l), owned),
    }
  }
  const fragments: Fragment[] = shape === 'yaml' ? yamlFragments(recording) : [{ at: 0, lines: recording.split('\n'), value: recorded }]
  // One fragment compared where it sits: its elided values filled from the output, its lists aligned by name.
  const compareAt = (excerpt: unknown, root: unknown): DriftItem[] => {
    const o = owned && { ...owned, authors: [], emptied: [] }
    const [a, l] = align(excerpt, fitExcerpt(excerpt, root), nameOf, o)
    return ownership(diff(fillElided(a, l), l), o)
  }
  if (fragments.length === 1 && fragments[0]?.value !== undefined) {
    const only = fragments[0].value
    return { shape, value, items: compareAt(only, locate(only, value, (r) => realCount(compareAt(only, r))).value) }
  }
  // Several fragments: each reports what the output has beyond it only within the fields it shows, the one at the
  // top only outside the others'.
  const placed = fragments.map((f) => {
    if (f.value === undefined) return { items: fragmentLines(f, source, subs, pinned), fields: [] as string[], top: false }
    const excerpt = f.value
    const root = locate(excerpt, value, (r) => realCount(compareAt(excerpt, r)))
    const join = (p: string): string => (root.path === '' ? p : `${root.path}.${p}`)
    const fields = root.path === '' ? [] : Object.keys(excerpt as object).map(join)
    return { items: compareAt(excerpt, root.value).map((i) => ({ ...i, path: join(i.path) })), fields, top: root.path === '' }
  })
  const deep = placed.flatMap((p) => p.fields)
  const items = placed.flatMap((p) =>
    p.items.filter((i) => 'article' in i || !('live' in i) || (p.top ? !under(deep, i.path) : under(p.fields, i.path))),
  )
  return { shape, value, items }
}

const realCount = (items: readonly DriftItem[]): number => items.filter((i) => i.kind === 'real').length

/** Whether a drift item's path is one of these paths or below one (`''` holds every path). */
const under = (paths: readonly string[], path: string): boolean =>
  paths.some((p) => p === '' || path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`))

/** The items under a recorded object no line of the page makes are expected; under a list the output has empty, said so. */
function ownership(items: DriftItem[], owned: Owned | undefined): DriftItem[] {
  if (owned === undefined) return items
  return items.map((i) => {
    if (under(owned.authors, i.path)) return { ...i, kind: 'expected', note: "an object of the page author's cluster: no line of the page makes it" }
    if (i.kind === 'real' && under(owned.emptied, i.path)) return { ...i, note: "the page's list shows objects; the output's list has none" }
    return i
  })
}

/** A fragment of an excerpt that does not read as YAML: its lines against the whole output's, numbered as in the recording. */
function fragmentLines(f: Fragment, output: string, subs: readonly Substitution[], pinned: readonly string[]): DriftItem[] {
  const lines = f.lines.map((l, i) => ({ l: l.trimEnd(), n: f.at + i + 1 })).filter((x) => x.l.trim() !== '')
  return compareLines(
    lines.map((x) => x.l),
    readAs('lines', output) as string[],
    subs,
    pinned,
  )
    .filter((i) => i.path !== 'line')
    .map((i) => ({ ...i, path: i.path.replace(/\d+$/, (n) => String(lines[Number(n) - 1]?.n ?? n)) }))
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
