// Files kubewalk writes on request (--out, --transcript): checked before the run, so a typo costs
// nothing on the cluster; a regular file is replaced whole (temporary file, then rename), so a
// failed write leaves it as it was, never half-written.
import { accessSync, constants, realpathSync, rmSync, statSync } from 'node:fs'
import { chmod, open, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { UsageError } from '../core/errors.js'

/** FILE with its symlinks followed (as far as they lead), so a link is written through, not replaced. */
function target(file: string): string {
  try {
    return realpathSync(file)
  } catch {
    return resolve(file)
  }
}

/** Throws a one-line UsageError unless FILE can be written. */
export function checkOutputFile(flag: string, file: string): void {
  if (file === '') throw new UsageError(`${flag} needs a file name.`)
  const path = target(file)
  const existing = statSync(path, { throwIfNoEntry: false })
  if (existing?.isDirectory() || /[/\\]$/.test(file)) throw new UsageError(`${flag} ${file} is a directory; give a file name.`)
  // A pipe or device (/dev/stdout) is written in place, so it only has to be writable itself.
  if (existing && !existing.isFile()) return access(flag, file, path, 'the file')
  const dir = dirname(path)
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`${flag} ${file}: the directory ${dir} does not exist.`)
  // The temporary file and the rename need the directory, whatever the file's own mode.
  access(flag, file, dir, `the directory ${dir}`)
}

function access(flag: string, file: string, path: string, what: string): void {
  try {
    accessSync(path, constants.W_OK)
  } catch {
    throw new UsageError(`${flag} ${file}: ${what} is not writable.`)
  }
}

/** Whether two output options would write to one file. */
export const sameFile = (a: string, b: string): boolean => target(a) === target(b)

/** How writeWhole writes. */
export interface WriteOptions {
  /** The text holds unmasked secrets (--show-secrets): a new file is created 0600, a wider existing mode is reported. */
  secret?: boolean
}

/** What writeWhole has to tell the user. */
export interface WriteResult {
  /** One sentence: the file keeps a mode that lets others read the secrets it now holds. */
  warning?: string
}

/**
 * Writes TEXT to FILE: a regular file whole or not at all, keeping its mode; anything else in place.
 * With `secret`, a new file gets mode 0600; an existing one keeps its mode, with a warning when
 * others may read it.
 */
export async function writeWhole(file: string, text: string, opts: WriteOptions = {}): Promise<WriteResult> {
  const path = target(file)
  const existing = await stat(path).catch(() => undefined)
  if (existing && !existing.isFile()) {
    await writeFile(path, text)
    return {}
  }
  const mode = existing ? existing.mode & 0o7777 : opts.secret ? 0o600 : 0o666
  const temp = `${path}.kubewalk-${process.pid}.tmp`
  // A Ctrl-C that leaves at once (process.exit) takes the temporary file with it.
  const onExit = (): void => rmSync(temp, { force: true })
  try {
    // 'wx': never through something already at the temporary name; a secret one is never wider than 0600.
    const handle = await open(temp, 'wx', mode)
    process.once('exit', onExit)
    try {
      await handle.writeFile(text)
    } finally {
      await handle.close()
    }
    if (existing) await chmod(temp, mode)
    await rename(temp, path)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') await rm(temp, { force: true })
    throw e
  } finally {
    process.off('exit', onExit)
  }
  if (opts.secret && existing && (mode & 0o077) !== 0) {
    return {
      warning: `${file} holds unmasked secrets (--show-secrets) and its mode ${(mode & 0o777).toString(8).padStart(4, '0')} lets others read it; run chmod 600 ${file}.`,
    }
  }
  return {}
}
