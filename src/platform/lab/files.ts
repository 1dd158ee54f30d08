// Small file helpers the lab's modules share.
import { readFile, rename, writeFile } from 'node:fs/promises'

/** Writes `text` to a temporary name beside `file` and renames it: a reader sees the old file or the new one. */
export async function writeWhole(file: string, text: string, mode?: number): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`
  await writeFile(tmp, text, mode === undefined ? {} : { mode })
  await rename(tmp, file)
}

/** Like writeWhole, but leaves an identical file alone (its mtime too). */
export async function writeIfChanged(file: string, text: string): Promise<void> {
  const old = await readFile(file, 'utf8').catch(() => undefined)
  if (old !== text) await writeWhole(file, text)
}

/** The last `lines` lines of a text file ('' if it cannot be read). */
export async function tailOf(file: string, lines = 15): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '')
  return text.trimEnd().split('\n').slice(-lines).join('\n')
}
