// What the commands share: their context, the walkthrough they act on, step selection and limits.
import { takeFlags } from '../args.js'
import { RUN_FLAGS } from './flags.js'
import { UsageError } from '../../core/errors.js'
import type { Step } from '../../core/step.js'
import type { SourceOptions } from '../../sources/load/index.js'

/** The id or path given to --walkthrough, read before the rest of the flags (its settings add flags of their own). */
export function walkthroughArg(args: readonly string[]): string | undefined {
  const { walkthrough } = takeFlags(args, { walkthrough: RUN_FLAGS.walkthrough }).taken
  return typeof walkthrough === 'string' ? walkthrough : undefined
}

/** --examples and --tab, read before the rest of the flags like --walkthrough: they shape the walkthrough the flags are then read against. */
export function sourceArgs(args: readonly string[]): SourceOptions {
  const { examples, tab } = takeFlags(args, { examples: RUN_FLAGS.examples, tab: RUN_FLAGS.tab }).taken
  return { ...(typeof examples === 'string' ? { examples } : {}), ...(typeof tab === 'string' ? { tab } : {}) }
}

export { loadWalkthrough } from '../../sources/load/index.js'

function stepIndex(steps: readonly Step[], flag: string, id: string): number {
  // A number as the report shows it (`04`) or as a reader types it (`4`).
  const n = /^\d+$/.test(id) ? Number(id) : undefined
  const i = steps.findIndex((s) => s.id === id || s.number === id || (n !== undefined && Number(s.number) === n))
  if (i < 0)
    throw new UsageError(
      `${flag} ${id}: no such step (numbers ${steps[0]?.number ?? ''} to ${steps.at(-1)?.number ?? ''}; ids: ${steps.map((s) => s.id).join(', ')}).`,
    )
  return i
}

/** The step `id` (or number) names, for check. */
export function stepNamed(steps: readonly Step[], flag: string, id: string): Step {
  return steps[stepIndex(steps, flag, id)] as Step
}

/** Picks the steps for --from/--to/--only. */
export function selectSteps(steps: readonly Step[], sel: { from?: string | undefined; to?: string | undefined; only?: string | undefined }): Step[] {
  if (sel.only !== undefined) {
    if (sel.from !== undefined || sel.to !== undefined) throw new UsageError('--only cannot be combined with --from or --to.')
    return [stepNamed(steps, '--only', sel.only)]
  }
  const from = sel.from === undefined ? 0 : stepIndex(steps, '--from', sel.from)
  const to = sel.to === undefined ? steps.length - 1 : stepIndex(steps, '--to', sel.to)
  if (from > to) throw new UsageError(`--from ${sel.from} comes after --to ${sel.to}.`)
  return steps.slice(from, to + 1)
}

export function positiveNumber(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} takes a positive number of seconds, got ${JSON.stringify(value)}.`)
  return n
}

// A day: beyond it nothing in a walkthrough is just slow, and timers overflow past ~24.8 days.
const MAX_LIMIT_SECONDS = 86_400

/** --timeout and --wait: limits that become timers. */
export function limitSeconds(flag: string, value: string | undefined, fallback: number): number {
  const n = positiveNumber(flag, value, fallback)
  if (n > MAX_LIMIT_SECONDS) throw new UsageError(`${flag} takes at most ${MAX_LIMIT_SECONDS} seconds (a day), got ${value}.`)
  return n
}
