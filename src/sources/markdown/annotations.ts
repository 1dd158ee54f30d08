// Annotations: what a step needs beyond its line and its recording, in an HTML comment before its
// block, one directive a line, invisible where the Markdown is rendered (GitHub too):
//
//   <!-- kubewalk: wait 30s
//        check json .status.phase == Running -->
//
// An unknown directive, or a comment whose first word is a misspelt "kubewalk", is a one-line
// WalkthroughError naming file:line, before anything runs.
import { WalkthroughError } from '../../core/errors.js'

/** A declarative check on a step's parsed output. */
export type DeclaredCheck =
  | { kind: 'json'; path: string; equals: string; line: number }
  | { kind: 'cell'; row: { column: string; value: string } | number; column: string; equals: string; line: number }
  | { kind: 'contains'; text: string; line: number }
  | { kind: 'matches'; regex: RegExp; line: number }
  | { kind: 'http'; status: number; line: number }

/** What the annotations before one block say. */
export interface Annotations {
  /** Exit codes that count as an answer (default [0]). */
  exit?: number[]
  /** Rerun the line until its checks pass, at most this many milliseconds. */
  waitMs?: number
  checks: DeclaredCheck[]
  skip?: true
  /** Commands that remove what the step makes, where kubectl's output does not say it. */
  cleanup: string[]
  /** Keep the line running while later steps run; `ready` is the text its output shows once it serves. */
  background?: { ready?: string }
  /** Split this block at its comment lines. */
  split?: true
  /** This block is a file to write under this name (where the prose does not name it). */
  file?: string
  /** The block after this step is not compared with its output (recorded for drift only). */
  compareOff?: true
  title?: string
  id?: string
  /** A read-only line `kubewalk check` runs for this step (exit 0: done). */
  verify?: string
  /** The block's lines are typed inside this container's shell (run there, not on the host). */
  in?: { pod: string; container?: string }
  /** The block is a step the reader does by hand (an editor, a terminal): reported as skipped, for this reason. */
  manual?: string
  /** Said in the report beside the step's checks. */
  notes?: string[]
  /** Where the first annotation stands. */
  line: number
}

/** The directives, with the form each takes (for errors and the README). */
export const DIRECTIVES = {
  exit: 'exit N[,N…]',
  wait: 'wait DURATION (30s, 2m, 500ms)',
  check: 'check json PATH == VALUE | check cell ROW COLUMN == VALUE | check contains TEXT | check matches /REGEX/ | check http STATUS',
  skip: 'skip',
  cleanup: 'cleanup COMMAND',
  background: 'background [ready TEXT]',
  split: 'split',
  file: 'file NAME',
  compare: 'compare off',
  title: 'title TEXT',
  id: 'id STEP-ID',
  verify: 'verify COMMAND',
  in: 'in POD [container C]',
  manual: 'manual REASON',
  note: 'note TEXT',
} as const

const PREFIX = 'kubewalk'

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[]
      const up = d[i - 1] as number[]
      row[j] = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
  }
  return (d[a.length] as number[])[b.length] as number
}

/** The annotation text of a comment (after `kubewalk:`), undefined for an ordinary comment; a misspelt prefix throws. */
export function annotationText(comment: string, where: string): string | undefined {
  const m = /^([A-Za-z-]+):?(?=\s|$)/.exec(comment)
  const word = m?.[1]?.toLowerCase()
  if (word === undefined) return undefined
  if (word === PREFIX)
    return comment
      .slice((m?.[0] ?? '').length)
      .replace(/^[ \t]+/, '')
      .trimEnd()
  if (word.length >= 6 && distance(word, PREFIX) <= 2)
    throw new WalkthroughError(`${where}: "${m?.[1]}" is not an annotation; did you mean "${PREFIX}:"?`)
  return undefined
}

/** Splits an argument string into words; "…" and '…' keep spaces, /…/flags stays one word. */
function words(text: string): string[] {
  return [...text.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\/(?:[^/\\]|\\.)+\/[a-z]*)|(\S+)/g)].map((m) =>
    m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : ((m[2] ?? m[3] ?? m[4]) as string),
  )
}

/** Milliseconds of `30s`, `2m`, `500ms`, `1h`; undefined when it is not a duration. */
export function durationMs(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text)
  if (!m) return undefined
  const n = Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms']
  return n > 0 ? n : undefined
}

function parseCheck(rest: string, at: string, line: number): DeclaredCheck {
  const [kind = '', ...args] = words(rest)
  const form = DIRECTIVES.check
  const bad = (): WalkthroughError => new WalkthroughError(`${at}: "check ${rest}" is not a check; the forms are: ${form}.`)
  switch (kind) {
    case 'json': {
      if (args.length !== 3 || args[1] !== '==') throw bad()
      return { kind: 'json', path: args[0] as string, equals: args[2] as string, line }
    }
    case 'cell': {
      if (args.length !== 4 || args[2] !== '==') throw bad()
      const r = args[0] as string
      const eq = r.indexOf('=')
      const row = /^\d+$/.test(r) ? Number(r) : eq > 0 ? { column: r.slice(0, eq), value: r.slice(eq + 1) } : undefined
      if (row === undefined) throw new WalkthroughError(`${at}: check cell takes its row as a number (0 is the first) or COLUMN=VALUE, got "${r}".`)
      return { kind: 'cell', row, column: args[1] as string, equals: args[3] as string, line }
    }
    case 'contains':
      if (args.length !== 1) throw bad()
      return { kind: 'contains', text: args[0] as string, line }
    case 'matches': {
      const m = args.length === 1 ? /^\/(.+)\/([a-z]*)$/.exec(args[0] as string) : null
      if (!m) throw bad()
      try {
        return { kind: 'matches', regex: new RegExp(m[1] as string, m[2]), line }
      } catch (e) {
        throw new WalkthroughError(`${at}: check matches: ${(e as Error).message}.`)
      }
    }
    case 'http': {
      const status = Number(args[0])
      if (args.length !== 1 || !Number.isInteger(status) || status < 100 || status > 599) throw bad()
      return { kind: 'http', status, line }
    }
    default:
      throw bad()
  }
}

/** Reads the directives of one annotation comment into `into`; `file` and `line` place errors. */
export function parseAnnotation(text: string, file: string, line: number, into: Annotations = { checks: [], cleanup: [], line }): Annotations {
  text.split('\n').forEach((raw, k) => {
    const directive = raw.trim()
    if (directive === '') return
    const at = `${file}:${line + k}`
    const [name = '', ...args] = words(directive)
    const rest = directive.slice(directive.indexOf(name) + name.length).trim()
    const want = (n: number): void => {
      if (args.length !== n) throw new WalkthroughError(`${at}: "${directive}": the form is "${DIRECTIVES[name as keyof typeof DIRECTIVES]}".`)
    }
    switch (name) {
      case 'exit': {
        want(1)
        const codes = (args[0] as string).split(',').map(Number)
        if (codes.some((c) => !Number.isInteger(c) || c < 0 || c > 255))
          throw new WalkthroughError(`${at}: exit takes exit codes 0–255 separated by commas, got "${args[0]}".`)
        into.exit = codes
        break
      }
      case 'wait': {
        want(1)
        const ms = durationMs(args[0] as string)
        if (ms === undefined) throw new WalkthroughError(`${at}: wait takes a duration such as 30s, 2m or 500ms, got "${args[0]}".`)
        into.waitMs = ms
        break
      }
      case 'check':
        into.checks.push(parseCheck(rest, at, line + k))
        break
      case 'skip':
        want(0)
        into.skip = true
        break
      case 'cleanup':
      case 'verify':
        if (rest === '') throw new WalkthroughError(`${at}: "${name}" needs a command: ${DIRECTIVES[name]}.`)
        if (name === 'cleanup') into.cleanup.push(rest)
        else into.verify = rest
        break
      case 'background':
        if (args.length === 0) into.background = {}
        else if (args[0] === 'ready' && args.length === 2) into.background = { ready: args[1] as string }
        else throw new WalkthroughError(`${at}: "${directive}": the form is "${DIRECTIVES.background}".`)
        break
      case 'split':
        want(0)
        into.split = true
        break
      case 'file':
        want(1)
        into.file = args[0] as string
        break
      case 'compare':
        if (args.length !== 1 || args[0] !== 'off') throw new WalkthroughError(`${at}: "${directive}": the form is "${DIRECTIVES.compare}".`)
        into.compareOff = true
        break
      case 'title':
        if (rest === '') throw new WalkthroughError(`${at}: title needs a text.`)
        into.title = rest
        break
      case 'id':
        want(1)
        if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(args[0] as string))
          throw new WalkthroughError(`${at}: id "${args[0]}" is not lower-case words joined by '-'.`)
        into.id = args[0] as string
        break
      case 'in': {
        const [pod, word, container] = args
        const ok = pod !== undefined && (args.length === 1 || (args.length === 3 && word === 'container'))
        if (!ok) throw new WalkthroughError(`${at}: "${directive}": the form is "${DIRECTIVES.in}".`)
        into.in = container !== undefined ? { pod, container } : { pod }
        break
      }
      case 'manual':
      case 'note':
        if (rest === '') throw new WalkthroughError(`${at}: "${name}" needs a text: ${DIRECTIVES[name]}.`)
        if (name === 'manual') into.manual = rest
        else into.notes = [...(into.notes ?? []), rest]
        break
      default: {
        const near = Object.keys(DIRECTIVES).filter((d) => distance(d, name.toLowerCase()) <= 2)
        throw new WalkthroughError(
          `${at}: unknown annotation "${name}"${near.length > 0 ? `; did you mean "${near[0]}"?` : ''} (known: ${Object.keys(DIRECTIVES).join(', ')}).`,
        )
      }
    }
  })
  return into
}
