// What every command shares: output sinks, exit codes, and flag parsing with kubewalk's error style.
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError, errorMessage } from '../core/errors.js'
import { firstLine } from '../core/text.js'
import type { Conflict, Requirement } from './commands/flags.js'

export { EXIT } from '../core/errors.js'

/** Output sinks, so tests can capture them. */
export interface Io {
  stdout: (text: string) => void
  stderr: (text: string) => void
  isTTY: boolean
  env: Record<string, string | undefined>
  /** The terminal, for --interactive. */
  stdin?: NodeJS.ReadStream
  /** The output terminal's width now, if it is one. */
  columns?: () => number | undefined
}

export const defaultIo = (): Io => ({
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  isTTY: process.stdout.isTTY === true,
  env: process.env,
  stdin: process.stdin,
  columns: () => (process.stdout.isTTY ? process.stdout.columns : undefined),
})

export type Flags = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>
export type FlagValues<O extends Flags> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : O[K]['multiple'] extends true ? string[] : string
}

// node's messages run to three lines and mention parseArgs; a usage error is one line that says what to do.
const REWORDED: [RegExp, string][] = [
  [/^Unknown option '([^']*)'.*$/, "unknown option '$1'"],
  [/^Option '(--[^']+)' argument is ambiguous.*$/, "option $1 needs a value (write $1=VALUE when the value starts with '-')"],
  [/^Option '(?:-\w, )?(-[^' ]+) <value>' argument missing.*$/, 'option $1 needs a value'],
  [/^Option '(?:-\w, )?(-[^' ]+)' does not take an argument.*$/, 'option $1 takes no value'],
]

/** How parseArgs reads `flags` (their help and placeholders are the table's, not its). */
const parseArgsOptions = (flags: Flags): NonNullable<ParseArgsConfig['options']> =>
  Object.fromEntries(Object.entries(flags).map(([k, f]) => [k, f.multiple ? { type: f.type, multiple: true } : { type: f.type }]))

export function parse<const O extends Flags>(args: string[], options: O): { values: FlagValues<O>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options: parseArgsOptions(options), strict: true, allowPositionals: true })
    return { values: values as FlagValues<O>, positionals }
  } catch (e) {
    const first = firstLine(errorMessage(e))
    const rule = REWORDED.find(([re]) => re.test(first))
    const msg = rule ? first.replace(rule[0], rule[1]) : first.replace(/\.$/, '')
    throw new UsageError(`${msg}; see kubewalk --help.`, { cause: e })
  }
}

/** The table's rules for a command: flags given together that conflict, and flags given without the one they need. */
export function checkRules(
  args: string[],
  rules: { flags: readonly { flags: Flags }[]; conflicts?: readonly Conflict[]; requires?: readonly Requirement[] },
): void {
  if (!rules.conflicts?.length && !rules.requires?.length) return
  // Loosely: a command's own parser (which knows a walkthrough's settings too) reports unknown flags and values.
  const options = parseArgsOptions(Object.assign({}, ...rules.flags.map((s) => s.flags)) as Flags)
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true })
  const given = new Set(tokens.filter((t) => t.kind === 'option').map((t) => t.name))
  for (const c of rules.conflicts ?? []) if (c.flags.every((f) => given.has(f))) throw new UsageError(c.message)
  for (const r of rules.requires ?? []) if (given.has(r.flag) && !given.has(r.needs)) throw new UsageError(r.message)
}

/**
 * Splits `args` into the flags named in `flags` (their values by name) and the rest, in order: for a
 * command that hands the rest to another's parser (serve and record to run's), and for reading
 * --walkthrough before the flags its settings add are known.
 */
export function takeFlags(args: readonly string[], flags: Flags): { taken: Record<string, string | boolean>; rest: string[] } {
  const taken: Record<string, string | boolean> = {}
  const rest: string[] = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string
    if (a === '--') {
      rest.push(...args.slice(i))
      break
    }
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a)
    const spec = m ? flags[m[1] as string] : undefined
    if (!m || spec === undefined) {
      rest.push(a)
      continue
    }
    const name = m[1] as string
    if (spec.type === 'boolean') {
      if (m[2] !== undefined) throw new UsageError(`option --${name} takes no value; see kubewalk --help.`)
      taken[name] = true
    } else {
      const value = m[2] ?? args[++i]
      if (value === undefined || (m[2] === undefined && value.startsWith('--')))
        throw new UsageError(`option --${name} needs a value; see kubewalk --help.`)
      taken[name] = value
    }
  }
  return { taken, rest }
}
