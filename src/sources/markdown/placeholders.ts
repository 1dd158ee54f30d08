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
