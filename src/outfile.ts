// Files kubewalk writes on request (--out, --transcript): checked before the run, so a typo costs
// nothing on the cluster; a regular file is replaced whole (temporary file, then rename), so a
// failed write leaves it as it was, never half-written.
import { accessSync, constants, realpathSync, rmSync, statSync } from 'node:fs'
import { chmod, open, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { UsageError } from './errors.js'

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

/** Writes TEXT to FILE: a regular file whole or not at all, keeping its mode; anything else in place. */
export async function writeWhole(file: string, text: string): Promise<void> {
  const path = target(file)
  const existing = await stat(path).catch(() => undefined)
  if (existing && !existing.isFile()) return writeFile(path, text)
  const temp = `${path}.kubewalk-${process.pid}.tmp`
  // A Ctrl-C that leaves at once (process.exit) takes the temporary file with it.
  const onExit = (): void => rmSync(temp, { force: true })
  try {
    // 'wx': never through something already at the temporary name.
    const handle = await open(temp, 'wx', existing ? existing.mode & 0o7777 : 0o666)
    process.once('exit', onExit)
    try {
      await handle.writeFile(text)
    } finally {
      await handle.close()
    }
    if (existing) await chmod(temp, existing.mode & 0o7777)
    await rename(temp, path)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') await rm(temp, { force: true })
    throw e
  } finally {
    process.off('exit', onExit)
  }
}
