import { describe, expect, it } from 'vitest'
import { boardView, readBoard, renderBoard, traceColumns, type RunLine } from '../../../src/faces/commands/class.js'
import { walkthroughs } from '../../../walkthroughs/index.js'

// What kubectl 1.37.2 printed on the lab (v1.37.2, `kubewalk lab up`) for each line the board runs,
// per namespace: `ann` has the article's Secret, filled; `bo` does not exist.
const LAB: Record<string, { namespace: Awaited<ReturnType<RunLine>>; secret: Awaited<ReturnType<RunLine>> }> = {
  ann: { namespace: { exitCode: 0, stdout: 'Active', stderr: '' }, secret: { exitCode: 0, stdout: 'default-token\tfilled', stderr: '' } },
  bo: {
    namespace: { exitCode: 1, stdout: '', stderr: 'Error from server (NotFound): namespaces "bo" not found' },
    // --ignore-not-found: a Secret in a namespace that does not exist reads as no Secret, exit 0.
    secret: { exitCode: 0, stdout: '', stderr: '' },
  },
}
const lab: RunLine = async (script, options) => {
  const ns = options.env?.KUBEWALK_NAMESPACE ?? ''
  const answers = LAB[ns]
  if (answers === undefined) throw new Error(`no recording for namespace ${ns}`)
  // --ignore-not-found: no progress ConfigMap prints nothing.
  if (script.includes('configmap kubewalk-progress')) return { exitCode: 0, stdout: '', stderr: '' }
  return script.includes('get namespace ') ? answers.namespace : answers.secret
}

describe('the class board', () => {
  it("takes its columns from the walkthrough's traces, and lists the steps that leave none", async () => {
    const article = await walkthroughs[0]!.load()
    const { steps, noTrace } = traceColumns(article)
    expect(steps.map((s) => s.id)).toEqual(['apply-token-secret', 'list-secrets-after'])
    expect(noTrace).toContain('create-token')
    expect(noTrace).toHaveLength(12)
  })
  it('reads a row per participant, a tick per traced step done; a namespace that does not exist is an error row, not an empty one', async () => {
    const article = await walkthroughs[0]!.load()
    const board = await readBoard(article, ['bo', 'ann'], {}, { run: lab })
    expect(board.rows).toEqual([
      { namespace: 'ann', done: { 'apply-token-secret': true, 'list-secrets-after': true } },
      { namespace: 'bo', done: { 'apply-token-secret': false, 'list-secrets-after': false }, error: 'namespace bo not found' },
    ])
    const text = renderBoard(board, false)
    expect(text).toMatch(/^namespace {2}08 {2}09$/m)
    expect(text).toMatch(/^ann {8}✓ {3}✓$/m)
    expect(text).toMatch(/^bo {9}· {3}· {2}\(namespace bo not found\)$/m)
    expect(text).toMatch(/^no trace on the cluster: .*\bcreate-token\b/m)
    expect(renderBoard(board, true)).toContain('\x1b[32m✓')
  })
  it('a refusal to read the namespace (RBAC) is left to the traces to tell', async () => {
    const article = await walkthroughs[0]!.load()
    // kubectl 1.37.2 on the lab, with the token of a ServiceAccount `pupil` that has no Role.
    const forbidden: RunLine = async (script) =>
      script.includes('get namespace ')
        ? {
            exitCode: 1,
            stdout: '',
            stderr:
              'Error from server (Forbidden): namespaces "ann" is forbidden: User "system:serviceaccount:default:pupil" cannot get resource "namespaces" in API group "" in the namespace "ann"',
          }
        : script.includes('configmap kubewalk-progress')
          ? { exitCode: 0, stdout: '', stderr: '' }
          : { exitCode: 0, stdout: 'default-token\t', stderr: '' }
    const board = await readBoard(article, ['ann'], {}, { run: forbidden })
    expect(board.rows).toEqual([{ namespace: 'ann', done: { 'apply-token-secret': true, 'list-secrets-after': false } }])
  })
  it('with reports (--report-progress) every step is a column, a tick from the trace where there is one, else from the report, and says which', async () => {
    const article = await walkthroughs[0]!.load()
    // ann's namespace as on the lab, plus the kubewalk-progress ConfigMap a serve --report-progress wrote there (01 to 09).
    const progress = JSON.stringify({
      data: {
        article: JSON.stringify({
          steps: Object.fromEntries(article.steps.slice(0, 9).map((s) => [s.id, { via: 'serve', at: '2026-11-30T15:00:00.000Z' }])),
          at: '2026-11-30T15:00:00.000Z',
        }),
      },
    })
    const run: RunLine = async (script, o) =>
      script.includes('configmap kubewalk-progress')
        ? { exitCode: 0, stdout: o.env?.KUBEWALK_NAMESPACE === 'ann' ? progress : '', stderr: '' }
        : lab(script, o)
    const board = await readBoard(article, ['ann', 'bo'], {}, { run })
    const v = boardView(board)
    expect(v.columns).toHaveLength(14)
    expect(v.columns.find((c) => c.id === 'create-token')?.source).toBe('report')
    expect(v.columns.find((c) => c.id === 'apply-token-secret')?.source).toBe('both')
    expect(v.rows[0]).toEqual({
      namespace: 'ann',
      cells: {
        ...Object.fromEntries(article.steps.slice(0, 7).map((s) => [s.id, 'report'])),
        'apply-token-secret': 'trace',
        'list-secrets-after': 'trace',
      },
      lastChange: '2026-11-30T15:00:00.000Z',
    })
    expect(v.counts['create-token']).toBe(1)
    expect(v.counts['call-api-revoked']).toBe(0)
    expect(v.noColumn).toEqual(
      article.steps
        .slice(9)
        .map((s) => s.id)
        .filter((id) => id !== 'list-secrets-after'),
    )
    const text = renderBoard(board, false)
    expect(text).toMatch(/^namespace {2}01 {2}02 .* 14 {2}last change$/m)
    expect(text).toMatch(/^ann {8}r {3}r {3}r {3}r {3}r {3}r {3}r {3}✓ {3}✓ {3}· /m)
    expect(text).toMatch(/^04 {2}create-token: .* \(reported\)$/m)
    expect(text).toMatch(/^08 {2}apply-token-secret: .* \(seen on the cluster, or reported\)$/m)
  })
  it('a record holding null, a namespace being deleted, or a line that throws: each an error row, the others still show', async () => {
    const article = await walkthroughs[0]!.load()
    const good = JSON.stringify({
      data: { article: JSON.stringify({ steps: { [article.steps[0]!.id]: { via: 'run', at: '2026-11-30T15:00:00.000Z' } } }) },
    })
    const run: RunLine = async (script, o) => {
      const ns = o.env?.KUBEWALK_NAMESPACE
      if (ns === 'gone' && script.includes('get namespace ')) return { exitCode: 0, stdout: 'Terminating', stderr: '' }
      if (ns === 'broken') throw new Error('spawn kubectl ENOENT')
      if (script.includes('configmap kubewalk-progress'))
        return { exitCode: 0, stdout: ns === 'nul' ? JSON.stringify({ data: { article: 'null' } }) : ns === 'cee' ? good : '', stderr: '' }
      return lab(script, { ...o, env: { ...o.env, KUBEWALK_NAMESPACE: 'ann' } })
    }
    const board = await readBoard(article, ['nul', 'gone', 'broken', 'cee'], {}, { run })
    const byNs = Object.fromEntries(board.rows.map((r) => [r.namespace, r]))
    expect(byNs.nul?.error).toMatch(/kubewalk-progress: the record of article is not a progress record \(null\)/)
    expect(byNs.gone?.error).toBe('namespace gone is being deleted (Terminating)')
    expect(byNs.gone?.done).toEqual({ 'apply-token-secret': false, 'list-secrets-after': false })
    expect(byNs.broken?.error).toBe('cannot read it: spawn kubectl ENOENT')
    expect(byNs.cee?.error).toBeUndefined()
    expect(byNs.cee?.reported).toEqual({ [article.steps[0]!.id]: { via: 'run', at: '2026-11-30T15:00:00.000Z' } })
    const v = boardView(board)
    expect(v.rows.filter((r) => r.error !== undefined).map((r) => r.namespace)).toEqual(['broken', 'gone', 'nul'])
    const text = renderBoard(board, false)
    expect(text).toMatch(/^nul .*\(configmap\/kubewalk-progress: .*\(null\)\)$/m)
    expect(text).toMatch(/^cee /m)
  })
})
