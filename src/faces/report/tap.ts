// TAP version 13: one test point per step; a failed step carries a YAML diagnostic block, a skipped
// one a SKIP directive with the reason, and a closing comment lists the cleanup.
import { stringify } from 'yaml'
import { withoutProgressMeter } from '../../core/parse/curl.js'
import { redactDeep } from '../../engine/redact.js'
import type { RunResult, StepResult } from '../../engine/runner.js'
import { leftBehind, masker, skipReason, stepLabel, type RenderOptions } from './common.js'
import type { ClusterInfo } from './json.js'

// A test point is one line, and an unescaped "#" would start a directive.
const description = (text: string): string =>
  text
    .replace(/[\0-\x1F\x7F]+/g, ' ')
    .replace(/\\/g, '\\\\')
    .replace(/#/g, '\\#')

/** Renders a finished run as a TAP version 13 stream. */
export function renderTap(result: RunResult, cluster: ClusterInfo, opts: RenderOptions = {}): string {
  const mask = masker(opts)
  const cleanupFailed = result.cleanup.some((c) => c.status === 'failed')
  // A failed cleanup is a failure of its own: one more test point, so a consumer counts it.
  const lines = [
    'TAP version 13',
    `1..${result.steps.length + (cleanupFailed ? 1 : 0)}`,
    `# kubewalk: ${description(mask(`${cluster.name} (${cluster.server}, Kubernetes ${cluster.version}${cluster.namespace ? `, namespace ${cluster.namespace}` : ''}${cluster.kubectl ? `, kubectl ${cluster.kubectl.version} at ${cluster.kubectl.path}` : ''})`))}`,
  ]
  for (const [i, s] of result.steps.entries()) {
    const point = `${i + 1} - ${description(mask(stepLabel(s)))}`
    if (s.status === 'passed') lines.push(`ok ${point}`)
    else if (s.status === 'skipped') lines.push(`ok ${point} # SKIP ${description(mask(skipReason(result, s)))}`)
    else {
      const diagnostic = opts.showSecrets ? diagnosticOf(s) : redactDeep(diagnosticOf(s), opts.secrets)
      const yaml = stringify(diagnostic, { lineWidth: 0, doubleQuotedAsJSON: true }).replace(/\n$/, '')
      lines.push(`not ok ${point}`, '  ---', ...yaml.split('\n').map((l) => `  ${l}`), '  ...')
    }
    for (const n of s.notes ?? []) lines.push(`# note on ${description(mask(s.id))}: ${description(mask(n))}`)
  }
  if (cleanupFailed) {
    const left = result.cleanup
      .filter((c) => c.status === 'failed')
      .map((c) => ({ describe: c.describe, error: c.error ?? 'failed', command: c.command }))
    const diagnostic = { message: leftBehind(result), severity: 'fail', code: 'E_CLEANUP', left }
    const yaml = stringify(opts.showSecrets ? diagnostic : redactDeep(diagnostic, opts.secrets), { lineWidth: 0, doubleQuotedAsJSON: true }).replace(
      /\n$/,
      '',
    )
    lines.push(`not ok ${result.steps.length + 1} - cleanup`, '  ---', ...yaml.split('\n').map((l) => `  ${l}`), '  ...')
  }
  const cleanup = result.cleanup.map((c) => `${c.describe}: ${c.status}${c.error ? ` (${c.error}; run: ${c.command})` : ''}`)
  lines.push(`# cleanup: ${description(mask(cleanup.length === 0 ? 'nothing to clean up' : cleanup.join('; ')))}`, '')
  return lines.join('\n')
}

/** What a failed step's YAML block says: the message, what ran, the checks that failed. */
function diagnosticOf(s: StepResult): Record<string, unknown> {
  const failed = s.assertions
    .filter((a) => !a.ok)
    .map((a) => ({
      name: a.name,
      // YAML shows the values as they are; a check that saw nothing shows null.
      ...('expected' in a ? { expected: a.expected ?? null } : {}),
      ...('actual' in a ? { actual: a.actual ?? null } : {}),
    }))
  const stderr = withoutProgressMeter(s.output.stderr).replace(/\n$/, '')
  return {
    message: s.error?.message ?? 'failed',
    severity: 'fail',
    code: s.error?.code ?? 'E_FAILED',
    command: s.command,
    ...(s.output.exitCode === null ? {} : { exit_code: s.output.exitCode }),
    ...(failed.length > 0 ? { assertions: failed } : {}),
    ...(s.output.stdout === '' ? {} : { stdout: s.output.stdout.replace(/\n$/, '') }),
    ...(stderr === '' ? {} : { stderr }),
    ...(s.attempts > 1 ? { attempts: s.attempts } : {}),
    duration_ms: s.durationMs,
  }
}
