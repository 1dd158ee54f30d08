// `kubewalk check <id>`: a participant's own work, verified by a read-only line; never the step's change.
import { UsageError } from './errors.js'
import type { Step, StepWait } from './step.js'

const capped = (wait: StepWait | undefined, maxWaitMs: number | undefined): StepWait | undefined =>
  wait === undefined || maxWaitMs === undefined ? wait : { ...wait, timeoutMs: Math.min(wait.timeoutMs, maxWaitMs) }

/**
 * The step `kubewalk check` runs for `step`; a UsageError when it has nothing to check. Both kinds of
 * exercise keep their wait (the participant's work may still be settling), capped at `maxWaitMs`.
 */
export function exerciseStep(step: Step<any>, opts: { maxWaitMs?: number } = {}): Step<any> {
  const ex = step.participantCheck
  if (ex === undefined)
    throw new UsageError(
      `check ${step.id}: check is not available for this step: it has nothing a participant can check (no read-only check, and it creates nothing to look for).`,
    )
  const { creates: _c, deletes: _s, guard: _g, wait, ...rest } = step
  if (ex === 'rerun') {
    const w = capped(wait, opts.maxWaitMs)
    // A participant's check answers yes or no: a replay's reason to stop (a precondition) is a failed check here.
    const check: Step<any>['check'] = (value, ctx) => step.check(value, ctx).map(({ precondition: _p, ...a }) => a)
    return { ...rest, check, ...(w ? { wait: w } : {}) }
  }
  const w = capped(ex.wait, opts.maxWaitMs)
  return {
    id: step.id,
    number: step.number,
    title: `check: ${step.title}`,
    command: ex.command,
    reads: ex.reads,
    parse: ex.parse,
    check: ex.check,
    ...(ex.secrets ? { secrets: ex.secrets } : {}),
    ...(w ? { wait: w } : {}),
    ...(step.hint ? { hint: step.hint } : {}),
  }
}
