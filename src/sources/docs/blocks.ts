// A docs page → blocks, each with the source line it starts on: headings, prose (shortcodes rendered),
// fenced code (at any indentation, as list items hold it), indented code blocks (the older pages' way,
// four columns past the list item's text), and the file shortcodes. Of a tabs shortcode only one tab
// is kept: the one `tab` names, else the first holding a shell block.
import { UsageError, WalkthroughError } from '../../core/errors.js'
import { exampleRef, renderShortcodes, tabShortcode, type ExampleRef } from './shortcodes.js'

export type DocsBlock =
  | { kind: 'heading'; depth: number; text: string; line: number }
  | { kind: 'prose'; text: string; line: number }
  /** `line` is the opening fence's (an indented block: its first line); `body` the line its text starts on. */
  | { kind: 'code'; lang: string; info: string; text: string; line: number; body: number; indented: boolean }
  | ({ kind: 'example'; line: number } & ExampleRef)

/** A page split into blocks, and its front matter. */
export interface DocsBlocks {
  frontMatter?: { text: string; line: number }
  blocks: DocsBlock[]
}

const FENCE = /^( *)(`{3,}|~{3,})\s*(.*)$/
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/
const LIST_ITEM = /^(\s*)([-*+]|\d+[.)])(\s+)\S/
const SHELL_LANGS = new Set(['shell', 'bash', 'sh', 'console', 'zsh'])

const indentOf = (l: string): number => l.length - l.trimStart().length

/** Lines of the tabs not chosen, and the tab shortcode lines themselves: read as blank. A `tab` no tab of the page is named is exit 2, naming the page's tabs. */
function hiddenTabLines(file: string, lines: readonly string[], tab: string | undefined): Set<number> {
  const hidden = new Set<number>()
  const names = new Set<string>()
  let i = 0
  while (i < lines.length) {
    const open = tabShortcode(lines[i] as string)
    if (!open || open.kind !== 'tabs' || open.closing) {
      i++
      continue
    }
    const tabs: { name: string; from: number; to: number }[] = []
    let j = i + 1
    for (; j < lines.length; j++) {
      const t = tabShortcode(lines[j] as string)
      if (t?.kind === 'tabs' && t.closing) break
      if (t?.kind === 'tab' && !t.closing) tabs.push({ name: t.name ?? '', from: j + 1, to: j + 1 })
      else if (t?.kind === 'tab' && t.closing) {
        const last = tabs.at(-1)
        if (last) last.to = j
      } else if (tabs.length > 0 && !t) (tabs.at(-1) as { to: number }).to = j + 1
    }
    const holdsShell = (t: { from: number; to: number }): boolean =>
      lines.slice(t.from, t.to).some((l) => SHELL_LANGS.has((FENCE.exec(l)?.[3] ?? '').split(/[\s{,]/)[0]?.toLowerCase() ?? ''))
    for (const t of tabs) names.add(t.name)
    const chosen = (tab !== undefined ? tabs.find((t) => t.name.toLowerCase() === tab.toLowerCase()) : undefined) ?? tabs.find(holdsShell) ?? tabs[0]
    for (let k = i; k <= Math.min(j, lines.length - 1); k++) if (!chosen || k < chosen.from || k >= chosen.to) hidden.add(k)
    i = j + 1
  }
  if (tab !== undefined && ![...names].some((n) => n.toLowerCase() === tab.toLowerCase()))
    throw new UsageError(
      names.size === 0
        ? `--tab ${tab}: ${file} has no tabs.`
        : `--tab ${tab}: ${file} has no tab of that name (its tabs: ${[...names].map((n) => JSON.stringify(n)).join(', ')}).`,
    )
  return hidden
}

/** Splits a docs page into blocks; `file` names it in errors. */
export function docsBlocks(file: string, source: string, opts: { tab?: string } = {}): DocsBlocks {
  const lines = source.replace(/\r\n?/g, '\n').split('\n')
  const out: DocsBlocks = { blocks: [] }
  let i = 0
  if (lines[0]?.trim() === '---') {
    const end = lines.findIndex((l, j) => j > 0 && l.trim() === '---')
    if (end < 0) throw new WalkthroughError(`${file}:1: the front matter that starts here is never closed with a line '---'.`)
    out.frontMatter = { text: lines.slice(1, end).join('\n'), line: 2 }
    i = end + 1
  }
  const hidden = hiddenTabLines(file, lines, opts.tab)
  let prose: { kind: 'prose'; text: string; line: number } | undefined
  const endProse = (): void => {
    if (prose && prose.text.trim() !== '') out.blocks.push({ ...prose, text: prose.text.replace(/\n+$/, '') })
    prose = undefined
  }
  // The column a list item's text starts at; code indented four past it is a block.
  let listColumn = 0
  let blankBefore = true
  while (i < lines.length) {
    const raw = lines[i] as string
    // An HTML comment on a line of its own (`<!-- steps -->`) is Hugo's, not the reader's.
    const line = hidden.has(i) || /^\s*<!--.*-->\s*$/.test(raw) ? '' : raw
    const fence = FENCE.exec(line)
    if (fence && !(fence[2]?.startsWith('`') && fence[3]?.includes('`'))) {
      endProse()
      const indent = fence[1]?.length ?? 0
      const mark = fence[2] as string
      const info = (fence[3] ?? '').trim()
      const close = new RegExp(`^ *${mark[0] === '`' ? '`' : '~'}{${mark.length},}\\s*$`)
      const body: string[] = []
      let j = i + 1
      while (j < lines.length && !close.test(lines[j] as string)) {
        const l = lines[j] as string
        body.push(l.slice(Math.min(indent, indentOf(l))))
        j++
      }
      out.blocks.push({
        kind: 'code',
        lang: (info.split(/[\s{,]/)[0] ?? '').toLowerCase(),
        info,
        text: body.join('\n'),
        line: i + 1,
        body: i + 2,
        indented: false,
      })
      i = j + 1
      blankBefore = false
      continue
    }
    if (line.trim() === '') {
      endProse()
      blankBefore = true
      i++
      continue
    }
    const indent = indentOf(line)
    if (blankBefore && indent >= listColumn + 4 && !prose) {
      // An indented code block: up to the first line, after any blank ones, indented less.
      let j = i
      while (j < lines.length && ((lines[j] as string).trim() === '' || indentOf(lines[j] as string) >= listColumn + 4) && !hidden.has(j)) j++
      while (j > i && (lines[j - 1] as string).trim() === '') j--
      const body = lines.slice(i, j)
      const cut = Math.min(...body.filter((l) => l.trim() !== '').map(indentOf))
      out.blocks.push({
        kind: 'code',
        lang: '',
        info: '',
        text: body.map((l) => l.slice(Math.min(cut, indentOf(l)))).join('\n'),
        line: i + 1,
        body: i + 1,
        indented: true,
      })
      i = j
      blankBefore = false
      continue
    }
    const example = exampleRef(line)
    if (example) {
      endProse()
      out.blocks.push({ kind: 'example', line: i + 1, ...example })
      i++
      blankBefore = false
      continue
    }
    const item = LIST_ITEM.exec(line)
    if (item) listColumn = (item[1] as string).length + (item[2] as string).length + Math.min((item[3] as string).length, 4)
    else if (indent === 0 && blankBefore) listColumn = 0
    const text = renderShortcodes(line)
    const heading = HEADING.exec(text)
    if (heading && indent <= 3) {
      endProse()
      const title = (heading[2] ?? '').replace(/\s*\{#[\w-]+\}\s*$/, '')
      if (title !== '') out.blocks.push({ kind: 'heading', depth: heading[1]?.length ?? 1, text: title, line: i + 1 })
    } else if (text.trim() !== '') {
      if (prose) prose.text += `\n${text}`
      else prose = { kind: 'prose', text, line: i + 1 }
    } else endProse()
    blankBefore = false
    i++
  }
  endProse()
  return out
}
