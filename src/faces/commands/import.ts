// kubewalk import SOURCE [--out PATH] [--typed]: an article (Markdown, or text pasted from a blog) → a Markdown
// walkthrough, or with --typed a folder: index.ts and one step file per command.
import type { CommandContext } from '../context.js'
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { EXIT, parse } from '../args.js'
import { IMPORT_FLAGS } from './flags.js'
import { UsageError, WalkthroughError } from '../../core/errors.js'
import { examplesFolder } from '../../sources/load/examples.js'

export async function cmdImport(args: string[], cx: CommandContext): Promise<number> {
  const { values, positionals } = parse(args, IMPORT_FLAGS)
  const [source, ...extra] = positionals
  if (source === undefined) throw new UsageError('import needs the article: kubewalk import SOURCE [--out PATH] [--typed].')
  if (extra.length > 0) throw new UsageError(`import takes one SOURCE, got also ${extra[0]}.`)
  if (values.typed && values.out === undefined) throw new UsageError('import --typed writes a folder: give it with --out DIR.')
  let text: string
  try {
    text = await readFile(source, 'utf8')
  } catch (e) {
    throw new UsageError(`${source}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}.`)
  }
  // Loaded only for this command: nothing else pays for the importer.
  const { readArticle, toMarkdown, toTypedFolder } = await import('../../sources/markdown/import.js')
  const { slug } = await import('../../sources/markdown/compile.js')
  const { isDocsPage } = await import('../../sources/docs/frontmatter.js')
  const examplesDir = values.examples !== undefined ? examplesFolder(values.examples) : undefined
  if (values.tab !== undefined && !isDocsPage(text))
    throw new UsageError(`--tab ${values.tab} chooses a tab of a Kubernetes docs page; ${source} is not one (no Hugo front matter and shortcodes).`)
  // A kubernetes.io page is read in its own dialect: its example files, tabs, outputs and container prompts.
  const docs = isDocsPage(text)
  const article = docs
    ? (await import('../../sources/docs/import.js')).readDocsArticle(source, text, {
        ...(examplesDir !== undefined ? { examplesDir } : {}),
        ...(values.tab !== undefined ? { tab: values.tab } : {}),
      })
    : readArticle(source, text)
  if (article.steps.length === 0)
    throw new WalkthroughError(`${source}: no command found: neither a fenced shell block nor a line after a shell prompt ($ , user@host:~$ ).`)
  const name = basename(source).replace(/\.[^.]+$/, '')
  const title =
    article.title ??
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '' && !l.startsWith('---')) ??
    name
  // A docs page is named by its title, as when it is run (its file is often index.md or page.md).
  const meta = { id: (docs && article.title !== undefined ? slug(article.title) : slug(name)) || 'imported', title, source }
  const chosen =
    Object.keys(article.choose).length > 0
      ? `; values to choose: ${Object.keys(article.choose)
          .map((n) => `--set ${n}=VALUE`)
          .join(' ')}`
      : ''
  // A typed step has no container to run in: such a line would run on this machine.
  const inContainer = article.steps.find((s) => s.container !== undefined)
  if (values.typed && inContainer !== undefined)
    throw new UsageError(
      `import --typed: ${source} has lines typed inside Pod ${inContainer.container?.pod}'s container (${inContainer.command.split('\n')[0]}), which a typed step cannot hold; import it as Markdown (drop --typed).`,
    )
  if (values.typed && values.out !== undefined) {
    const files = toTypedFolder(article, meta)
    if (!values.force && existsSync(join(values.out, 'index.ts')))
      throw new UsageError(`--out ${values.out}: the folder has an index.ts already; remove it or add --force.`)
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(values.out, path)), { recursive: true })
      await writeFile(join(values.out, path), content)
    }
    cx.io.stderr(
      `kubewalk: wrote ${values.out}: index.ts and ${article.steps.length} step files${chosen}; run it with kubewalk run --walkthrough ${values.out.includes('/') ? values.out : `./${values.out}`}.\n`,
    )
    return EXIT.ok
  }
  const markdown = toMarkdown(article, meta)
  if (values.out === undefined) {
    cx.io.stdout(markdown)
    return EXIT.ok
  }
  try {
    await writeFile(values.out, markdown, { flag: values.force ? 'w' : 'wx' })
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`--out ${values.out}: the file exists; remove it or add --force.`)
    throw e
  }
  cx.io.stderr(`kubewalk: wrote ${values.out}: ${article.steps.length} steps${chosen}.\n`)
  return EXIT.ok
}
