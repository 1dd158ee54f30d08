// --walkthrough VALUE → a Walkthrough: an id from the registry, a folder whose index exports one, or a
// Markdown file. Nothing else knows where a walkthrough came from (originOf says it, for messages).
import { resolve } from 'node:path'
import { UsageError, WalkthroughError } from '../../core/errors.js'
import { defineWalkthrough, type Walkthrough, type WalkthroughEntry } from '../../core/walkthrough.js'
import { examplesFolder, localExamples } from './examples.js'
import { isWalkthroughPath, originOf, recordOrigin } from './origin.js'

export { originOf, walkthroughRef } from './origin.js'

/** How to read the walkthrough's source: a folder of example files to read in place of kubernetes.io's (`--examples`), a docs page's tab (`--tab`). */
export interface SourceOptions {
  examples?: string | undefined
  tab?: string | undefined
}

/** Loads the walkthrough VALUE names (default: the registry's first); unknown ids, bad paths and broken walkthroughs are exit 2. */
export async function loadWalkthrough(
  entries: readonly WalkthroughEntry[],
  value: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
  opts: SourceOptions = {},
): Promise<Walkthrough> {
  // Checked first: a folder that is not there is the user's to fix before anything is read.
  const examples = opts.examples !== undefined ? examplesFolder(opts.examples) : undefined
  const w = await loadSource(entries, value, env, { ...opts, examples })
  if (examples === undefined) return w
  const local = localExamples(w, examples)
  return recordOrigin(local, originOf(w))
}

async function loadSource(
  entries: readonly WalkthroughEntry[],
  value: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  opts: SourceOptions,
): Promise<Walkthrough> {
  if (value !== undefined && value !== '' && isWalkthroughPath(value) && /\.md$/i.test(value)) return loadPath(value, env, opts)
  // Only a Kubernetes docs page has tabs to choose from.
  if (opts.tab !== undefined)
    throw new UsageError(
      `--tab ${opts.tab} chooses a tab of a Kubernetes docs page; walkthrough ${value ?? entries[0]?.id ?? ''} is not a Markdown file.`,
    )
  if (value !== undefined && value !== '' && isWalkthroughPath(value)) return loadPath(value, env, opts)
  const entry = value === undefined ? entries[0] : entries.find((e) => e.id === value)
  if (entry === undefined) {
    const known = entries.map((e) => e.id).join(', ')
    throw new UsageError(
      value === undefined || value === ''
        ? `--walkthrough needs an id (${known}) or a path.`
        : `--walkthrough ${value}: no such walkthrough (known: ${known}; a folder or a Markdown file is named by a path: ./${value}).`,
    )
  }
  try {
    return recordOrigin(await entry.load(), { kind: 'registry' })
  } catch (e) {
    // A step file that breaks the contract throws as it is imported: name the walkthrough it belongs to.
    if (e instanceof WalkthroughError)
      throw new WalkthroughError(e.message.startsWith(`walkthrough ${entry.id}:`) ? e.message : `walkthrough ${entry.id}: ${e.message}`, { cause: e })
    throw e
  }
}

async function loadPath(value: string, env: Readonly<Record<string, string | undefined>>, opts: SourceOptions): Promise<Walkthrough> {
  const path = resolve(value)
  if (/\.md$/i.test(value)) {
    const { loadMarkdownWalkthrough } = await import('../markdown/index.js')
    const md = await loadMarkdownWalkthrough(path, {
      ...(opts.examples !== undefined ? { examplesDir: opts.examples } : {}),
      ...(opts.tab !== undefined ? { tab: opts.tab } : {}),
    })
    return recordOrigin(md, { kind: 'markdown', path: value })
  }
  const { loadFolderWalkthrough } = await import('./folder.js')
  const w = await loadFolderWalkthrough(
    path,
    {
      kubewalk: { load: () => import('../../api.js'), light: () => import('../../authoring.js') },
      'kubewalk/testing': { load: () => import('../../testing/index.js') },
      'kubewalk/parse': { load: () => import('../../core/parse/index.js') },
    },
    env,
  )
  // Checked whole here too: an author may build the value without defineWalkthrough.
  try {
    defineWalkthrough(w)
  } catch (e) {
    throw new WalkthroughError(`${value}: ${(e as Error).message}`, { cause: e })
  }
  return recordOrigin(w, { kind: 'folder', path: value })
}
