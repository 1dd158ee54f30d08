// Where `kubewalk record` writes each step's output in a Markdown walkthrough, and that the file it
// writes loads back with those outputs as the steps' recordings. No cluster: the outputs are given.
import { describe, expect, it } from 'vitest'
import { markdownWalkthrough } from '../../../src/sources/markdown/index.js'
import { compareWithRecording } from '../../../src/sources/markdown/checks.js'
import { recordingSlots, recordingText, withRecordings } from '../../../src/sources/markdown/record.js'

const F = '```'
const md = `---
id: rec
---
# Recording

## Replaced

${F}bash
kubectl get ns default
${F}

${F}
NAME      STATUS   AGE
default   Active   9d
${F}

## Added

${F}bash
echo one
${F}
Prose right after the block.

<!-- kubewalk: split -->
${F}bash
# First
echo a
# Second
echo b
${F}

- In a list:

  ${F}console
  $ echo hi
  old
  $ echo there
  ${F}

${F}bash
kubectl proxy --port=8001 &
${F}
`

describe('recording into a Markdown walkthrough', () => {
  it('finds each step its place: its output block, a new block after its own, its lines in a terminal block, or none', () => {
    const slots = recordingSlots('rec.md', md)
    expect(slots).toEqual([
      // 0-based lines; `existing` is 1-based, as an error names it.
      { from: 12, to: 14, indent: '', fenced: false, existing: 13 },
      { from: 21, to: 21, indent: '', fenced: true },
      'inside a split block',
      { from: 30, to: 30, indent: '', fenced: true },
      { from: 35, to: 36, indent: '  ', fenced: false, existing: 36 },
      { from: 37, to: 37, indent: '  ', fenced: false },
      'background',
    ])
  })

  it('writes them there, and the file loads back with them as its recordings', () => {
    const slots = recordingSlots('rec.md', md)
    const texts = new Map([
      [0, 'NAME      STATUS   AGE\ndefault   Active   3s\n'],
      [1, 'one\n'],
      [2, 'a\n'],
      [3, 'b\n'],
      [4, 'hi\n'],
      [5, 'there\n'],
      [6, 'Starting to serve\n'],
    ])
    const { text, replaced, added } = withRecordings(md, slots, texts)
    expect(replaced).toEqual([0, 4])
    expect(added).toEqual([1, 3, 5])
    expect(text).toContain(`${F}bash\necho one\n${F}\n\n${F}\none\n${F}\n\nProse right after the block.\n`)
    expect(text).toContain(`  ${F}console\n  $ echo hi\n  hi\n  $ echo there\n  there\n  ${F}\n`)
    const w = markdownWalkthrough('rec.md', text)
    const rec = w.recorded?.() ?? {}
    expect(Object.fromEntries(Object.entries(rec).map(([id, o]) => [id, o.stdout]))).toEqual({
      replaced: 'NAME      STATUS   AGE\ndefault   Active   3s',
      added: 'one',
      second: 'b',
      'echo-hi': 'hi',
      'echo-there': 'there',
    })
  })

  it('leaves a step that printed nothing and had no block as it was', () => {
    const slots = recordingSlots('rec.md', md)
    expect(withRecordings(md, slots, new Map([[1, '']])).text).toBe(md)
  })

  it('takes a fence longer than any run of backticks in the output', () => {
    const slots = recordingSlots('rec.md', md)
    expect(withRecordings(md, slots, new Map([[1, 'a ``` b\n']])).text).toContain('\n````\na ``` b\n````\n')
  })

  it("writes all a block's commands printed, each its standard error first, and the value an assignment set", () => {
    const parts = [
      { stdout: 'preparing\n', stderr: '' },
      { stdout: 'done\n', stderr: 'warn\n' },
    ]
    expect(recordingText('echo preparing\necho done', { stdout: 'preparing\ndone\n', stderr: 'warn\n', parts })).toBe('preparing\nwarn\ndone')
    expect(recordingText('kubectl get x', { stdout: 'out\n', stderr: 'Warning: w\n' })).toBe('Warning: w\nout')
    expect(recordingText('TOKEN=$(kubectl create token default)', { stdout: '', stderr: '', captured: 'eyJh.eyJp.sig' })).toBe('eyJh.eyJp.sig')
  })

  it("reads a recorded token without its signature as a token: another run's token is an expected difference", () => {
    // The shape `kubewalk record` writes (maskForRecording) against a signed token of another run.
    const recorded = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4eHh4In0.~signature-removed~'
    const live = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ5eXl5In0.c2lnbmF0dXJlc2lnbmF0dXJl'
    expect(compareWithRecording('t', recorded, live).items.map((i) => i.kind)).toEqual(['expected'])
  })
})
