import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseWalkthrough } from '../src/walkthrough.js'
import { commandOf } from '../src/step.js'
import { steps } from '../steps/index.js'

const sections = parseWalkthrough(readFileSync(new URL('../walkthrough.md', import.meta.url), 'utf8'))

describe('walkthrough.md', () => {
  it('has one section per step, in order, with matching ids', () => {
    expect(sections.map((s) => [s.number, s.id])).toEqual(steps.map((s) => [s.number, s.id]))
  })
  it.each(steps.map((s) => [s.id, s] as const))("shows %s's command exactly as the step runs it", (id, step) => {
    const section = sections.find((s) => s.id === id)
    // Step 02 leaves the name to the reader; the walkthrough shows the article's placeholder.
    expect(section?.command).toBe(commandOf(step, { cluster: { name: 'some_server_name', server: '' } }))
  })
  it('explains every step', () => {
    for (const s of sections) expect(s.explanation.length, s.id).toBeGreaterThan(80)
  })
  it('rejects a section without exactly one bash block', () => {
    expect(() => parseWalkthrough('## 01. X (`x`)\ntext\n')).toThrow(/has 0 bash blocks/)
  })
})
