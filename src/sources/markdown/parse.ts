// Markdown → blocks: front matter, headings, prose paragraphs, HTML comments and fenced code, each with
// the line it starts on. A line scanner of its own rather than a full Markdown parser: a walkthrough
// needs only these blocks, and marked's lexer costs ~40 ms cold on a 14 KB file, more than a run may
// spend before its first step. Fences inside list items (indented) are found too; their indentation
// is removed from their text, as CommonMark does.
import { WalkthroughError } from '../../core/errors.js'

/** A fenced code block. */
export interface CodeBlock {
  kind: 'code'
  /** The info string's first word, lower-case ('' for none). */
  lang: string
  /** The whole info string. */
  info: string
  text: string
  /** 1-based line of the opening fence. */
  line: number
}

/** A paragraph (consecutive non-blank lines of text, list items included). */
export interface ProseBlock {
  kind: 'prose'
  text: string
  line: number
}

/** An HTML comment on lines of its own. */
export interface CommentBlock {
  kind: 'comment'
  /** What is between `<!--` and `-->`, trimmed. */
  text: string
  line: number
}

export interface HeadingBlock {
  kind: 'heading'
  depth: number
  text: string
  line: number
}

export type Block = CodeBlock | ProseBlock | CommentBlock | HeadingBlock

/** A Markdown file as blocks. */
export interface MarkdownDoc {
  file: string
  /** The YAML between the leading `---` lines, and the line its first line is on. */
  frontMatter?: { text: string; line: number }
  blocks: Block[]
}

const FENCE = /^( *)(`{3,}|~{3,})\s*(.*)$/
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/

/** Splits `source` into blocks; `file` names it in errors (`file:line: …`). */
export function parseMarkdown(file: string, source: string): MarkdownDoc {
  const lines = source.replace(/\r\n?/g, '\n').split('\n')
  const doc: MarkdownDoc = { file, blocks: [] }
  let i = 0
  if (lines[0]?.trim() === '---') {
    const end = lines.findIndex((l, j) => j > 0 && (l.trim() === '---' || l.trim() === '...'))
    if (end < 0) throw new WalkthroughError(`${file}:1: the front matter that starts here is never closed with a line '---'.`)
    doc.frontMatter = { text: lines.slice(1, end).join('\n'), line: 2 }
    i = end + 1
  }
  let prose: ProseBlock | undefined
  const endProse = (): void => {
    if (prose) doc.blocks.push(prose)
    prose = undefined
  }
  while (i < lines.length) {
    const line = lines[i] as string
    const fence = FENCE.exec(line)
    // A backtick fence's info string may not contain a backtick (CommonMark): ```` `x` ```` is inline code.
    if (fence && !(fence[2]?.startsWith('`') && fence[3]?.includes('`'))) {
      endProse()
      const indent = fence[1]?.length ?? 0
      const mark = fence[2] as string
      const info = (fence[3] ?? '').trim()
      const body: string[] = []
      let j = i + 1
      const close = new RegExp(`^ *${mark[0] === '`' ? '`' : '~'}{${mark.length},}\\s*$`)
      while (j < lines.length && !close.test(lines[j] as string)) {
        const l = lines[j] as string
        body.push(l.slice(Math.min(indent, l.length - l.trimStart().length)))
        j++
      }
      doc.blocks.push({ kind: 'code', lang: (info.split(/[\s{,]/)[0] ?? '').toLowerCase(), info, text: body.join('\n'), line: i + 1 })
      i = j + 1
      continue
    }
    const trimmed = line.trim()
    if (trimmed.startsWith('<!--')) {
      endProse()
      const start = i
      let text = trimmed.slice(4)
      while (!text.includes('-->') && i + 1 < lines.length) text += `\n${lines[++i]}`
      if (!text.includes('-->')) throw new WalkthroughError(`${file}:${start + 1}: the HTML comment that starts here is never closed with '-->'.`)
      const inner = text.slice(0, text.indexOf('-->'))
      // The line its text starts on, so errors in a directive name the directive's own line.
      const skipped = (/^\s*/.exec(inner)?.[0] ?? '').split('\n').length - 1
      doc.blocks.push({ kind: 'comment', text: inner.trim(), line: start + 1 + skipped })
      i++
      continue
    }
    const heading = HEADING.exec(line)
    if (heading) {
      endProse()
      doc.blocks.push({ kind: 'heading', depth: heading[1]?.length ?? 1, text: heading[2] ?? '', line: i + 1 })
    } else if (trimmed === '') endProse()
    else if (prose) prose.text += `\n${line}`
    else prose = { kind: 'prose', text: line, line: i + 1 }
    i++
  }
  endProse()
  return doc
}
