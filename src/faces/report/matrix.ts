// The matrix's one table, in each of its formats: a terminal table (pretty, plain), Markdown for a
// pull request, JSON, and JUnit with one testsuite per cell. Pure functions of the cells.

export const MATRIX_REPORTERS = ['pretty', 'plain', 'markdown', 'json', 'junit'] as const
export type MatrixReporter = (typeof MATRIX_REPORTERS)[number]

/** One replay: a server × a kubectl. */
export interface MatrixCell {
  server: { name: string; version: string }
  kubectl: { path: string; version: string }
  /** Within kubectl's supported skew of the server (one minor either way); null when the server's version was never read (the cell produced no report). */
  inSkew: boolean | null
  ok: boolean
  /** "NN step-id": the step that failed. */
  failedStep?: string
  /** Why the cell failed, in a sentence (the failed step's message, or why it could not start). */
  reason?: string
  durationMs: number
  drift: { expected: number; version: number; real: number }
}

/** A failed cell fails the matrix unless it is known to be outside the skew; a cell with no report (unknown skew) fails it. */
export const cellFails = (c: MatrixCell): boolean => !c.ok && c.inSkew !== false

/** The matrix passed: no cell fails it. */
export const matrixOk = (cells: readonly MatrixCell[]): boolean => !cells.some(cellFails)

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`
const result = (c: MatrixCell): string => (c.ok ? 'passed' : `failed${c.failedStep ? ` at ${c.failedStep}` : ''}`)
const skew = (c: MatrixCell): string => (c.inSkew === null ? 'unknown' : c.inSkew ? 'yes' : 'no (outside ±1 minor)')
const driftText = (c: MatrixCell): string => `${c.drift.expected} / ${c.drift.version} / ${c.drift.real}`

function columns(cells: readonly MatrixCell[]): string[][] {
  return cells.map((c) => [
    c.server.name,
    c.server.version,
    c.kubectl.version,
    c.kubectl.path,
    skew(c),
    result(c),
    seconds(c.durationMs),
    driftText(c),
  ])
}
const HEADER = ['server', 'version', 'kubectl', 'kubectl path', 'in skew', 'result', 'time', 'drift e / v / r']

function table(cells: readonly MatrixCell[], pretty: boolean): string {
  const rows = [HEADER, ...columns(cells)]
  const widths = HEADER.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)))
  const paint = (c: MatrixCell, text: string): string =>
    !pretty ? text : c.ok ? `\x1b[32m${text}\x1b[39m` : cellFails(c) ? `\x1b[31m${text}\x1b[39m` : `\x1b[33m${text}\x1b[39m`
  const line = (r: string[]): string =>
    r
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()
  const body = rows.slice(1).map((r, i) => paint(cells[i]!, line(r)))
  return [line(HEADER), ...body, '', summary(cells), ...failures(cells)].join('\n')
}

function summary(cells: readonly MatrixCell[]): string {
  const bad = cells.filter((c) => c.inSkew === true && !c.ok).length
  const unknown = cells.filter((c) => c.inSkew === null && !c.ok).length
  const outside = cells.filter((c) => c.inSkew === false)
  return `${cells.filter((c) => c.ok).length}/${cells.length} passed; ${bad} in-skew cell(s) failed; ${unknown > 0 ? `${unknown} failed before reading the server's version (skew unknown); ` : ''}${outside.length} outside kubectl's skew (${outside.filter((c) => c.ok).length} of them passed anyway). drift: expected / version / real.`
}

function failures(cells: readonly MatrixCell[]): string[] {
  return cells.filter((c) => !c.ok).map((c) => `  ${c.server.name} × kubectl ${c.kubectl.version}: ${c.reason ?? result(c)}`)
}

const mdCell = (s: string): string => s.replace(/\|/g, '\\|')

function markdown(cells: readonly MatrixCell[], walkthrough: string): string {
  const lines = [`kubewalk matrix of \`${walkthrough}\``, '', `| ${HEADER.join(' | ')} |`, `|${HEADER.map(() => '---').join('|')}|`]
  for (const [i, r] of columns(cells).entries()) {
    const c = cells[i]!
    lines.push(
      `| ${r.map((v, j) => (j === 5 ? `${c.ok ? '✅' : cellFails(c) ? '❌' : '⚠️'} ${v}` : j === 3 ? `\`${v}\`` : mdCell(v))).join(' | ')} |`,
    )
  }
  lines.push('', summary(cells))
  const f = failures(cells)
  if (f.length > 0) lines.push('', ...f.map((l) => `- ${mdCell(l.trim())}`))
  return lines.join('\n')
}

const xml = (s: string): string =>
  s
    .replace(/[\0-\x08\x0B\x0C\x0E-\x1F]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')

function junit(cells: readonly MatrixCell[], walkthrough: string): string {
  const failed = cells.filter(cellFails).length
  const skipped = 0
  const suites = cells.map((c) => {
    const name = `${c.server.name} (${c.server.version}) × kubectl ${c.kubectl.version}`
    const body = c.ok
      ? ''
      : cellFails(c)
        ? `\n      <failure message="${xml(c.reason ?? result(c))}" type="E_CELL">${xml(`${result(c)}\n${c.reason ?? ''}`)}</failure>`
        : `\n      <system-out>${xml(`outside kubectl's skew: ${result(c)} ${c.reason ?? ''}`)}</system-out>`
    return [
      `  <testsuite name="${xml(name)}" tests="1" failures="${cellFails(c) ? 1 : 0}" errors="0" skipped="0" time="${(c.durationMs / 1000).toFixed(3)}">`,
      `    <properties><property name="kubectl.path" value="${xml(c.kubectl.path)}"/><property name="inSkew" value="${c.inSkew ?? 'unknown'}"/><property name="drift" value="${xml(driftText(c))}"/></properties>`,
      `    <testcase classname="kubewalk.matrix" name="${xml(`replay ${walkthrough}`)}" time="${(c.durationMs / 1000).toFixed(3)}">${body}${body === '' ? '' : '\n    '}</testcase>`,
      '  </testsuite>',
    ].join('\n')
  })
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="kubewalk matrix" tests="${cells.length}" failures="${failed}" errors="0" skipped="${skipped}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n')
}

/** Renders the matrix; `ok` is every in-skew cell passed and every cell produced a report. */
export function renderMatrix(cells: readonly MatrixCell[], reporter: MatrixReporter, opts: { walkthrough: string }): string {
  switch (reporter) {
    case 'json':
      return `${JSON.stringify({ ok: matrixOk(cells), walkthrough: opts.walkthrough, cells }, null, 2)}\n`
    case 'junit':
      return junit(cells, opts.walkthrough)
    case 'markdown':
      return `${markdown(cells, opts.walkthrough)}\n`
    default:
      return `${table(cells, reporter === 'pretty')}\n`
  }
}
