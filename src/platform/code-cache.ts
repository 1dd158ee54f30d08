// Runs the CLI's CommonJS bundle compiled with a V8 code cache. Node 20 keeps no compile cache for ES modules, so
// every start parsed and compiled the whole CLI again (~40 ms of a run's main thread); a script compiled through
// vm.Script takes V8's cached data instead. The cache is made after the first command (so it holds what that command
// compiled), made once more after the first command that replays a walkthrough if the first did not (a cache made by
// `--help` lacks most of a run: 18 ms of it, measured), and kept under kubewalk's cache folder, keyed by the bundle's
// bytes, Node's version and flags: V8 checks only a source's length, so a key of anything less could run another
// build's code.
import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import vm from 'node:vm'
import { kubewalkCacheDir } from './paths.js'

/** What became of the cache: `used` (V8 took it), `made` (none yet, or V8 refused it), `off` (KUBEWALK_CODE_CACHE=off). */
export type CodeCacheState = 'used' | 'made' | 'off'

export interface LoadedBundle {
  /** The bundle's `module.exports`. */
  exports: Record<string, unknown>
  state: CodeCacheState
  /**
   * Writes the cache when there was none or V8 refused it, or when this command replayed a walkthrough (`replayed`)
   * and the cache was made by one that did not. Call it once the command has run. Never throws.
   */
  saveCache(replayed: boolean): void
}

/** Where the caches live: `${XDG_CACHE_HOME:-~/.cache}/kubewalk/code`, or undefined when `KUBEWALK_CODE_CACHE=off`. */
export function codeCacheDir(env: Record<string, string | undefined> = process.env): string | undefined {
  return env.KUBEWALK_CODE_CACHE === 'off' ? undefined : join(kubewalkCacheDir(env), 'code')
}

/** Caches kept besides the one written (other builds, other Node versions), newest first. */
const KEEP = 8

/** Runs the CommonJS bundle at `file` (ASCII, as esbuild writes it) as Node's loader would, with a code cache in `cacheDir`. */
export function loadBundle(file: string, cacheDir: string | undefined): LoadedBundle {
  // latin1: a one-byte string, read without UTF-8 decoding (the bundle is ASCII).
  const bytes = readFileSync(file)
  const source = bytes.toString('latin1')
  const key = cacheDir === undefined ? undefined : join(cacheDir, cacheKey(bytes))
  // A cache made by a command that replayed a walkthrough, else one made by any other.
  const full = readCache(key && `${key}.v8`)
  const cachedData = full ?? readCache(key && `${key}.partial.v8`)
  // No import() in the bundle: Node 20 drops a script's import() callback when the script comes from a code cache
  // ("A dynamic import callback was not specified"); the bundle imports through a module of its own instead.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    ...(cachedData === undefined ? {} : { cachedData }),
  })
  const state: CodeCacheState = key === undefined ? 'off' : cachedData !== undefined && !script.cachedDataRejected ? 'used' : 'made'
  const module = { exports: {} as Record<string, unknown> }
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dirname(file))
  let saved = false
  return {
    exports: module.exports,
    state,
    saveCache(replayed) {
      if (saved || key === undefined || (state === 'used' && (full !== undefined || !replayed))) return
      saved = true
      writeCache(replayed ? `${key}.v8` : `${key}.partial.v8`, script.createCachedData())
      // The partial one is superseded; a full one V8 refused would be read, and refused, at every start.
      if (replayed) removeFile(`${key}.partial.v8`)
      else if (full !== undefined) removeFile(`${key}.v8`)
    },
  }
}

/** The bundle's bytes, Node's version and architecture, and the flags V8 was started with (a cache made under other flags is refused). */
function cacheKey(bytes: Buffer): string {
  return createHash('sha1')
    .update(bytes)
    .update(`\0${process.version}\0${process.arch}\0${process.execArgv.join(' ')}\0${process.env.NODE_OPTIONS ?? ''}`)
    .digest('hex')
}

function readCache(file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined
  try {
    return readFileSync(file)
  } catch {
    return undefined
  }
}

/** Written whole or not at all (a temporary file renamed), so a run beside it never reads half a cache; old ones pruned. */
function writeCache(file: string, data: Buffer): void {
  const dir = dirname(file)
  const temporary = `${file}.${process.pid}.tmp`
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    writeFileSync(temporary, data, { mode: 0o600 })
    renameSync(temporary, file)
    prune(dir, file)
  } catch {
    // A cache that cannot be written (read-only home, full disk) only costs the next start its compile.
    removeFile(temporary)
  }
}

function removeFile(file: string): void {
  try {
    rmSync(file, { force: true })
  } catch {
    // no folder to remove it from
  }
}

function prune(dir: string, kept: string): void {
  const others = readdirSync(dir)
    .filter((name) => name.endsWith('.v8') && join(dir, name) !== kept)
    .map((name) => ({ path: join(dir, name), time: statSync(join(dir, name)).mtimeMs }))
    .sort((a, b) => b.time - a.time)
  for (const old of others.slice(KEEP - 1)) removeFile(old.path)
}
