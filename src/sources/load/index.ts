// --walkthrough VALUE → a Walkthrough: an id from the registry, a folder whose index exports one, or a
// Markdown file. Nothing else knows where a walkthrough came from (originOf says it, for messages).
import { resolve } from 'node:path'
import { UsageError, WalkthroughError } from '../../core/errors.js'
import { defineWalkthrough, type Walkthrough, type WalkthroughEntry } from '../../core/walkthrough.js'
import { isWalkthroughPath, recordOrigin } from './origin.js'

export { originOf, walkthroughRef } from './origin.js'

/** Loads the walkthrough VALUE names (default: the registry's first); unknown ids, bad paths and broken walkthroughs are exit 2. */
export async function loadWalkthrough(
  entries: readonly WalkthroughEntry[],
  value: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<Walkthrough> {
  if (value !== undefined && value !== '' && isWalkthroughPath(value)) return loadPath(value, env)
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

async function loadPath(value: string, env: Readonly<Record<string, string | undefined>>): Promise<Walkthrough> {
  const path = resolve(value)
  if (/\.md$/i.test(value)) {
    const { loadMarkdownWalkthrough } = await import('../markdown/index.js')
    return recordOrigin(await loadMarkdownWalkthrough(path), { kind: 'markdown', path: value })
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
