// `kubewalk check <id>`: a participant's own work, verified by a read-only line; never the step's change.
import { UsageError } from './errors.js'
import { defineStep, type Step } from './step.js'

/** The step `kubewalk check` runs for `step`; a UsageError when it has nothing to check. */
export function exerciseStep(step: Step<any>): Step<any> {
  const ex = step.exercise
  if (ex === undefined) throw new UsageError(`check ${step.id}: this step has no exercise to check.`)
  if (ex === 'self') return { ...step, cleanup: undefined, settles: undefined } as Step<any>
  return defineStep({ id: step.id, number: step.number, title: `check: ${step.title}`, command: ex.command, reads: ex.reads, parse: ex.parse, check: ex.check, ...(ex.secrets ? { secrets: ex.secrets } : {}) })
}
