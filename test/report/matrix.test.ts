import { XMLParser } from 'fast-xml-parser'
import { describe, expect, it } from 'vitest'
import { renderMatrix, type MatrixCell } from '../../src/report/matrix.js'

const cell = (over: Partial<MatrixCell>): MatrixCell => ({
  server: { name: 'lab v1.37.2', version: 'v1.37.2' },
  kubectl: { path: '/k/kubectl', version: 'v1.37.2' },
  inSkew: true,
  ok: true,
  durationMs: 12_345,
  drift: { expected: 21, version: 7, real: 0 },
  ...over,
})
const cells = [
  cell({}),
  cell({ kubectl: { path: '/k/kubectl-1.28', version: 'v1.28.15' }, inSkew: false, ok: false, failedStep: '09 list-secrets-after', reason: 'list-secrets-after: DATA is 3' }),
  cell({ server: { name: 'prod', version: 'v1.36.1' }, ok: false, failedStep: '04 create-token', reason: 'create-token: RBAC' }),
]

describe('renderMatrix', () => {
  it('json: the documented shape; ok only when every in-skew cell passed', () => {
    const doc = JSON.parse(renderMatrix(cells, 'json', { walkthrough: 'article' })) as { ok: boolean; cells: MatrixCell[] }
    expect(doc.ok).toBe(false)
    expect(doc.cells[1]).toMatchObject({ server: { name: 'lab v1.37.2', version: 'v1.37.2' }, kubectl: { path: '/k/kubectl-1.28', version: 'v1.28.15' }, inSkew: false, ok: false, failedStep: '09 list-secrets-after', durationMs: 12_345, drift: { expected: 21, version: 7, real: 0 } })
    expect((JSON.parse(renderMatrix(cells.slice(0, 2), 'json', { walkthrough: 'article' })) as { ok: boolean }).ok).toBe(true)
  })
  it('plain: one row per cell, the failing step, skew marked, a summary and the reasons', () => {
    const text = renderMatrix(cells, 'plain', { walkthrough: 'article' })
    expect(text).toMatch(/^lab v1\.37\.2 +v1\.37\.2 +v1\.28\.15 +\/k\/kubectl-1\.28 +no \(outside ±1 minor\) +failed at 09 list-secrets-after +12\.3 s +21 \/ 7 \/ 0$/m)
    expect(text).toContain('1/3 passed; 1 in-skew cell(s) failed; 1 outside kubectl\'s skew (0 of them passed anyway)')
    expect(text).toContain('  prod × kubectl v1.37.2: create-token: RBAC')
    expect(text).not.toContain('\x1b[')
    expect(renderMatrix(cells, 'pretty', { walkthrough: 'article' })).toContain('\x1b[31m')
  })
  it('markdown: a table that pastes into a pull request, pipes escaped', () => {
    const md = renderMatrix([cell({ server: { name: 'a|b', version: 'v1.37.2' } })], 'markdown', { walkthrough: 'article' })
    expect(md).toMatch(/^\| server \| version \| kubectl \|/m)
    expect(md).toContain('| a\\|b | v1.37.2 |')
    expect(md).toContain('✅ passed')
  })
  it('junit: one testsuite per cell; only in-skew failures fail', () => {
    const doc = new XMLParser({ ignoreAttributes: false }).parse(renderMatrix(cells, 'junit', { walkthrough: 'article' })) as { testsuites: { '@_tests': string; '@_failures': string; testsuite: { '@_name': string; testcase: { failure?: unknown } }[] } }
    expect(doc.testsuites['@_tests']).toBe('3')
    expect(doc.testsuites['@_failures']).toBe('1')
    expect(doc.testsuites.testsuite.map((s) => [s['@_name'], s.testcase.failure !== undefined])).toEqual([
      ['lab v1.37.2 (v1.37.2) × kubectl v1.37.2', false],
      ['lab v1.37.2 (v1.37.2) × kubectl v1.28.15', false],
      ['prod (v1.36.1) × kubectl v1.37.2', true],
    ])
  })
})
