// Placeholder until the Markdown walkthrough format lands: a .md path is refused in one line.
import { UsageError } from '../errors.js'
import type { Walkthrough } from '../walkthrough.js'

export async function loadMarkdownWalkthrough(file: string): Promise<Walkthrough> {
  throw new UsageError(`--walkthrough ${file}: Markdown walkthroughs are not supported yet.`)
}
