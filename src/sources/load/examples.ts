// --examples DIR: the one rewrite of a line the user asks for. A line that names
// `https://k8s.io/examples/P` (or kubernetes/website's raw `content/en/examples/P`) reads DIR/P instead,
// so a page runs offline from a checkout. The step's command is the line as run; a note keeps the
// line as written. A P that DIR does not hold, in a folder DIR has, is a page that names an example its
// repository no longer has (kubernetes/website renames examples): its line runs and fails as the URL would
// (404), at its own step. A P whose folder DIR lacks says DIR is not an examples folder: refused up front.
import { existsSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { UsageError } from '../../core/errors.js'
import { commandOf, type CommandContext, type Step } from '../../core/step.js'
import type { Walkthrough } from '../../core/walkthrough.js'
import { quote } from '../../platform/shell.js'
import { EXAMPLE_URL } from '../docs/examples.js'

/** A line with its example URLs read from `dir`: the line as run, and the paths it names (P). */
export function withLocalExamples(line: string, dir: string): { line: string; paths: string[] } {
  const paths: string[] = []
  const rewritten = line.replace(new RegExp(EXAMPLE_URL.source, 'g'), (_url, path: string) => {
    paths.push(path)
    const local = join(dir, path)
    return /^[\w./-]+$/.test(local) ? local : quote(local)
  })
  return { line: rewritten, paths }
}

/** The example folder --examples names, as an absolute path; exit 2 when it is not a folder. */
export function examplesFolder(dir: string): string {
  const abs = resolve(dir)
  if (!existsSync(abs))
    throw new UsageError(`--examples ${dir}: no such folder (give a checkout's content/en/examples, or a folder with its layout).`)
  if (!statSync(abs).isDirectory()) throw new UsageError(`--examples ${dir}: a file, not a folder.`)
  return abs
}

/** How the note on a rewritten step starts (run --dry-run shows it under the line). */
export const EXAMPLES_NOTE = '--examples: '

const isFolder = (path: string): boolean => statSync(path, { throwIfNoEntry: false })?.isDirectory() === true

const LISTING: CommandContext = { cluster: { name: '', server: '' }, namespace: 'default' }

/**
 * The walkthrough with every example URL of its lines read from `dir` (absolute). A P whose folder `dir` lacks, or
 * that climbs out of it, is exit 2, naming it: `dir` is not an examples folder. A P alone missing is noted on its step.
 */
export function localExamples(w: Walkthrough, dir: string): Walkthrough {
  const steps = w.steps.map((s: Step<any>): Step<any> => {
    const { line, paths } = withLocalExamples(commandOf(s, LISTING), dir)
    if (paths.length === 0) return s
    const outside = paths.find((p) => p.split('/').includes('..'))
    if (outside !== undefined) throw new UsageError(`--examples ${dir}: step ${s.number} ${s.id} names ${outside}, which leaves the folder.`)
    const foreign = paths.find((p) => !isFolder(dirname(join(dir, p))))
    if (foreign !== undefined)
      throw new UsageError(
        `--examples ${dir}: it has no ${dirname(foreign)}/ folder for ${foreign} (step ${s.number} ${s.id} reads https://k8s.io/examples/${foreign}); give a checkout's content/en/examples.`,
      )
    const absent = paths.filter((p) => !existsSync(join(dir, p)))
    const written = commandOf(s, LISTING)
      .split('\n')
      .filter((l) => withLocalExamples(l, dir).paths.length > 0)
      .join(' … ')
    // A reader online meets a 404 at this line: the page names an example kubernetes/website no longer has.
    const gone =
      absent.length === 0
        ? ''
        : `; it holds no ${absent.join(', ')}: the line reads a path that is not there, as the URL is not there for an example kubernetes/website has renamed or removed`
    const note = `${EXAMPLES_NOTE}reads ${paths.map((p) => join(dir, p)).join(', ')}${gone}; as written: ${written}`
    const step: Step<any> = {
      ...s,
      command: typeof s.command === 'string' ? line : (ctx: CommandContext) => withLocalExamples(commandOf(s, ctx), dir).line,
      notes: [...(s.notes ?? []), note],
    }
    if (s.strictTlsCommand !== undefined) step.strictTlsCommand = withLocalExamples(s.strictTlsCommand, dir).line
    return step
  })
  return { ...w, steps }
}
