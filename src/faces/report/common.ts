// What the file reporters (junit, tap) say the same way: a step's label, why it was skipped, and
// the masking switch.
import { redact } from '../../engine/redact.js'
import type { RunResult, StepResult } from '../../engine/runner.js'
import type { ReportOptions } from './json.js'

/** The file reporters take the masking part of the shared report options. */
export type RenderOptions = Pick<ReportOptions, 'secrets' | 'showSecrets'>

/** "05 some-id: Its title" */
export const stepLabel = (s: StepResult): string => `${s.number} ${s.id}: ${s.title}`

/** Masks text unless the user asked to see secrets. */
export const masker =
  (opts: RenderOptions) =>
  (text: string): string =>
    opts.showSecrets ? text : redact(text, opts.secrets)

/** Why a skipped step did not run, in a few words. */
export function skipReason(result: RunResult, step: StepResult): string {
  const index = result.steps.indexOf(step)
  const failed = result.steps.slice(0, index === -1 ? undefined : index).find((s) => s.status === 'failed')
  if (failed) return `an earlier step failed (${failed.number} ${failed.id})`
  if (result.status === 'interrupted') return result.stoppedBy === 'user' ? 'you quit the run' : 'the run was interrupted'
  return 'not run'
}

/** What is left on the cluster after a failed cleanup, and how to remove it, in one sentence (undefined when nothing is). */
export function leftBehind(result: RunResult): string | undefined {
  const left = result.cleanup.filter((c) => c.status === 'failed')
  if (left.length === 0) return undefined
  return `left on the cluster: ${left.map((c) => `${c.describe.replace(/^delete /, '')} (${c.error ?? 'failed'}; remove it with: ${c.command})`).join('; ')}`
}

/** The run's outcome in one sentence, true to what happened (a quit is not a failure, a failed cleanup is). */
export function outcome(result: RunResult): string {
  const failed = result.steps.find((s) => s.status === 'failed')
  if (result.status === 'interrupted') {
    const ran = result.steps.filter((s) => s.status !== 'skipped').length
    const by = result.stoppedBy === 'user' ? 'you quit' : 'interrupted (Ctrl-C or SIGTERM)'
    return failed ? `${by} during ${failed.id}` : `${by} after ${ran} step(s)`
  }
  if (failed) return failed.error?.message ?? `${failed.id} failed`
  const left = leftBehind(result)
  if (left) return `every step passed, but cleanup failed: ${left}`
  return 'every step passed'
}
