// The replay's results, told: the live reporter's summary, a document reporter's report, drift,
// the transcript and the --out file, and the exit code that sums it up.
import { EXIT } from '../args.js'
import { driftCounts, type StepDrift } from '../../core/drift.js'
import { errorMessage, exitCodeFor } from '../../core/errors.js'
import { writeWhole } from '../outfile.js'
import { redactDeep, type Secrets } from '../../engine/redact.js'
import { createConsoleReporter } from '../report/console.js'
import { reporters } from '../report/index.js'
import type { ClusterInfo, WalkthroughInfo } from '../report/json.js'
import { renderTranscript } from '../report/transcript.js'
import type { RunResult } from '../../engine/runner.js'
import type { Io } from '../args.js'
import type { Walkthrough } from '../../core/walkthrough.js'
import type { ReplayPlan } from './plan.js'

export function walkthroughInfo(w: Walkthrough): WalkthroughInfo {
  const s = w.source
  return {
    id: w.id,
    title: w.title,
    ...(s?.kubernetes ? { recordedOn: `Kubernetes ${s.kubernetes}${s.kubectl ? `, kubectl ${s.kubectl}` : ''}` } : {}),
  }
}

export interface ReportInput {
  result: RunResult
  cluster: ClusterInfo
  drift: StepDrift[]
  secrets: Secrets
}

/** What drift and the document reporters print at the end (a live reporter has printed as it went). */
export function reportEnd(plan: ReplayPlan, write: (text: string) => void, r: ReportInput): void {
  const { reporter, showSecrets, walkthrough } = plan
  const info = walkthroughInfo(walkthrough)
  const opts = { secrets: r.secrets, showSecrets, drift: r.drift, walkthrough: info }
  if (plan.mode === 'drift') {
    if (reporter === 'json') write(`${JSON.stringify(showSecrets ? r.drift : redactDeep(r.drift, r.secrets), null, 2)}\n`)
    else {
      const c = createConsoleReporter({ write, pretty: reporter === 'pretty', secrets: r.secrets, showSecrets, walkthrough: info })
      c.drift(r.drift)
      c.summary(r.result)
    }
    return
  }
  const rep = reporters[reporter]
  if (rep.kind === 'document') write(rep.render(r.result, r.cluster, opts))
}

/** The transcript and the --out report, each on its own: one that cannot be written spoils no other. True when one was not written. */
export async function writeFiles(plan: ReplayPlan, io: Io, r: ReportInput, outText: string): Promise<boolean> {
  const files: [string, string, string][] = []
  const opts = { secrets: r.secrets, showSecrets: plan.showSecrets, drift: r.drift, walkthrough: walkthroughInfo(plan.walkthrough) }
  if (plan.transcript !== undefined) {
    const markdown = renderTranscript(r.result, r.cluster, plan.prose, {
      ...opts,
      stderrLabels: new Map(plan.walkthrough.steps.filter((s) => s.stderrLabel !== undefined).map((s) => [s.id, s.stderrLabel as string])),
    })
    // HTML by the file's name; marked loads only then, so plain runs do not pay for it.
    const html = /\.html?$/i.test(plan.transcript) ? (await import('../report/html.js')).transcriptHtml(markdown) : undefined
    files.push(['transcript', plan.transcript, html ?? markdown])
  }
  if (plan.out !== undefined) files.push(['report', plan.out, outText])
  let unwritten = false
  for (const [what, file, text] of files) {
    try {
      // A file with unmasked secrets is created 0600; an existing wider one is kept, and said so.
      const { warning } = await writeWhole(file, text, { secret: plan.showSecrets })
      io.stderr(`${what} written to ${file}\n`)
      if (warning) io.stderr(`kubewalk: warning: ${warning}\n`)
    } catch (e) {
      unwritten = true
      io.stderr(`kubewalk: could not write the ${what} to ${file}: ${errorMessage(e)}\n`)
    }
  }
  return unwritten
}

/** 0 passed; 130 interrupted; 2 refused before anything changed; 1 otherwise, a failed cleanup included. */
export function exitCodeOf(result: RunResult): number {
  if (result.status === 'passed') return EXIT.ok
  if (result.status === 'interrupted') return EXIT.interrupted
  if (result.cleanup.some((c) => c.status === 'failed')) return EXIT.failed
  const failed = result.steps.find((s) => s.status === 'failed')
  // A step refused before changing anything (RBAC, a variable no one set) exits 2, by its error code.
  return exitCodeFor(failed?.error?.code)
}

/** drift's exit code: 1 when the run passed but differs for real from the recording. */
export function driftExitCode(result: RunResult, drift: StepDrift[]): number {
  if (!result.ok) return exitCodeOf(result)
  return driftCounts(drift).real > 0 ? EXIT.failed : EXIT.ok
}
