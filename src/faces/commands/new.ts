// kubewalk new ID [--dir DIR] [--typed]: scaffolds a walkthrough that runs at once, as DIR/ID.md
// (Markdown) or a folder DIR/ID (typed). It never writes over anything that exists.
import type { CommandContext } from '../context.js'
import { existsSync, statSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative } from 'node:path'
import { EXIT, parse } from '../args.js'
import { NEW_FLAGS } from './flags.js'
import { UsageError } from '../../core/errors.js'
import { packagePath } from '../../platform/paths.js'
import { markdownScaffold, titleOf, typedScaffold, type ScaffoldOptions } from '../../sources/scaffold.js'

const ID = /^[a-z0-9]+(-[a-z0-9]+)*$/

/** A path as the user can pass it back to --walkthrough: with a `/`, so it is never read as an id. */
function asGiven(path: string): string {
  const rel = relative(process.cwd(), path)
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return path
  return `./${rel}`
}

async function versions(): Promise<Pick<ScaffoldOptions, 'kubewalkVersion' | 'devVersions'>> {
  const pkg = JSON.parse(await readFile(packagePath('package.json'), 'utf8')) as { version: string; devDependencies?: Record<string, string> }
  const dev = pkg.devDependencies ?? {}
  return {
    kubewalkVersion: pkg.version,
    devVersions: { vitest: dev.vitest ?? '^4.1.12', typescript: dev.typescript ?? '^5.9', '@types/node': dev['@types/node'] ?? '^20' },
  }
}

export async function cmdNew(args: string[], cx: CommandContext): Promise<number> {
  const { io } = cx
  const { values, positionals } = parse(args, NEW_FLAGS)
  const [id, extra] = positionals
  if (id === undefined) throw new UsageError('new needs an id for the walkthrough (lower-case words joined by -, e.g. kubewalk new my-walkthrough).')
  if (extra !== undefined) throw new UsageError(`new takes one id, got also ${extra}.`)
  if (!ID.test(id)) throw new UsageError(`new ${id}: an id is lower-case words joined by '-' (e.g. my-walkthrough).`)
  if (values.dir === '') throw new UsageError('--dir needs a folder.')
  const parent = values.dir ?? '.'
  if (existsSync(parent) && !statSync(parent).isDirectory()) throw new UsageError(`--dir ${parent}: not a folder.`)
  const title = titleOf(id)
  const target = join(parent, values.typed ? id : `${id}.md`)
  if (existsSync(target))
    throw new UsageError(`${target} exists; kubewalk new never writes over a ${values.typed ? 'folder' : 'file'} (choose another id or --dir).`)
  const shown = asGiven(target)
  if (!values.typed) {
    await mkdir(parent, { recursive: true })
    await writeFile(target, markdownScaffold({ id, title }), { flag: 'wx' })
    io.stdout(
      `created ${shown}: a Markdown walkthrough with one step\nnext:\n  kubewalk run --walkthrough ${shown} --lab\n  kubewalk test --walkthrough ${shown}\n`,
    )
    return EXIT.ok
  }
  const files = typedScaffold({ id, title, ...(await versions()) })
  await mkdir(parent, { recursive: true })
  // The folder itself is made without `recursive`, so one that appeared meanwhile is refused, not joined.
  await mkdir(target)
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(target, name)), { recursive: true })
    await writeFile(join(target, name), text, { flag: 'wx' })
  }
  io.stdout(
    `created ${shown}: a typed walkthrough (${Object.keys(files).sort().join(', ')})\nnext:\n  kubewalk run --walkthrough ${shown} --lab\n  kubewalk test --walkthrough ${shown}\n  cd ${shown} && npm install && npm test\n`,
  )
  return EXIT.ok
}
