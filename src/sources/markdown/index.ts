// A Markdown file as a walkthrough: parse → front matter → draft steps → the engine's Walkthrough value.
// Loaded only when a .md path is given, so other runs never pay for it.
import { readFile } from 'node:fs/promises'
import { UsageError } from '../../core/errors.js'
import type { Walkthrough } from '../../core/walkthrough.js'
import { compileWalkthrough } from './compile.js'
import { parseFrontMatter } from './frontmatter.js'
import { parseMarkdown } from './parse.js'
import { draftSteps } from './steps.js'
import { isDocsPage } from '../docs/frontmatter.js'
import { docsMarkdown } from '../docs/markdown.js'

/** The walkthrough `source` (Markdown text) makes; `file` names it in errors. `recordings: false` leaves out its recorded outputs (for `kubewalk record`, which replaces them). */
export function markdownWalkthrough(
  file: string,
  source: string,
  opts: { recordings?: boolean; examplesDir?: string; tab?: string } = {},
): Walkthrough {
  // A kubernetes.io page (Hugo front matter and shortcodes) is read in its own dialect.
  if (opts.tab !== undefined && !isDocsPage(source))
    throw new UsageError(`--tab ${opts.tab} chooses a tab of a Kubernetes docs page; ${file} is a Markdown walkthrough without Hugo tabs.`)
  const docs = isDocsPage(source)
    ? docsMarkdown(file, source, {
        ...(opts.examplesDir !== undefined ? { examplesDir: opts.examplesDir } : {}),
        ...(opts.tab !== undefined ? { tab: opts.tab } : {}),
      })
    : undefined
  const doc = docs?.doc ?? parseMarkdown(file, source)
  const fm = docs?.frontMatter ?? (doc.frontMatter ? parseFrontMatter(file, doc.frontMatter.text, doc.frontMatter.line) : { secrets: [], choose: {} })
  const drafts = draftSteps(doc, { splitAll: fm.split === 'comments' })
  if (opts.recordings === false) for (const d of drafts) delete d.recording
  return compileWalkthrough(file, fm, drafts)
}

/** Reads and compiles a Markdown walkthrough; a missing file or a broken one is exit 2, naming it. `examplesDir` and `tab` are for a Kubernetes docs page. */
export async function loadMarkdownWalkthrough(file: string, opts: { examplesDir?: string; tab?: string } = {}): Promise<Walkthrough> {
  let source: string
  try {
    source = await readFile(file, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new UsageError(
      `${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a folder, not a Markdown file' : (e as Error).message}.`,
    )
  }
  return markdownWalkthrough(file, source, opts)
}
