// The executable notebook: walkthrough.md retold with what this run printed, its checks, timing and
// drift, as Markdown that renders on GitHub. A pure function of the results.
import { driftCounts } from '../../core/drift.js'
import { withoutProgressMeter } from '../../core/parse/curl.js'
import { redact } from '../../engine/redact.js'
import type { RunResult, StepResult } from '../../engine/runner.js'
import type { WalkthroughSection } from '../../sources/prose.js'
import { leftBehind, outcome } from './common.js'
import type { ClusterInfo, ReportOptions } from './json.js'

const ICON = { passed: '✅', failed: '❌', skipped: '⏭️' } as const

/** A fence longer than any run of backticks inside, so output never closes its block early. */
function fenced(lang: string, text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length))
  const fence = '`'.repeat(longest + 1)
  return `${fence}${lang}\n${text.replace(/\n$/, '')}\n${fence}`
}

/** Text from the cluster or kubeconfig outside code blocks: Markdown in it is shown, not applied. */
const literal = (text: string): string => text.replace(/[\\`*_[\]<>!|~#]/g, '\\$&')

/** Cluster text as inline code: fenced by more backticks than any run inside, so a backtick in it cannot end the span and let Markdown (a link) through. */
function code(text: string): string {
  const flat = text.replace(/\r?\n/g, ' ')
  const fence = '`'.repeat(Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length)) + 1)
  const pad = flat.startsWith('`') || flat.endsWith('`') || (flat.startsWith(' ') && flat.endsWith(' ') && flat.trim() !== '') ? ' ' : ''
  return `${fence}${pad}${flat}${pad}${fence}`
}

const cell = (v: unknown): string => (v === undefined ? '' : `\`${JSON.stringify(v).replace(/\|/g, '\\|').replace(/`/g, 'ˋ')}\``)

/** A transcript also takes the labels of standard error that is a log (folded), by step id. */
export interface TranscriptOptions extends ReportOptions {
  stderrLabels?: ReadonlyMap<string, string>
}

export function renderTranscript(
  result: RunResult,
  cluster: ClusterInfo,
  sections: readonly WalkthroughSection[],
  opts: TranscriptOptions = {},
): string {
  const mask = (t: string): string => (opts.showSecrets ? t : redact(t, opts.secrets))
  const count = (s: StepResult['status']): number => result.steps.filter((r) => r.status === s).length
  const lines: string[] = []
  lines.push(`# Transcript: ${literal(opts.walkthrough?.title ?? 'a kubewalk replay')}`, '')
  const facts = [
    literal(cluster.server),
    `Kubernetes ${literal(cluster.version)}`,
    ...(cluster.namespace ? [`namespace ${code(cluster.namespace)}`] : []),
    ...(cluster.kubectl ? [`kubectl ${literal(cluster.kubectl.version)} (${code(cluster.kubectl.path)})`] : []),
  ]
  lines.push(`Replayed by kubewalk on ${result.startedAt} against ${code(cluster.name)} (${facts.join(', ')}).`, '')
  lines.push(
    `**Result: ${result.ok ? '✅ passed' : result.status === 'interrupted' ? '⏹️ interrupted' : '❌ failed'}** — ${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped in ${(result.durationMs / 1000).toFixed(1)} s.`,
    '',
  )
  if (!result.ok) lines.push(`> ${literal(mask(outcome(result)))}`, '')
  if (!opts.showSecrets) lines.push('Tokens and Secret data are masked.', '')

  for (const r of result.steps) {
    const section = sections.find((s) => s.id === r.id)
    const timing =
      r.status === 'skipped' ? 'skipped' : `${r.status} in ${(r.durationMs / 1000).toFixed(1)} s${r.attempts > 1 ? ` (${r.attempts} attempts)` : ''}`
    lines.push(`## ${r.number}. ${section?.title ?? r.title} (${code(r.id)}) ${ICON[r.status]}`, '')
    if (section) lines.push(section.explanation, '')
    if (r.container)
      lines.push(
        `_Typed in the shell of ${r.container.container !== undefined ? `container ${code(r.container.container)} of ` : ''}Pod ${code(r.container.pod)} (run there, not on the host)._`,
        '',
      )
    lines.push(fenced('bash', r.command), '')
    if (r.variant) lines.push(`_Run as the ${r.variant} variant of the walkthrough's line._`, '')
    lines.push(`_${timing[0]?.toUpperCase()}${timing.slice(1)}._`, '')
    if (r.skippedBecause !== undefined) lines.push(`_Not run: ${literal(r.skippedBecause)}._`, '')
    if (r.status === 'skipped') continue
    const stderr = withoutProgressMeter(r.output.stderr)
    if (r.output.stdout.trim() !== '') lines.push('Output:', '', fenced('text', mask(r.output.stdout)), '')
    const label = opts.stderrLabels?.get(r.id)
    if (stderr.trim() !== '')
      lines.push(
        label !== undefined ? `<details><summary>${literal(label)}</summary>` : 'Standard error:',
        '',
        fenced('text', mask(stderr)),
        '',
        ...(label !== undefined ? ['</details>', ''] : []),
      )
    if (r.captured) lines.push(`Sets ${code(r.captured.name)} = ${code(mask(r.captured.value))}`, '')
    if (r.assertions.length > 0) {
      lines.push('| check | | expected | actual |', '|---|---|---|---|')
      for (const a of r.assertions)
        lines.push(`| ${a.name.replace(/\|/g, '\\|')} | ${a.ok ? '✅' : '❌'} | ${mask(cell(a.expected))} | ${mask(cell(a.actual))} |`)
      lines.push('')
    }
    for (const n of r.notes ?? []) lines.push(`_Note: ${literal(mask(n))}_`, '')
    if (r.error) lines.push(`> **Failed:** ${literal(mask(r.error.message))}`, '')
    const drift = opts.drift?.find((d) => d.id === r.id)?.items.filter((i) => i.kind !== 'expected') ?? []
    if (drift.length > 0) {
      lines.push('Differences from the recording:', '')
      for (const i of drift) lines.push(`- ${i.kind === 'real' ? '**real**' : 'newer version'}: ${code(i.path)} — ${literal(mask(i.note))}`)
      lines.push('')
    }
  }
  if (result.cleanup.length > 0) {
    lines.push('## Cleanup', '')
    for (const c of result.cleanup)
      lines.push(
        `- ${c.status === 'done' ? '✅' : c.status === 'deleting' ? '⏳' : '❌'} ${literal(c.describe)} (${code(c.command)})${c.error ? `: ${literal(mask(c.error))}` : ''}`,
      )
    lines.push('')
    const left = leftBehind(result)
    if (left) lines.push(`> **Cleanup failed**, ${literal(mask(left))}`, '')
  }
  if (opts.drift) {
    const c = driftCounts(opts.drift)
    const on = opts.walkthrough?.recordedOn ? ` (${opts.walkthrough.recordedOn})` : ''
    lines.push(
      '## Drift from the recording',
      '',
      `Compared with what the walkthrough recorded${on}: ${c.expected} expected differences (tokens, times, ids, addresses), ${c.version} from newer versions, ${c.real} real.`,
      '',
    )
  }
  return `${lines.join('\n').trimEnd()}\n`
}
