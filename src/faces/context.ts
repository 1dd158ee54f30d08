// What every face gets from the CLI: below both the command modules and the replay they drive.
import type { Io } from './args.js'
import type { WalkthroughEntry } from '../core/walkthrough.js'

/** Everything a command gets from the CLI. */
export interface CommandContext {
  io: Io
  /** Aborted on the first Ctrl-C or SIGTERM. */
  signal: AbortSignal
  /** Tells the signal handler what a second Ctrl-C would leave behind (undefined: nothing). */
  cleaning: (what: string[] | undefined) => void
  /** The registry; the first is the default. */
  walkthroughs: readonly WalkthroughEntry[]
}
