// Reporters behind one registry keyed by name: live ones draw as the run goes (console), document
// ones render the finished run in one piece. The CLI chooses by name and knows no reporter's insides.
import { UsageError } from '../../core/errors.js'
import type { RunResult } from '../../engine/runner.js'
import { renderJson, type ClusterInfo, type ReportOptions } from './json.js'
import { renderJunit } from './junit.js'
import { renderTap } from './tap.js'

export type ReporterName = 'pretty' | 'plain' | 'json' | 'junit' | 'tap'

export type Reporter =
  | { kind: 'live'; describe: string; pretty: boolean }
  | { kind: 'document'; describe: string; render(result: RunResult, cluster: ClusterInfo, opts: ReportOptions): string }

export const reporters: Readonly<Record<ReporterName, Reporter>> = {
  pretty: { kind: 'live', pretty: true, describe: 'colour and a live elapsed-time line (default on a terminal)' },
  plain: { kind: 'live', pretty: false, describe: 'the same without colour (default otherwise, or with NO_COLOR)' },
  json: { kind: 'document', describe: 'one JSON document', render: renderJson },
  junit: { kind: 'document', describe: 'JUnit XML', render: (r, c, o) => renderJunit(r, c, o) },
  tap: { kind: 'document', describe: 'TAP version 13', render: (r, c, o) => renderTap(r, c, o) },
}

export const reporterNames = Object.keys(reporters) as ReporterName[]

/** The reporter `name` names, among `allowed` (default: all); a UsageError names the choices. */
export function reporterNamed(name: string, allowed: readonly ReporterName[] = reporterNames, what = '--reporter'): ReporterName {
  if (!(allowed as readonly string[]).includes(name)) throw new UsageError(`${what} takes one of ${allowed.join(', ')}, got ${JSON.stringify(name)}.`)
  return name as ReporterName
}
