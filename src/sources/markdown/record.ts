// `kubewalk record` into a Markdown walkthrough: each step's output goes into the block that records it
// ("the output is similar to this"), or into a new block after the step's own when it has none. The
// file is read as the loader reads it, so each step finds the same block a run compares it with.
// Nothing here runs or writes: it plans where each output goes, and returns the new text.
import { terminalText } from './checks.js'
import { pureAssignment } from './compile.js'
import { isBackground, promptOf } from './lines.js'
import { parseFrontMatter } from './frontmatter.js'
import { parseMarkdown, type CodeBlock } from './parse.js'
import { draftSteps, type DraftStep } from './steps.js'

/** Where one step's recording goes. */
export interface RecordingSlot {
  /** 0-based: the lines [from, to) are replaced (to === from: inserted before line `from`). */
  from: number
  to: number
  /** The indentation of the block (a fence inside a list item). */
  indent: string
  /** A new block, fenced, after the step's own. */
  fenced: boolean
  /** The 1-based line of the recording it replaces, when there is one. */
  existing?: number
}

/** Why a step gets no recording: said to the user. */
export type NoSlot = 'background' | 'compare off' | 'inside a split block'

const FENCE = /^( *)(`{3,}|~{3,})/

/** The 0-based line of a fenced block's closing fence (lines.length when it is never closed). */
function closeOf(lines: readonly string[], open: number): number {
  const m = FENCE.exec(lines[open] ?? '')
  const mark = m?.[2] ?? '```'
  const close = new RegExp(`^ *${mark[0] === '`' ? '`' : '~'}{${mark.length},}\\s*$`)
  let j = open + 1
  while (j < lines.length && !close.test(lines[j] as string)) j++
  return j
}

/** The drafts of a Markdown source, as the loader makes them. */
export function draftsOf(file: string, source: string): { drafts: DraftStep[]; lines: string[]; blocks: CodeBlock[] } {
  const doc = parseMarkdown(file, source)
  const fm = doc.frontMatter ? parseFrontMatter(file, doc.frontMatter.text, doc.frontMatter.line) : undefined
  const drafts = draftSteps(doc, { splitAll: fm?.split === 'comments' })
  return { drafts, lines: source.replace(/\r\n?/g, '\n').split('\n'), blocks: doc.blocks.filter((b): b is CodeBlock => b.kind === 'code') }
}

/** For each step (in the walkthrough's order) where its recording goes, or why it gets none. */
export function recordingSlots(file: string, source: string): (RecordingSlot | NoSlot)[] {
  const { drafts, lines, blocks } = draftsOf(file, source)
  return drafts.map((d, i) => {
    if (d.annotations.background !== undefined || isBackground(d.command)) return 'background'
    if (d.annotations.compareOff) return 'compare off'
    // The step's own block: the last one that opens above its line.
    const block = blocks.filter((b) => b.line < d.line).at(-1) as CodeBlock
    const open = block.line - 1
    const close = closeOf(lines, open)
    const indent = /^ */.exec(lines[open] as string)?.[0] ?? ''
    const line = d.line - 1
    if (promptOf((lines[line] ?? '').slice(indent.length)) !== undefined) {
      // A terminal's text: the output is the lines after the command, up to the next prompt.
      const start = line + d.command.split('\n').length
      let end = start
      while (end < close && promptOf((lines[end] as string).slice(indent.length)) === undefined) end++
      while (end > start && (lines[end - 1] as string).trim() === '') end--
      return { from: start, to: end, indent, fenced: false, ...(end > start ? { existing: start + 1 } : {}) }
    }
    if (d.recording !== undefined) {
      const recOpen = d.recording.line - 2
      const recIndent = /^ */.exec(lines[recOpen] as string)?.[0] ?? ''
      return { from: recOpen + 1, to: closeOf(lines, recOpen), indent: recIndent, fenced: false, existing: d.recording.line }
    }
    const next = drafts[i + 1]
    if (next !== undefined && next.line - 1 < close) return 'inside a split block'
    return { from: close + 1, to: close + 1, indent, fenced: true }
  })
}

/** What a step printed, as its recording shows it: all a block printed, command by command (what its checks read), or the value an assignment set. */
export function recordingText(
  command: string,
  out: { stdout: string; stderr: string; parts?: readonly { stdout: string; stderr: string }[]; captured?: string },
): string {
  if (pureAssignment(command) && out.captured !== undefined) return out.captured.trim()
  return terminalText(out)
}

/** `source` with each recording in `texts` (by step index) in its slot; a step with no slot, or with nothing printed and no block yet, is left alone. */
export function withRecordings(
  source: string,
  slots: readonly (RecordingSlot | NoSlot)[],
  texts: ReadonlyMap<number, string>,
): { text: string; replaced: number[]; added: number[] } {
  const lines = source.replace(/\r\n?/g, '\n').split('\n')
  const edits: { slot: RecordingSlot; index: number; body: string[] }[] = []
  for (const [index, text] of texts) {
    const slot = slots[index]
    if (slot === undefined || typeof slot === 'string') continue
    const body = text.replace(/\s+$/, '').split('\n')
    if (slot.existing === undefined && text.trim() === '') continue
    edits.push({ slot, index, body: text.trim() === '' ? [] : body })
  }
  // From the bottom up, so the lines above keep their numbers.
  edits.sort((a, b) => b.slot.from - a.slot.from)
  for (const { slot, body } of edits) {
    const indented = body.map((l) => (l === '' ? '' : `${slot.indent}${l}`))
    if (!slot.fenced) {
      lines.splice(slot.from, slot.to - slot.from, ...indented)
      // A fence as long as the longest run of backticks in the text needs a longer one around it.
      const open = slot.from - 1
      const m = FENCE.exec(lines[open] ?? '')
      const need = Math.max(3, ...body.map((l) => Math.max(0, ...[...l.matchAll(/`+/g)].map((r) => r[0].length + 1))))
      if (m && m[2]?.startsWith('`') && (m[2].length ?? 0) < need) {
        const fence = '`'.repeat(need)
        lines[open] = `${m[1]}${fence}${(lines[open] as string).slice((m[0] ?? '').length)}`
        const close = slot.from + indented.length
        if (close < lines.length) lines[close] = `${slot.indent}${fence}`
      }
      continue
    }
    const fence = '`'.repeat(Math.max(3, ...body.map((l) => Math.max(0, ...[...l.matchAll(/`+/g)].map((r) => r[0].length + 1)))))
    const after = (lines[slot.from] ?? '').trim() === '' ? [] : ['']
    lines.splice(slot.from, 0, '', `${slot.indent}${fence}`, ...indented, `${slot.indent}${fence}`, ...after)
  }
  const done = edits.map((e) => e.index).sort((a, b) => a - b)
  return {
    text: lines.join('\n'),
    replaced: done.filter((i) => (slots[i] as RecordingSlot).existing !== undefined),
    added: done.filter((i) => (slots[i] as RecordingSlot).existing === undefined),
  }
}
