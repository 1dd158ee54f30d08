// Placeholders: a line such as `export CLUSTER="some_name"` where the prose tells the reader to put
// their own value. The one place a line is not run exactly as written: the value comes from --set
// (the run's variables), the environment, or the declared default, through zx's quoting; the
// transcript shows the line as run.
import { quote } from '../../platform/shell.js'
import type { CommandContext } from '../../core/step.js'
import type { Choice } from './frontmatter.js'

/** A line that assigns one chosen variable: where its value stands in it. */
export interface PlaceholderLine {
  name: string
  /** The text before and after the value, and the value as written (quotes included). */
  before: string
  written: string
  after: string
}

/** The placeholder form of `command` when it only assigns `name` (`X=v`, `X="v"`, `export X='v'`), else undefined. */
export function placeholderLine(command: string, names: readonly string[]): PlaceholderLine | undefined {
  const m = /^(\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=)("[^"$`\\]*"|'[^']*'|[^\s'"$`;&|]*)(\s*(?:#.*)?)$/.exec(command)
  if (!m || !names.includes(m[2] as string)) return undefined
  return { name: m[2] as string, before: m[1] as string, written: m[3] as string, after: m[4] as string }
}

/** The value a line as written assigns (quotes removed). */
export const writtenValue = (p: PlaceholderLine): string => p.written.replace(/^(["'])(.*)\1$/, '$2')

/** The value of a chosen variable for a run: set (--set or the environment), else its default; undefined when there is none. */
export function chosenValue(name: string, choice: Choice, ctx: CommandContext): string | undefined {
  const set = ctx.vars?.[name]
  if (set !== undefined && set !== '') return set
  if (choice.from === 'cluster') return ctx.cluster.name
  if (choice.from === 'namespace') return ctx.namespace
  return choice.default
}

/** The line with `value` in place of the written one; a value plain enough keeps the line's own quotes, any other goes through zx's quoting. */
export function lineWith(p: PlaceholderLine, value: string): string {
  const plain = /^[\w.:@/+-]+$/.test(value)
  const q = p.written[0] === '"' || p.written[0] === "'" ? p.written[0] : ''
  return `${p.before}${plain ? `${q}${value}${q}` : quote(value)}${p.after}`
}

/** A value a line leaves to the reader: an assignment of `some_…`, `your_…` or `<…>` (named by its variable), or `<pod-name>` in a command. */
export interface Placeholder {
  /** The variable (an assignment), or the words between the angle brackets. */
  name: string
  /** The text as the line writes it. */
  written: string
  /** An assignment's: `--set NAME=VALUE` gives the variable its value. */
  assigned?: true
  /** A value in a manifest (a heredoc's, a file's): the name of what it makes, never taken from what the run made before. */
  manifest?: true
}

const ASSIGNED = /^\s*(?:export\s+)?([A-Za-z_]\w*)=(["']?)((?:some_|your_|<)[^"'\s]*)\2/
// `<pod-name>`, `<your pod>`; not `<input.txt >out` (a redirection either side).
const ANGLE = /(?<![<\w])<([A-Za-z](?:[\w .:/-]*[\w.:/-])?)>(?!>)/g
const HEREDOC = /<<-?\s*(["']?)([\w-]+)\1/g

/** The lines of a command that bash reads as commands: a heredoc's body is the program's input, not the reader's to fill. */
function commandLines(command: string): { text: string; index: number }[] {
  const lines = command.split('\n')
  const out: { text: string; index: number }[] = []
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] as string
    out.push({ text, index: i })
    for (const h of text.matchAll(HEREDOC)) {
      const dash = h[0].startsWith('<<-')
      while (i + 1 < lines.length && (dash ? (lines[i + 1] as string).replace(/^\t+/, '') : lines[i + 1]) !== h[2]) i++
      i++
    }
  }
  return out
}

/**
 * The lines of the heredocs that hold a manifest (`kubectl apply -f - <<EOF`, `cat <<EOF > ns.yaml`: `apiVersion:` and
 * `kind:` lines): the reader puts their own values there as in a file they save (a whole value, `name: <your-namespace>`).
 */
function manifestHeredocLines(command: string): Set<number> {
  const lines = command.split('\n')
  const out = new Set<number>()
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] as string
    for (const h of text.matchAll(HEREDOC)) {
      const dash = h[0].startsWith('<<-')
      const body: number[] = []
      while (i + 1 < lines.length && (dash ? (lines[i + 1] as string).replace(/^\t+/, '') : lines[i + 1]) !== h[2]) body.push(++i)
      i++
      const has = (re: RegExp): boolean => body.some((k) => re.test(lines[k] as string))
      if (has(/^\s*kind:\s*\S/) && has(/^\s*apiVersion:\s*\S/)) for (const k of body) out.add(k)
    }
  }
  return out
}

/** The placeholders of a block of shell, in order, each once: the same whether the page is run or imported. */
export function placeholdersIn(command: string): Placeholder[] {
  const out: Placeholder[] = []
  const lines = command.split('\n')
  const manifest = manifestHeredocLines(command)
  const bash = new Set(commandLines(command).map((l) => l.index))
  for (let index = 0; index < lines.length; index++) {
    const text = lines[index] as string
    if (manifest.has(index)) {
      const m = MANIFEST_VALUE.exec(text)
      if (m && !out.some((p) => p.written === m[2])) out.push({ name: m[3] as string, written: m[2] as string, manifest: true })
      continue
    }
    if (!bash.has(index)) continue
    const assigned = ASSIGNED.exec(text)
    if (assigned && !out.some((p) => p.name === assigned[1]))
      out.push({ name: assigned[1] as string, written: assigned[3] as string, assigned: true })
    for (const m of text.matchAll(ANGLE)) {
      // `<h1>…</h1>`: markup the line prints, not a value to put in.
      if (text.includes(`</${m[1]}>`) || (assigned !== null && m[0] === assigned[3])) continue
      if (!out.some((p) => p.written === m[0])) out.push({ name: m[1] as string, written: m[0] })
    }
  }
  return out
}

// In a manifest the page gives to save as a file, a whole value: `name: <insert-namespace-name-here>`,
// `- <your-image>`, `"name": "<x>",`. Not markup (`<h1>…</h1>`), which a value of its own is not.
const MANIFEST_VALUE = /^\s*(?:-\s+)?(?:(?:[\w./-]+|"[\w./-]+")\s*:\s+)?(["']?)(<([A-Za-z](?:[\w .:/-]*[\w.:/-])?)>)\1\s*,?\s*(?:#.*)?$/

/** The `<…>` values of a YAML or JSON file a page gives to save (`name: <insert-namespace-name-here>`), each once. */
export function placeholdersInFile(name: string, content: string): Placeholder[] {
  if (!/\.(?:ya?ml|json)$/i.test(name)) return []
  const out: Placeholder[] = []
  for (const line of content.split('\n')) {
    const m = MANIFEST_VALUE.exec(line)
    if (m && !out.some((p) => p.written === m[2])) out.push({ name: m[3] as string, written: m[2] as string })
  }
  return out
}

/** The file with each placeholder value given (undefined keeps it), written as YAML and JSON read it: plain when plain, else quoted. */
export function filledFile(content: string, holes: readonly Placeholder[], value: (name: string) => string | undefined): string {
  return content
    .split('\n')
    .map((line) => filledValue(line, holes, value))
    .join('\n')
}

/** A manifest's line with its whole `<…>` value given, as YAML and JSON read it: plain when plain, else quoted. */
function filledValue(line: string, holes: readonly Placeholder[], value: (name: string) => string | undefined): string {
  const m = MANIFEST_VALUE.exec(line)
  const p = m && holes.find((h) => h.written === m[2])
  const v = p ? value(p.name) : undefined
  if (!m || v === undefined) return line
  const text =
    m[1] === "'"
      ? v.replace(/'/g, "''")
      : m[1] === '"'
        ? JSON.stringify(v).slice(1, -1)
        : /^[\w./@+-][\w./@+:-]*$/.test(v) && !/^(?:true|false|null|yes|no|on|off|~|[-+.\d][\d._eE+-]*)$/i.test(v)
          ? v
          : JSON.stringify(v)
  return line.replace(m[2] as string, text)
}

/** The assignment placeholders of `command` the walkthrough lets the reader choose (`choose` names), each with the line it stands on. */
export function assignmentsIn(command: string, names: readonly string[]): (PlaceholderLine & { index: number })[] {
  return commandLines(command).flatMap(({ text, index }) => {
    const p = placeholderLine(text, names)
    return p ? [{ ...p, index }] : []
  })
}

/** `command` with each assignment given its value (`values`, by variable; undefined keeps the line) and each `<…>` its value (by name). */
export function filledLine(
  command: string,
  assignments: readonly (PlaceholderLine & { index: number })[],
  inline: readonly Placeholder[],
  value: (name: string) => string | undefined,
): string {
  const lines = command.split('\n')
  for (const a of assignments) {
    const v = value(a.name)
    if (v !== undefined) lines[a.index] = lineWith(a, v)
  }
  const heredoc = new Set(lines.map((_, i) => i))
  for (const { index } of commandLines(command)) heredoc.delete(index)
  const manifest = manifestHeredocLines(command)
  return lines
    .map((l, i) => {
      if (manifest.has(i)) return filledValue(l, inline, value)
      if (heredoc.has(i)) return l
      let out = l
      for (const p of inline) {
        const v = value(p.name)
        if (v !== undefined) out = out.split(p.written).join(/^[\w.:@/+=-]+$/.test(v) ? v : quote(v))
      }
      return out
    })
    .join('\n')
}

// What kubectl calls the kinds a placeholder's words may name (`<pod-name>`, `<deployment>`, `<svc>`).
const KINDS: Record<string, string> = {
  pod: 'pod',
  pods: 'pod',
  deployment: 'deployment',
  deploy: 'deployment',
  service: 'service',
  svc: 'service',
  secret: 'secret',
  configmap: 'configmap',
  cm: 'configmap',
  job: 'job',
  cronjob: 'cronjob',
  namespace: 'namespace',
  ns: 'namespace',
  serviceaccount: 'serviceaccount',
  sa: 'serviceaccount',
  replicaset: 'replicaset',
  rs: 'replicaset',
  statefulset: 'statefulset',
  daemonset: 'daemonset',
  pvc: 'persistentvolumeclaim',
  persistentvolumeclaim: 'persistentvolumeclaim',
}

/** The kind of object a placeholder names by its words (`<pod-name>`: pod), if one. */
export function kindOf(p: Placeholder): string | undefined {
  if (p.assigned || p.manifest) return undefined
  const words = p.name.toLowerCase().split(/[^a-z0-9]+/)
  return words.map((w) => KINDS[w]).find((k) => k !== undefined)
}

/** The one object of `kind` among `created` (kubectl's `kind/name`, `deployment.apps/web`), less those `deleted`; undefined unless exactly one. */
export function theOne(kind: string, created: readonly string[], deleted: readonly string[]): string | undefined {
  const fits = (n: string): boolean => n.split('/')[0]?.split('.')[0] === kind
  const names = [...new Set(created.filter(fits))].filter((n) => !deleted.some((d) => fits(d) && d.split('/')[1] === n.split('/')[1]))
  return names.length === 1 ? names[0]?.split('/')[1] : undefined
}

/**
 * The Pods a `kubectl get pods` table lists (its header has READY, STATUS and RESTARTS, as only a Pod table's does), in
 * its order: a page that makes Pods through a Deployment says "take one of the Pods" after listing them.
 */
export function podsListed(text: string): string[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '')
  const header = (lines[0] ?? '').trim().split(/\s{2,}|\s+/)
  if (header[0] !== 'NAME' || !['READY', 'STATUS', 'RESTARTS'].every((c) => header.includes(c))) return []
  return lines.slice(1).map((l) => l.trim().split(/\s+/)[0] as string)
}
