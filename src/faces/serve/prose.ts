// The notebook's prose as HTML, remembered on disk. marked's first parse in a process costs 30-60 ms (its
// regular expressions compile on first use), most of what serving the page takes; the same prose rendered by
// the same rules and marked version is read back in about a millisecond on every later start.
import { createHash } from 'node:crypto'
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import type { Walkthrough } from '../../core/walkthrough.js'
import { kubewalkCacheDir } from '../../platform/paths.js'
import { RENDERING_RULES, markdownHtml } from '../report/html.js'

/** The prose of each step (by step id) as the page shows it. */
export type ProseHtml = ReadonlyMap<string, string>

// How many rendered walkthroughs are kept: an author editing prose makes a new one per edit.
const KEEP = 50

// The walkthrough's own links lead away from the page: a new tab, so the notebook (and its session) stays open.
const newTab = (html: string): string => html.replace(/<a href=/g, '<a target="_blank" rel="noopener noreferrer" href=')

/** One section's Markdown as the notebook shows it. */
export const sectionHtml = (markdown: string): string => newTab(markdownHtml(markdown))

let markedVersion: string | undefined
function markedVersionOf(): string {
  markedVersion ??= (createRequire(import.meta.url)('marked/package.json') as { version: string }).version
  return markedVersion
}

/** `${XDG_CACHE_HOME:-~/.cache}/kubewalk/prose`. */
export function proseCacheDir(env: Record<string, string | undefined> = process.env): string {
  return join(kubewalkCacheDir(env), 'prose')
}

/**
 * Each step's prose as HTML: from the cache when the same Markdown was rendered by the same rules before, else
 * rendered (after the current turn of the event loop, so a server that asks for it before it listens is not held
 * up) and kept for the next start. A cache that cannot be read or written only costs the rendering.
 */
export async function proseHtml(w: Walkthrough, env: Record<string, string | undefined> = process.env): Promise<ProseHtml> {
  const sections = (w.prose?.() ?? []).flatMap((s) => (s.explanation ? [[s.id, s.explanation] as const] : []))
  if (sections.length === 0) return new Map()
  const key = createHash('sha256')
    .update(JSON.stringify([markedVersionOf(), RENDERING_RULES, String(newTab), sections]))
    .digest('hex')
    .slice(0, 32)
  const dir = proseCacheDir(env)
  const file = join(dir, `${key}.json`)
  const cached = (await ownedByUs(dir, file))
    ? await readFile(file, 'utf8')
        .then((t) => new Map(Object.entries(JSON.parse(t) as Record<string, string>)))
        .catch(() => undefined)
    : undefined
  if (cached !== undefined && sections.every(([id]) => typeof cached.get(id) === 'string')) return cached
  await new Promise((resolve) => setImmediate(resolve))
  const html = new Map(sections.map(([id, markdown]) => [id, sectionHtml(markdown)]))
  await keep(dir, file, html).catch(() => undefined)
  return html
}

// The page shows the cached HTML as it is: only a file and folder this user owns and no one else may write are read.
async function ownedByUs(dir: string, file: string): Promise<boolean> {
  const uid = process.getuid?.()
  const safe = async (path: string): Promise<boolean> => {
    const st = await stat(path).catch(() => undefined)
    return st !== undefined && (uid === undefined || st.uid === uid) && (st.mode & 0o022) === 0
  }
  return (await safe(dir)) && (await safe(file))
}

// Written whole (a temporary file renamed), so a concurrent start never reads half of it; the oldest beyond KEEP go.
async function keep(dir: string, file: string, html: Map<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const tmp = `${file}.${process.pid}`
  await writeFile(tmp, JSON.stringify(Object.fromEntries(html)), { mode: 0o600 })
  await rename(tmp, file)
  const names = (await readdir(dir)).filter((n) => /^[0-9a-f]{32}\.json$/.test(n))
  if (names.length <= KEEP) return
  const dated = await Promise.all(names.map(async (n) => ({ n, at: (await stat(join(dir, n)).catch(() => undefined))?.mtimeMs ?? 0 })))
  dated.sort((a, b) => b.at - a.at)
  await Promise.all(dated.slice(KEEP).map(({ n }) => rm(join(dir, n), { force: true })))
}
