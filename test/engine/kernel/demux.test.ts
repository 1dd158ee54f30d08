import { describe, expect, it } from 'vitest'
import { ControlReader, Tap, type Message } from '../../../src/engine/kernel/demux.js'

const mark = Buffer.from('\u001eabc123:', 'latin1')
const end = (id: number): string => `\u001eabc123:${id}\u001e`

/** Feeds the text in pieces of this size; returns the parts by id and what was streamed. */
function tap(text: string, size: number): { parts: [number, string][]; streamed: string; rest: string } {
  const parts: [number, string][] = []
  let streamed = ''
  const t = new Tap(mark, (id, part) => void parts.push([id, part.toString('latin1')]))
  t.live = (b) => void (streamed += b.toString('latin1'))
  const bytes = Buffer.from(text, 'latin1')
  for (let i = 0; i < bytes.length; i += size) t.feed(bytes.subarray(i, i + size))
  return { parts, streamed, rest: t.take().toString('latin1') }
}

describe('Tap', () => {
  it.each([1, 2, 3, 7, 1000])('splits a stream at its marks, whatever the chunk size (%i), and streams no part of a mark', (size) => {
    const text = `one\n\u001e${end(4)}two\u001eabc${end(5)}tail\u001eab`
    const r = tap(text, size)
    expect(r.parts).toEqual([
      [4, 'one\n\u001e'],
      [5, 'two\u001eabc'],
    ])
    expect(r.rest).toBe('tail\u001eab')
    expect(r.streamed).toBe('one\n\u001etwo\u001eabctail')
  })

  it('once retired, passes bytes on without keeping them or any mark', () => {
    const seen: string[] = []
    const t = new Tap(mark, () => undefined)
    t.retire((b) => void seen.push(b.toString('latin1')))
    t.feed(Buffer.from(`late${end(9)}r`, 'latin1'))
    expect(seen).toEqual(['later'])
    expect(t.take().length).toBe(0)
  })
})

describe('ControlReader', () => {
  it('reads NUL-terminated messages split anywhere', () => {
    const got: Message[] = []
    const r = new ControlReader((m) => void got.push(m))
    const bytes = Buffer.from('S\u00003\u00003\u00000\u00001\u0000/tmp/é\u0000V\u00004\u00000\u0000', 'utf8')
    for (const b of bytes) r.feed(Buffer.from([b]))
    expect(got).toEqual([
      { kind: 'S', id: 3, fields: ['0', '1', '/tmp/é'] },
      { kind: 'V', id: 4, fields: [] },
    ])
  })
})
