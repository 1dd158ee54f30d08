// Reads a walkthrough's prose: Markdown with one `## NN. Title (`id`)` section per step, each with
// exactly one ```bash block (the step's line). Whatever comes before the first section is the preface.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { WalkthroughError } from '../core/errors.js'

/** One step's section of the prose. */
export interface WalkthroughSection {
  number: string
  title: string
  id: string
  /** The prose before the command block. */
  explanation: string
  command: string
}

const HEADING = /^## (\d{2})\. (.+) \(`([a-z0-9-]+)`\)$/

/** The step sections of `markdown`; `file` names it in errors. */
export function parseProse(file: string, markdown: string): WalkthroughSection[] {
  const sections: WalkthroughSection[] = []
  const parts = markdown.split(/^(?=## )/m)
  for (const part of parts) {
    const [heading = '', ...rest] = part.split('\n')
    const m = HEADING.exec(heading.trim())
    if (!m) continue
    const body = rest.join('\n')
    const blocks = [...body.matchAll(/^```bash\n([\s\S]*?)\n```$/gm)]
    if (blocks.length !== 1) throw new WalkthroughError(`${file}: section ${m[1]} (${m[3]}) has ${blocks.length} bash blocks; it needs exactly one.`)
    const block = blocks[0] as RegExpMatchArray
    sections.push({ number: m[1] ?? '', title: m[2] ?? '', id: m[3] ?? '', explanation: body.slice(0, block.index).trim(), command: block[1] ?? '' })
  }
  return sections
}

/** The step sections of a Markdown file (parseProse of its text), e.g. `readProse(new URL('./walkthrough.md', import.meta.url))`. */
export function readProse(file: string | URL): WalkthroughSection[] {
  const path = typeof file === 'string' ? file : fileURLToPath(file)
  return parseProse(path, readFileSync(path, 'utf8'))
}
