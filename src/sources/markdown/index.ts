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
  const docsOpts = {
    ...(opts.examplesDir !== undefined ? { examplesDir: opts.examplesDir } : {}),
    ...(opts.tab !== undefined ? { tab: opts.tab } : {}),
  }
  // A kubernetes.io page (Hugo front matter and shortcodes) is read in its own dialect.
  let docs = isDocsPage(source) ? docsMarkdown(file, source, docsOpts) : undefined
  let doc = docs?.doc ?? parseMarkdown(file, source)
  let fm = docs?.frontMatter ?? (doc.frontMatter ? parseFrontMatter(file, doc.frontMatter.text, doc.frontMatter.line) : { secrets: [], choose: {} })
  let drafts = draftSteps(doc, { splitAll: fm.split === 'comments' })
  // A tutorial from elsewhere whose commands sit in untagged fences (a workshop's labs) has no step in
  // kubewalk's own Markdown, which runs only tagged blocks: the docs dialect, which tells commands from
  // output by their shape, reads it as a reader would.
  if (docs === undefined && doc.frontMatter === undefined && drafts.length === 0) {
    docs = docsMarkdown(file, source, docsOpts)
    doc = docs.doc
    fm = docs.frontMatter
    drafts = draftSteps(doc)
  }
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
