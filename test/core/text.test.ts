import { describe, expect, it } from 'vitest'
import { wrapText } from '../../src/core/text.js'

describe('wrapText', () => {
  it('breaks on word boundaries within the width, never inside a word that fits', () => {
    const text = 'The API server knows who is calling, but no rule lets the default ServiceAccount list pods in the cluster.'
    const lines = wrapText(text, 30).split('\n')
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(30)
    expect(lines.join(' ')).toBe(text)
    expect(lines).not.toContain('e cluster.')
    expect(lines.some((l) => l.endsWith(' th'))).toBe(false)
  })
  it('reflows hard-wrapped lines, keeps paragraphs and list items', () => {
    expect(wrapText('one two\nthree four\n\n- item a is long enough\n- item b', 24)).toBe('one two three four\n\n- item a is long enough\n- item b')
    expect(wrapText('- a list item that goes on and on past the edge', 24)).toBe('- a list item that goes\n  on and on past the\n  edge')
  })
  it('cuts a word longer than a line rather than overflow', () => {
    expect(
      wrapText(`see ${'x'.repeat(45)} here`, 20)
        .split('\n')
        .every((l) => l.length <= 20),
    ).toBe(true)
  })
  it('follows a new width: the same text wraps differently', () => {
    const text = 'Permissions live in the binding, not in the token: delete the binding and the token is back to what it was.'
    expect(wrapText(text, 40)).not.toBe(wrapText(text, 80))
    expect(wrapText(text, 200)).toBe(text)
  })
})
