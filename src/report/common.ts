// What the file reporters (junit, tap) say the same way: a step's label, why it was skipped, and
// the masking switch.
import { redact } from '../redact.js'
import type { RunResult, StepResult } from '../runner.js'
import type { ReportOptions } from './json.js'

/** The file reporters take the masking part of the shared report options. */
export type RenderOptions = Pick<ReportOptions, 'secrets' | 'showSecrets'>

/** "05 call-api: Call /api" */
export const stepLabel = (s: StepResult): string => `${s.number} ${s.id}: ${s.title}`

/** Masks text unless the user asked to see secrets. */
export const masker = (opts: RenderOptions) => (text: string): string => (opts.showSecrets ? text : redact(text, opts.secrets))

/** Why a skipped step did not run, in a few words. */
export function skipReason(result: RunResult, step: StepResult): string {
  const index = result.steps.indexOf(step)
  const failed = result.steps.slice(0, index === -1 ? undefined : index).find((s) => s.status === 'failed')
  if (failed) return `an earlier step failed (${failed.number} ${failed.id})`
  return result.status === 'interrupted' ? 'the run was interrupted' : 'not run'
}
