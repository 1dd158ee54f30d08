// The machine-readable report: one JSON document, a pure function of the results.
import { redactDeep, type Secrets } from '../../engine/redact.js'
import type { RunResult } from '../../engine/runner.js'
import type { StepDrift } from '../../core/drift.js'

/** The cluster a report is about, and what ran against it. */
export interface ClusterInfo {
  name: string
  server: string
  version: string
  context?: string
  /** The namespace the run acted in. */
  namespace?: string
  /** The kubectl that played the walkthrough's `kubectl`, and its version. */
  kubectl?: { path: string; version: string }
}

/** The walkthrough a report is about. */
export interface WalkthroughInfo {
  id: string
  title: string
  /** "Kubernetes v1.28.3, kubectl v1.28.2": what its recordings were made on. */
  recordedOn?: string
}

/** The JSON report's shape (documented in README). */
/** What every reporter may be given besides the results. */
export interface ReportOptions {
  walkthrough?: WalkthroughInfo
  secrets?: Secrets
  showSecrets?: boolean
  drift?: StepDrift[]
}

export function toJsonReport(result: RunResult, cluster: ClusterInfo, opts: ReportOptions = {}): object {
  const doc = {
    ok: result.ok,
    status: result.status,
    ...(opts.walkthrough ? { walkthrough: opts.walkthrough.id } : {}),
    cluster,
    startedAt: result.startedAt,
    durationMs: result.durationMs,
    steps: result.steps.map((s) => {
      const step: Record<string, unknown> = {
        id: s.id,
        number: s.number,
        title: s.title,
        command: s.command,
        ...(s.variant ? { variant: s.variant } : {}),
        ...(s.container ? { container: s.container } : {}),
        status: s.status,
        ...(s.skippedBecause !== undefined ? { skippedBecause: s.skippedBecause } : {}),
        durationMs: s.durationMs,
        attempts: s.attempts,
        assertions: s.assertions,
        output: s.output,
      }
      if (s.captured) step.captured = s.captured
      if (s.notes) step.notes = s.notes
      if (s.error) step.error = s.error
      return step
    }),
    cleanup: result.cleanup,
    ...(opts.drift ? { drift: opts.drift } : {}),
  }
  return opts.showSecrets ? doc : redactDeep(doc, opts.secrets)
}

export function renderJson(result: RunResult, cluster: ClusterInfo, opts: ReportOptions = {}): string {
  return `${JSON.stringify(toJsonReport(result, cluster, opts), null, 2)}\n`
}
