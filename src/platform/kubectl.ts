// --kubectl: the program that plays `kubectl` in the walkthrough's lines. A file, or a command with
// arguments (`minikube kubectl --`, `env FOO=1 /opt/kubectl`), split as a shell would split it and
// written, quoted, into an executable `kubectl` wrapper that leads the run's PATH.
import { constants } from 'node:fs'
import { access, stat, symlink, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { UsageError } from '../core/errors.js'
import { quote, runScript, which } from './shell.js'

/** A --kubectl value, checked: the words to run, the first resolved to an absolute path. */
export interface KubectlCommand {
  /** What the user wrote, for messages. */
  spec: string
  /** The program (absolute) and its arguments; `kubectl`'s own arguments follow them. */
  words: string[]
}

// Shell syntax a command and its arguments never need: refused, so nothing is run that the user
// did not mean as one program with arguments.
const OPERATORS = new Set(['|', '&', ';', '<', '>', '(', ')', '`', '$', '*', '?', '[', ']', '{', '}', '~', '#', '!'])

/**
 * Splits a command line into words as a shell would for plain words and quotes ('…', "…", \x), and
 * refuses anything else a shell would interpret (pipes, redirections, $, globs): a one-line UsageError.
 */
export function splitCommand(flag: string, line: string): string[] {
  const words: string[] = []
  let word: string | undefined
  const bad = (why: string): UsageError => new UsageError(`${flag} ${line}: ${why}; give a program and its arguments, quoted as in a shell.`)
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string
    if (c === ' ' || c === '\t' || c === '\n') {
      if (word !== undefined) words.push(word)
      word = undefined
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1)
      if (end < 0) throw bad("a quote (') is not closed")
      word = (word ?? '') + line.slice(i + 1, end)
      i = end
    } else if (c === '"') {
      let text = ''
      let j = i + 1
      for (; j < line.length && line[j] !== '"'; j++) {
        const d = line[j] as string
        if (d === '\\' && j + 1 < line.length && '"\\$`'.includes(line[j + 1] as string)) text += line[++j]
        else if (d === '$' || d === '`') throw bad(`${d} inside "…" is shell syntax`)
        else text += d
      }
      if (j >= line.length) throw bad('a quote (") is not closed')
      word = (word ?? '') + text
      i = j
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw bad('it ends with a backslash')
      word = (word ?? '') + line[++i]
    } else if (OPERATORS.has(c) && !(c === '~' && word !== undefined) && !(c === '#' && word !== undefined)) {
      throw bad(`${JSON.stringify(c)} is shell syntax`)
    } else {
      word = (word ?? '') + c
    }
  }
  if (word !== undefined) words.push(word)
  return words
}

/**
 * The words of a --kubectl value: an existing file is the program itself (a path may hold spaces);
 * anything else is a command with arguments, its program looked up on PATH when it names no folder
 * (as a shell would; the run's own `kubectl` wrapper is not on that PATH yet). Checks nothing else.
 */
export async function kubectlWords(spec: string, env: Record<string, string | undefined> = process.env): Promise<KubectlCommand> {
  if (spec.trim() === '') throw new UsageError('--kubectl needs a file name or a command.')
  const asFile = await stat(resolve(spec)).then(
    (s) => s.isFile(),
    () => false,
  )
  const [program, ...args] = asFile ? [spec] : splitCommand('--kubectl', spec)
  if (program === undefined || program === '') throw new UsageError('--kubectl needs a file name or a command.')
  if (program.includes('/')) return { spec, words: [resolve(program), ...args] }
  const found = await which(program, env)
  if (found === undefined) throw new UsageError(`--kubectl ${spec}: ${program} is not on PATH.`)
  return { spec, words: [found, ...args] }
}

/** kubectlWords, and its program is an executable file: a UsageError (exit 2) otherwise; runs nothing. */
export async function parseKubectlCommand(spec: string, env: Record<string, string | undefined> = process.env): Promise<KubectlCommand> {
  const cmd = await kubectlWords(spec, env)
  const path = cmd.words[0] as string
  try {
    if (!(await stat(path)).isFile()) throw new UsageError(`--kubectl ${spec}: ${path} is not a file.`)
    await access(path, constants.X_OK)
  } catch (e) {
    if (e instanceof UsageError) throw e
    throw new UsageError(`--kubectl ${spec}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not executable'} (${path}).`)
  }
  return cmd
}

/**
 * Puts the command in `dir` as an executable `kubectl`: a symlink for a plain file (the binary runs
 * as it is), else a bash wrapper that runs the words, each quoted, with kubectl's arguments after them.
 */
export async function installKubectl(dir: string, cmd: KubectlCommand): Promise<string> {
  const file = join(dir, 'kubectl')
  const [program, ...args] = cmd.words
  if (args.length === 0 && program !== undefined) {
    await symlink(program, file)
    return file
  }
  await writeFile(
    file,
    `#!/usr/bin/env bash\n# kubewalk --kubectl ${cmd.spec.replace(/\n/g, ' ')}\nexec ${cmd.words.map((w) => quote(w)).join(' ')} "$@"\n`,
    { mode: 0o700 },
  )
  return file
}

/**
 * Checks a --kubectl value before anything touches a cluster (what planRun calls): it parses, its
 * program is executable, and the command answers `version --client` as a kubectl. UsageError otherwise.
 */
export async function checkKubectlCommand(spec: string, env: Record<string, string | undefined> = process.env): Promise<KubectlCommand> {
  const cmd = await parseKubectlCommand(spec, env)
  const line = `${cmd.words.map((w) => quote(w)).join(' ')} version --client -o json`
  const r = await runScript(line, { timeoutMs: 10_000, env })
  let version: string | undefined
  try {
    version = (JSON.parse(r.stdout) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion
  } catch {
    version = undefined
  }
  if (version === undefined)
    throw new UsageError(`--kubectl ${spec}: not a kubectl (\`${spec} version --client -o json\` printed no client version).`)
  return cmd
}
