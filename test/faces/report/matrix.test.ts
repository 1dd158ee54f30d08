import { XMLParser } from 'fast-xml-parser'
import { describe, expect, it } from 'vitest'
import { renderMatrix, type MatrixCell } from '../../../src/faces/report/matrix.js'

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
  cell({
    kubectl: { path: '/k/kubectl-1.28', version: 'v1.28.15' },
    inSkew: false,
    ok: false,
    failedStep: '09 list-secrets-after',
    reason: 'list-secrets-after: DATA is 3',
  }),
  cell({ server: { name: 'prod', version: 'v1.36.1' }, ok: false, failedStep: '04 create-token', reason: 'create-token: RBAC' }),
]

describe('renderMatrix', () => {
  it('json: the documented shape; ok only when every in-skew cell passed', () => {
    const doc = JSON.parse(renderMatrix(cells, 'json', { walkthrough: 'article' })) as { ok: boolean; cells: MatrixCell[] }
    expect(doc.ok).toBe(false)
    expect(doc.cells[1]).toMatchObject({
      server: { name: 'lab v1.37.2', version: 'v1.37.2' },
      kubectl: { path: '/k/kubectl-1.28', version: 'v1.28.15' },
      inSkew: false,
      ok: false,
      failedStep: '09 list-secrets-after',
      durationMs: 12_345,
      drift: { expected: 21, version: 7, real: 0 },
    })
    expect((JSON.parse(renderMatrix(cells.slice(0, 2), 'json', { walkthrough: 'article' })) as { ok: boolean }).ok).toBe(true)
  })
  it('plain: one row per cell, the failing step, skew marked, a summary and the reasons', () => {
    const text = renderMatrix(cells, 'plain', { walkthrough: 'article' })
    expect(text).toMatch(
      /^lab v1\.37\.2 +v1\.37\.2 +v1\.28\.15 +\/k\/kubectl-1\.28 +no \(outside ±1 minor\) +failed at 09 list-secrets-after +12\.3 s +21 \/ 7 \/ 0$/m,
    )
    expect(text).toContain("1/3 passed; 1 in-skew cell(s) failed; 1 outside kubectl's skew (0 of them passed anyway)")
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
    const doc = new XMLParser({ ignoreAttributes: false }).parse(renderMatrix(cells, 'junit', { walkthrough: 'article' })) as {
      testsuites: { '@_tests': string; '@_failures': string; testsuite: { '@_name': string; testcase: { failure?: unknown } }[] }
    }
    expect(doc.testsuites['@_tests']).toBe('3')
    expect(doc.testsuites['@_failures']).toBe('1')
    expect(doc.testsuites.testsuite.map((s) => [s['@_name'], s.testcase.failure !== undefined])).toEqual([
      ['lab v1.37.2 (v1.37.2) × kubectl v1.37.2', false],
      ['lab v1.37.2 (v1.37.2) × kubectl v1.28.15', false],
      ['prod (v1.36.1) × kubectl v1.37.2', true],
    ])
  })
})

describe('a cell that produced no report (dead server, failed exec plugin, crashed child)', () => {
  // The shape `kubewalk matrix --context dead` gives such a cell: the server's version was never read.
  const dead = cell({
    server: { name: 'dead', version: 'unknown' },
    inSkew: null,
    ok: false,
    reason: 'kubewalk: cannot reach the cluster',
    durationMs: 900,
    drift: { expected: 0, version: 0, real: 0 },
  })

  it('json: inSkew null, and the matrix is not ok', () => {
    const doc = JSON.parse(renderMatrix([cells[0]!, dead], 'json', { walkthrough: 'article' })) as { ok: boolean; cells: MatrixCell[] }
    expect(doc.ok).toBe(false)
    expect(doc.cells[1]?.inSkew).toBeNull()
  })
  it('plain and pretty: "unknown" in the skew column, counted in the summary, painted as a failure', () => {
    const text = renderMatrix([dead], 'plain', { walkthrough: 'article' })
    expect(text).toMatch(/^dead +unknown +v1\.37\.2 +\/k\/kubectl +unknown +failed +0\.9 s +0 \/ 0 \/ 0$/m)
    expect(text).toContain(
      "0/1 passed; 0 in-skew cell(s) failed; 1 failed before reading the server's version (skew unknown); 0 outside kubectl's skew",
    )
    expect(text).toContain('  dead × kubectl v1.37.2: kubewalk: cannot reach the cluster')
    expect(renderMatrix([dead], 'pretty', { walkthrough: 'article' })).toMatch(/^\x1b\[31mdead /m)
  })
  it('markdown: a failure, not a warning', () => {
    const md = renderMatrix([dead], 'markdown', { walkthrough: 'article' })
    expect(md).toContain('| unknown | ❌ failed |')
    expect(md).not.toContain('⚠️')
  })
  it('junit: a failure, and its skew property says unknown', () => {
    const doc = new XMLParser({ ignoreAttributes: false }).parse(renderMatrix([dead], 'junit', { walkthrough: 'article' })) as {
      testsuites: {
        '@_failures': string
        testsuite: { '@_failures': string; properties: { property: { '@_name': string; '@_value': string }[] }; testcase: { failure?: unknown } }
      }
    }
    expect(doc.testsuites['@_failures']).toBe('1')
    expect(doc.testsuites.testsuite['@_failures']).toBe('1')
    expect(doc.testsuites.testsuite.testcase.failure).toBeDefined()
    expect(doc.testsuites.testsuite.properties.property.find((p) => p['@_name'] === 'inSkew')?.['@_value']).toBe('unknown')
  })
})
