// A read docs page → the blocks the Markdown walkthrough compiler takes (src/markdown/steps.ts), with
// the page's own line numbers: commands as bash blocks, each output right after its command, example
// files as file blocks (written when a line names them), lines that keep running as background lines,
// lines typed inside a container as blocks annotated `in POD [container C]` (the runner's session there
// runs them; the `kubectl exec -it` that opens the shell stays prose), lines that want a terminal as
// interactive.ts decides. A container prompt no line opened a shell for is refused: never run on the host.
import { WalkthroughError } from '../../core/errors.js'
import type { FrontMatter } from '../markdown/frontmatter.js'
import type { Block, MarkdownDoc } from '../markdown/parse.js'
import { slug } from '../markdown/compile.js'
import { unnamedNote } from '../markdown/steps.js'
import { isWatch } from '../markdown/watch.js'
import { findExamplesDir } from './examples.js'
import { detachedRun, unattended } from './interactive.js'
import { readDocsPage, type DocsCommand, type DocsOptions, type DocsPage } from './read.js'

const fence = (lang: string, text: string): string => `\`\`\`${lang}\n${text}\n\`\`\``
export const where = (c: DocsCommand): string => (c.container?.shell ? `${c.container.shell.pod}\0${c.container.shell.container ?? ''}` : '')
// Alone in its step: `exit` ends the container's session, an interactive line is rewritten or skipped.
export const alone = (c: DocsCommand): boolean => unattended(c.text) !== undefined || (c.container !== undefined && /^exit\b/.test(c.text.trim()))

/** The Markdown blocks of a read page. */
export function docsMarkdownDoc(page: DocsPage): MarkdownDoc {
  const blocks: Block[] = []
  let group: DocsCommand[] = []
  const flush = (): void => {
    const first = group[0]
    if (first === undefined) return
    // A line that keeps running runs in the background: the page's next lines need it up (a proxy, a port-forward).
    // A watch the page runs in this terminal is a bounded look (the compiler's), unless the page keeps it running.
    if (first.container === undefined && (first.background || (first.longRunning && !isWatch(first.text))))
      blocks.push({ kind: 'comment', text: 'kubewalk: background', line: first.line })
    const shell = first.container?.shell
    if (shell !== undefined)
      blocks.push({
        kind: 'comment',
        text: `kubewalk: in ${shell.pod}${shell.container !== undefined ? ` container ${shell.container}` : ''}`,
        line: first.line,
      })
    const how = group.length === 1 ? unattended(first.text) : undefined
    if (how !== undefined)
      blocks.push({ kind: 'comment', text: 'manual' in how ? `kubewalk: manual ${how.manual}` : `kubewalk: note ${how.note}`, line: first.line })
    // The commands where the block has them (blank lines kept), each after its comment.
    const top = first.line - (first.comment !== undefined ? 1 : 0)
    const text: string[] = []
    for (const c of group) {
      const at = c.line - top - (c.comment !== undefined ? 1 : 0)
      while (text.length < at) text.push('')
      if (c.comment !== undefined) text.push(`# ${c.comment}`)
      text.push(how !== undefined && 'run' in how ? how.run : c.text)
    }
    blocks.push({ kind: 'code', lang: 'bash', info: 'bash', text: text.join('\n'), line: top - 1 })
    const out = group.at(-1)?.output
    if (out !== undefined) blocks.push({ kind: 'code', lang: 'text', info: 'text', text: out.text, line: out.line - 1 })
    group = []
  }
  for (const item of page.items) {
    if (item.kind === 'command' && item.opens === undefined) {
      if (item.container !== undefined && item.container.shell === undefined)
        throw new WalkthroughError(
          `${page.file}:${item.line}: "${item.container.prompt ?? '#'} ${item.text.split('\n')[0]}" is typed at a container's prompt, but no line before it opens a shell in a container (kubectl exec -it POD -- sh): it has nowhere to run, and kubewalk never runs it on the host.`,
        )
      const last = group.at(-1)
      if (
        last !== undefined &&
        (last.block !== item.block ||
          last.output !== undefined ||
          where(last) !== where(item) ||
          alone(last) ||
          alone(item) ||
          item.background ||
          last.background ||
          item.longRunning ||
          last.longRunning)
      )
        flush()
      group.push(item)
      continue
    }
    flush()
    switch (item.kind) {
      case 'command': {
        // An interactive shell is no step to run unattended: the runner's session in that container is.
        const shell = item.opens ? `${item.opens.pod}${item.opens.container ? ` (container ${item.opens.container})` : ''}` : ''
        blocks.push({ kind: 'prose', text: `Opens a shell in Pod ${shell}:\n\n${fence('shell', item.text)}`, line: item.line })
        // `kubectl run -it`'s Pod does not exist yet: it is made with its shell waiting, for the session to open.
        const detached = detachedRun(item.text)
        if (detached !== undefined) {
          const note = `kubewalk: note run as a Pod whose shell waits (the page's \`kubectl run -it\` hands it to your terminal); the lines typed in it run in kubewalk's session there`
          blocks.push({ kind: 'comment', text: note, line: item.line })
          blocks.push({ kind: 'code', lang: 'bash', info: 'bash', text: detached, line: item.line - 1 })
        }
        break
      }
      case 'file':
        if (item.name !== undefined && item.content !== undefined) {
          blocks.push({ kind: 'comment', text: `kubewalk: file ${item.name}`, line: item.line })
          if (item.unnamed)
            blocks.push({
              kind: 'comment',
              text: `kubewalk: note ${unnamedNote(item.name)}`,
              line: item.line,
            })
          const lang = item.language ?? (/\.json$/.test(item.name) ? 'json' : 'yaml')
          blocks.push({ kind: 'code', lang, info: lang, text: item.content.replace(/\n$/, ''), line: item.line })
        } else if (item.content !== undefined)
          blocks.push({ kind: 'prose', text: fence(item.language ?? '', item.content.replace(/\n$/, '')), line: item.line })
        else blocks.push({ kind: 'prose', text: `(The example file ${item.name ?? ''} is not in the examples folder.)`, line: item.line })
        break
      case 'shown':
        blocks.push({ kind: 'prose', text: fence(item.lang, item.text), line: item.line })
        break
      default:
        blocks.push(item)
    }
  }
  flush()
  return { file: page.file, blocks }
}

/** A docs page as the Markdown compiler's input: its blocks, its front matter, and the page as read. */
export function docsMarkdown(file: string, source: string, opts: DocsOptions = {}): { doc: MarkdownDoc; frontMatter: FrontMatter; page: DocsPage } {
  const examplesDir = opts.examplesDir ?? findExamplesDir(file)
  const page = readDocsPage(file, source, { ...opts, ...(examplesDir !== undefined ? { examplesDir } : {}) })
  const frontMatter: FrontMatter = { secrets: [], choose: {} }
  if (page.title !== undefined) {
    frontMatter.title = page.title
    frontMatter.id = slug(page.title) || 'docs-page'
  }
  if (page.requires) frontMatter.requires = { kubernetes: page.requires.kubernetes }
  return { doc: docsMarkdownDoc(page), frontMatter, page }
}
