// Files shipped at the package root (a walkthrough's prose and recordings, the vendored esbuild). Code runs from src/,
// dist/src/ or dist/bundle/, at any depth: the root is the nearest folder up whose package.json is kubewalk's.
import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let root: string | undefined

/** `${XDG_CACHE_HOME:-~/.cache}/kubewalk`: what kubewalk keeps between runs (lab builds, images, kubectl versions, rendered prose). */
export function kubewalkCacheDir(env: Record<string, string | undefined> = process.env): string {
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'kubewalk')
}

export function packageRoot(): string {
  if (root !== undefined) return root
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'kubewalk') return (root = dir)
    if (dirname(dir) === dir) throw new Error('the kubewalk package root (its package.json) is missing')
  }
}

export function packagePath(rel: string): string {
  const p = join(packageRoot(), rel)
  if (!existsSync(p)) throw new Error(`${rel} is missing from the kubewalk package`)
  return p
}
