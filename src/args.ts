// What every command shares: output sinks, exit codes, and flag parsing with kubewalk's error style.
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError, errorMessage } from './errors.js'

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const

/** Output sinks, so tests can capture them. */
export interface Io {
  stdout: (text: string) => void
  stderr: (text: string) => void
  isTTY: boolean
  env: Record<string, string | undefined>
  /** The terminal, for --interactive. */
  stdin?: NodeJS.ReadStream
}

export const defaultIo = (): Io => ({
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  isTTY: process.stdout.isTTY === true,
  env: process.env,
  stdin: process.stdin,
})

export type Flags = Record<string, { type: 'string' | 'boolean' }>
export type FlagValues<O extends Flags> = { [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string }

export function parse<const O extends Flags>(args: string[], options: O): { values: FlagValues<O>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options: options as ParseArgsConfig['options'], strict: true, allowPositionals: true })
    return { values: values as FlagValues<O>, positionals }
  } catch (e) {
    // node's messages are long and mention parseArgs; keep the part a user needs.
    const msg = errorMessage(e).replace(/\. To specify a positional argument.*$/s, '').replace(/^Unknown option '(.*?)'.*$/s, "unknown option '$1'")
    throw new UsageError(`${msg}; see kubewalk --help.`)
  }
}

