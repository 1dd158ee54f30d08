import { describe, expect, it } from 'vitest'
import { renderBoard, traceColumns, type ClassBoard } from '../../src/commands/class.js'
import { walkthroughs } from '../../walkthroughs/index.js'

describe('the class board', () => {
  it("takes its columns from the walkthrough's traces, and lists the steps that leave none", async () => {
    const article = await walkthroughs[0]!.load()
    const { steps, noTrace } = traceColumns(article)
    expect(steps.map((s) => s.id)).toEqual(['apply-token-secret', 'list-secrets-after'])
    expect(noTrace).toContain('create-token')
    expect(noTrace).toHaveLength(12)
  })
  it('renders a row per participant, a tick per traced step done, and why a row could not be read', () => {
    const board: ClassBoard = {
      walkthrough: 'article',
      steps: [{ id: 'a', number: '08', title: 'A' }, { id: 'b', number: '09', title: 'B' }],
      noTrace: ['c'],
      rows: [{ namespace: 'ann', done: { a: true, b: false } }, { namespace: 'bo', done: { a: false, b: false }, error: 'namespaces "bo" not found' }],
      at: '2026-11-29T00:00:00.000Z',
    }
    const text = renderBoard(board, false)
    expect(text).toMatch(/^namespace {2}08 {2}09$/m)
    expect(text).toMatch(/^ann {8}✓ {3}·$/m)
    expect(text).toMatch(/^bo {9}· {3}·  \(namespaces "bo" not found\)$/m)
    expect(text).toContain('no trace on the cluster: c')
    expect(renderBoard(board, true)).toContain('\x1b[32m✓')
  })
})
