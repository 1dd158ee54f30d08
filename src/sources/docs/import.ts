// `kubewalk import` of a Kubernetes docs page: the page as read (read.ts) → an imported article, in the
// page's order. Host lines are steps with their outputs as recordings; lines typed after a container
// prompt are steps run in that Pod's container; the `kubectl exec -it` that opens that shell, example
// files, manifests and blocks only shown stay in the prose (a file as a `file` block, written when a
// line names it). The title and `min-kubernetes-server-version` are kept.
import { finish, type ImportedArticle, type ImportedStep } from '../markdown/import.js'
import { equivalentFormReason, equivalentForms } from '../markdown/steps.js'
import { findExamplesDir } from './examples.js'
import { alone, where } from './markdown.js'
import { readDocsPage, type DocsCommand, type DocsOptions } from './read.js'

const fence = (lang: string, text: string): string => {
  const mark = '`'.repeat(Math.max(3, ...[...text.matchAll(/`{3,}/g)].map((m) => m[0].length + 1)))
  return `${mark}${lang}\n${text}\n${mark}`
}
const inline = (text: string): string => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``)

/** A docs page `source` read for import; `file` names it, and the examples folder is found above it unless given. */
export function readDocsArticle(file: string, source: string, opts: DocsOptions = {}): ImportedArticle {
  const examplesDir = opts.examplesDir ?? findExamplesDir(file)
  const page = readDocsPage(file, source, { ...opts, ...(examplesDir !== undefined ? { examplesDir } : {}) })
  const steps: (ImportedStep & { templates: string[] })[] = []
  let prose: string[] = []
  // A block whose commands the paragraph right before it offers as equivalent forms: a reader runs the first.
  let lastProse = ''
  let offered: { block: number; reason: string } | undefined
  // The command before, while nothing else has come since.
  let last: DocsCommand | undefined
  for (const item of page.items) {
    if (item.kind !== 'command') last = undefined
    const before = lastProse
    lastProse = item.kind === 'prose' ? item.text : ''
    switch (item.kind) {
      case 'heading':
        prose.push(`${'#'.repeat(Math.max(2, item.depth))} ${item.text}`)
        break
      case 'prose':
        prose.push(item.text)
        break
      case 'shown':
        // Shown to be read (a fragment, a Dockerfile): never a step nor an output when the Markdown is read back.
        prose.push(`<!-- kubewalk: skip -->\n\n${fence(item.lang, item.text)}`)
        break
      case 'file':
        if (item.content === undefined) prose.push(`(The example file ${item.name ?? ''} is not in the examples folder.)`)
        else {
          const lang = item.language ?? (/\.json$/.test(item.name ?? '') ? 'json' : 'yaml')
          // Named: written into the run's folder before the first line that names it, as when the page is run.
          if (item.name !== undefined) prose.push(`<!-- kubewalk: file ${item.name} -->`)
          prose.push(fence(lang, item.content.replace(/\n$/, '')))
        }
        break
      case 'command': {
        const shell = item.container?.shell
        if (item.opens !== undefined || (item.container !== undefined && shell === undefined)) {
          // The shell this line opens is the session kubewalk runs the container's lines in; a prompt no line opened is not run.
          const where = item.opens
            ? `a shell in Pod ${item.opens.pod}${item.opens.container ? ` (container ${item.opens.container})` : ''}`
            : undefined
          prose.push(
            where
              ? `${inline(item.text)} opens ${where}; the lines typed there follow.`
              : `Typed at a container prompt no line opened: ${inline(item.text)}`,
          )
          last = undefined
          break
        }
        // The lines of one block with no output between them are one step, as when the page is run (markdown.ts): the
        // output the page shows after the last is what they all print.
        const open = steps.at(-1)
        if (
          open !== undefined &&
          last !== undefined &&
          last.block === item.block &&
          last.output === undefined &&
          prose.length === 0 &&
          offered?.block !== item.block &&
          where(last) === where(item) &&
          !alone(last) &&
          !alone(item) &&
          !(last.background || last.longRunning || item.background || item.longRunning)
        ) {
          open.command = `${open.command}\n${item.comment !== undefined ? `# ${item.comment}\n` : ''}${item.text}`
          if (item.output !== undefined) open.recording = item.output.text
          last = item
          break
        }
        last = item
        const step: ImportedStep & { templates: string[] } = { command: item.text, prose: prose.join('\n\n'), templates: [] }
        prose = []
        if (item.comment !== undefined) step.title = item.comment
        if (item.output !== undefined) step.recording = item.output.text
        if (shell !== undefined) step.container = shell.container !== undefined ? { pod: shell.pod, container: shell.container } : { pod: shell.pod }
        if (item.longRunning || item.background) step.background = true
        if (offered?.block === item.block) step.manual = offered.reason
        else {
          const words = equivalentForms(before)
          offered = words !== undefined ? { block: item.block, reason: equivalentFormReason(steps.length + 1, words) } : undefined
        }
        steps.push(step)
        break
      }
    }
  }
  const article = finish(page.title, '', steps)
  if (prose.length > 0) article.epilogue = prose.join('\n\n')
  if (page.requires !== undefined) article.requires = { kubernetes: page.requires.kubernetes }
  return article
}
