// JUnit XML for CI test views (GitHub, GitLab, Jenkins): one testsuite, one testcase per step.
// A failed step is a <failure>; only a failure of kubewalk itself (E_INTERNAL) is an <error>.
// Cleanup is listed in the suite's <system-out>; if any cleanup failed, an extra testcase named
// "cleanup" fails too, because it left objects in the cluster (the run's own status ignores it).
import { withoutProgressMeter } from '../../core/parse/curl.js'
import type { RunResult, StepResult } from '../../engine/runner.js'
import { masker, skipReason, stepLabel, type RenderOptions } from './common.js'
import { show } from '../../core/text.js'
import type { ClusterInfo } from './json.js'

// ANSI colour codes would leave "[31m" behind once the escape character is stripped.
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]/g
// Not allowed anywhere in XML 1.0, not even as character references; `u` makes lone surrogates match.
const ILLEGAL = /[\0-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/gu
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }

const legal = (text: string): string => text.replace(ANSI, '').replace(ILLEGAL, '')
const escapeText = (text: string): string => text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c)
// Parsers turn raw tabs and line breaks in attribute values into spaces; references keep them.
const escapeAttr = (text: string): string => escapeText(text).replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;')
const oneLine = (text: string): string => text.replace(/\s*[\r\n]+\s*/g, ' ').trim()
const seconds = (ms: number): string => (ms / 1000).toFixed(3)

/** Renders a finished run as a JUnit XML document. */
export function renderJunit(result: RunResult, cluster: ClusterInfo, opts: RenderOptions = {}): string {
  const mask = masker(opts)
  const text = (s: string): string => escapeText(mask(legal(s)))
  const attr = (s: string): string => escapeAttr(mask(legal(s)))
  // Jenkins reads dots in a classname as packages; a cluster named a.b.c should stay one class.
  const classname = `kubewalk.${cluster.name.replace(/\./g, '_')}`

  const cases = result.steps.map((s) => testcase(s))
  const leftBehind = result.cleanup.filter((c) => c.status === 'failed')
  if (leftBehind.length > 0) {
    const body = leftBehind.map((c) => `${c.describe}: ${c.error ?? 'failed'}\n  run: ${c.command}`).join('\n')
    const message = `could not clean up ${leftBehind.map((c) => c.describe).join('; ')}`
    cases.push(
      [
        `    <testcase classname="${attr(classname)}" name="cleanup" time="0.000">`,
        `      <failure message="${attr(message)}" type="E_CLEANUP">${text(body)}</failure>`,
        '    </testcase>',
      ].join('\n'),
    )
  }

  const errors = result.steps.filter((s) => s.status === 'failed' && s.error?.code === 'E_INTERNAL').length
  const failures = result.steps.filter((s) => s.status === 'failed').length - errors + (leftBehind.length > 0 ? 1 : 0)
  const skipped = result.steps.filter((s) => s.status === 'skipped').length
  const counts = `tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds(result.durationMs)}"`
  const properties = Object.entries({
    'cluster.name': cluster.name,
    'cluster.server': cluster.server,
    'cluster.version': cluster.version,
    'cluster.context': cluster.context,
    'cluster.namespace': cluster.namespace,
    'kubectl.path': cluster.kubectl?.path,
    'kubectl.version': cluster.kubectl?.version,
    'kubewalk.status': result.status,
  })
    .filter((p): p is [string, string] => p[1] !== undefined)
    .map(([name, value]) => `      <property name="${attr(name)}" value="${attr(value)}"/>`)
  const cleanupLog = result.cleanup.map((c) => `cleanup ${c.status}: ${c.describe}${c.error ? `: ${c.error}` : ''}\n  $ ${c.command}`).join('\n')

  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="kubewalk" ${counts}>`,
    `  <testsuite name="${attr(`kubewalk: ${cluster.name}`)}" timestamp="${result.startedAt.slice(0, 19)}" ${counts}>`,
    '    <properties>',
    ...properties,
    '    </properties>',
    ...cases,
    ...(cleanupLog === '' ? [] : [`    <system-out>${text(cleanupLog)}</system-out>`]),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n')

  function testcase(s: StepResult): string {
    const lines = [`    <testcase classname="${attr(classname)}" name="${attr(stepLabel(s))}" time="${seconds(s.durationMs)}">`]
    if (s.notes) lines.push('      <properties>', ...s.notes.map((n) => `        <property name="note" value="${attr(n)}"/>`), '      </properties>')
    if (s.status === 'skipped') lines.push(`      <skipped message="${attr(skipReason(result, s))}"/>`)
    if (s.status === 'failed') {
      const tag = s.error?.code === 'E_INTERNAL' ? 'error' : 'failure'
      const message = oneLine(s.error?.message ?? 'failed')
      lines.push(`      <${tag} message="${attr(message)}" type="${attr(s.error?.code ?? 'E_FAILED')}">${text(evidence(s))}</${tag}>`)
    }
    const out = [
      `$ ${s.command}`,
      ...(s.status === 'skipped' ? ['(not run)'] : []),
      s.output.stdout.replace(/\n$/, ''),
      s.captured ? `${s.captured.name}=${s.captured.value}` : '',
    ]
    lines.push(`      <system-out>${text(out.filter((l) => l !== '').join('\n'))}</system-out>`)
    const stderr = withoutProgressMeter(s.output.stderr).replace(/\n$/, '')
    if (stderr !== '') lines.push(`      <system-err>${text(stderr)}</system-err>`)
    lines.push('    </testcase>')
    return lines.join('\n')
  }
}

/** A failure's body: what was checked and what ran. */
function evidence(s: StepResult): string {
  const checks = s.assertions
    .filter((a) => !a.ok)
    .map((a) => {
      const detail = [...('expected' in a ? [`  expected: ${show(a.expected)}`] : []), ...('actual' in a ? [`  actual:   ${show(a.actual)}`] : [])]
      return [`✗ ${a.name}`, ...detail].join('\n')
    })
  const ran = [
    `$ ${s.command}`,
    ...(s.output.exitCode === null ? [] : [`exit code: ${s.output.exitCode}`]),
    ...(s.attempts > 1 ? [`attempts: ${s.attempts}`] : []),
  ]
  return [s.error?.message ?? 'failed', ...checks, ...ran].join('\n')
}
