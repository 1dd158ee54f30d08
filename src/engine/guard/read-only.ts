// Whether a line is one kubectl call that only reads: no shell syntax beyond words, quotes and variables, and a
// verb that changes nothing. While such a line runs, nothing of the run changes the cluster or the shell, so the
// next step's typed guard (a read too) can run beside it and still see the state the next line starts from.
import { commandsOf } from '../waits/argv.js'
import { positionals } from './rules.mjs'

const READS = new Set(['get', 'describe', 'explain', 'api-resources', 'api-versions', 'version', 'cluster-info', 'logs', 'top', 'events'])
// `get --raw PATH` may be a GET through a Service's or Pod's proxy, into a workload that does what it likes;
// `cluster-info dump` writes files.
const NOT_READS: Record<string, (sub: string | undefined, argv: string[]) => boolean> = {
  get: (_, argv) => argv.some((a) => a === '--raw' || a.startsWith('--raw=')),
  'cluster-info': (sub) => sub === 'dump',
}
const SUB_READS: Record<string, Set<string>> = {
  config: new Set(['view', 'current-context', 'get-contexts', 'get-clusters', 'get-users']),
  auth: new Set(['can-i', 'whoami']),
}

/** Shell syntax outside quotes that makes a line more than one plain call (lists, pipes, redirections, jobs, subshells, substitutions). */
function plainWords(line: string): boolean {
  const text = line.replace(/\s+$/, '')
  let quote: "'" | '"' | undefined
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string
    if (quote === "'") {
      if (c === "'") quote = undefined
      continue
    }
    if (c === '\\') {
      i++
      continue
    }
    // Command substitution; and `$'…'` and `$[…]`, whose quoting and arithmetic this scan does not follow.
    if (c === '`' || (c === '$' && (text[i + 1] === '(' || text[i + 1] === "'" || text[i + 1] === '['))) return false
    // `${NAME}` is a variable, not a group.
    const braced = c === '$' ? /^\$\{[A-Za-z_][A-Za-z0-9_]*\}/.exec(text.slice(i)) : null
    if (braced !== null) {
      i += braced[0].length - 1
      continue
    }
    if (quote === '"') {
      if (c === '"') quote = undefined
      continue
    }
    if (c === "'" || c === '"') quote = c
    else if (';|&<>(){}\n#'.includes(c)) return false
  }
  return quote === undefined
}

/** The line is a lone `kubectl` call whose verb only reads (`get`, `describe`, `config view`, `auth can-i`, …). */
export function isLoneKubectlRead(line: string): boolean {
  if (!plainWords(line)) return false
  const commands = commandsOf(line)
  if (commands.length !== 1) return false
  const [program, ...argv] = commands[0] as string[]
  if (program !== 'kubectl') return false
  const [verb, sub] = positionals(argv).map((p) => p.word)
  if (verb === undefined) return false
  if (NOT_READS[verb]?.(sub, argv) === true) return false
  if (READS.has(verb)) return true
  return sub !== undefined && (SUB_READS[verb]?.has(sub) ?? false)
}
