// Small text helpers shared by the runner, the preflight, the token inspector and the reporters.

/** The first non-blank line, trimmed: how a command's error is quoted in a one-sentence message. */
export const firstLine = (text: string): string =>
  text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '') ?? ''

/** `s` with every regular-expression character escaped, to match it as written. */
export const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** A checked value as a person reads it: JSON, or "nothing" when there is none. */
export const show = (value: unknown): string => (value === undefined ? 'nothing' : JSON.stringify(value))

const LIST_ITEM = /^\s*([-*+]|\d+[.)])\s/

/**
 * Prose reflowed to `width` columns on word boundaries: paragraphs (blank-line separated) and list
 * items keep their breaks, other line breaks become spaces, a word longer than a line is cut.
 */
export function wrapText(text: string, width: number): string {
  const w = Math.max(20, Math.floor(width))
  const wrapItem = (item: string): string[] => {
    const indent = LIST_ITEM.test(item) ? ' '.repeat(/^\s*\S+\s/.exec(item)?.[0].length ?? 0) : ''
    const lines: string[] = []
    let line = ''
    for (let word of item.trim().split(/\s+/)) {
      while (word.length > w - indent.length) {
        if (line !== '') lines.push(line)
        lines.push(word.slice(0, w - indent.length))
        word = word.slice(w - indent.length)
        line = ''
      }
      const prefix = lines.length > 0 && line === '' ? indent : ''
      if (line === '') line = `${prefix}${word}`
      else if (line.length + 1 + word.length <= w) line += ` ${word}`
      else {
        lines.push(line)
        line = `${indent}${word}`
      }
    }
    if (line !== '') lines.push(line)
    return lines
  }
  return text
    .split(/\n\s*\n/)
    .map((para) => {
      const items: string[] = []
      for (const l of para.split('\n')) {
        if (items.length === 0 || LIST_ITEM.test(l)) items.push(l)
        else items[items.length - 1] += ` ${l.trim()}`
      }
      return items.flatMap(wrapItem).join('\n')
    })
    .join('\n\n')
}
