// What every command shares: output sinks, exit codes, and flag parsing with kubewalk's error style.
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError, errorMessage } from '../core/errors.js'
import { firstLine } from '../core/text.js'

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

export function parse<const O extends Flags>(args: string[], options: O): { values: FlagValues<O>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options: options as ParseArgsConfig['options'], strict: true, allowPositionals: true })
    return { values: values as FlagValues<O>, positionals }
  } catch (e) {
    const first = firstLine(errorMessage(e))
    const rule = REWORDED.find(([re]) => re.test(first))
    const msg = rule ? first.replace(rule[0], rule[1]) : first.replace(/\.$/, '')
    throw new UsageError(`${msg}; see kubewalk --help.`, { cause: e })
  }
}
