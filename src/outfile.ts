// Files kubewalk writes on request (--out, --transcript): checked before the run, so a typo costs
// nothing on the cluster, and written whole or not at all.
import { accessSync, constants, statSync } from 'node:fs'
import { rename, rm, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { UsageError } from './errors.js'

/** Throws a one-line UsageError unless FILE can be written. */
export function checkOutputFile(flag: string, file: string): void {
  if (file === '') throw new UsageError(`${flag} needs a file name.`)
  const path = resolve(file)
  const stat = statSync(path, { throwIfNoEntry: false })
  if (stat?.isDirectory()) throw new UsageError(`${flag} ${file} is a directory; give a file name.`)
  const dir = dirname(path)
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`${flag} ${file}: the directory ${dir} does not exist.`)
  try {
    accessSync(stat ? path : dir, constants.W_OK)
  } catch {
    throw new UsageError(`${flag} ${file}: ${stat ? 'the file' : `the directory ${dir}`} is not writable.`)
  }
}

/** Writes through a temporary file beside FILE and renames it, so FILE is never left half-written. */
export async function writeWhole(file: string, text: string): Promise<void> {
  const temp = `${resolve(file)}.kubewalk-${process.pid}.tmp`
  try {
    await writeFile(temp, text)
    await rename(temp, file)
  } catch (e) {
    await rm(temp, { force: true })
    throw e
  }
}
