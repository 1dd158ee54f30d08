// Which Pod a kubectl line reads (logs, exec, attach, port-forward), from its words as bash would split them. The
// line is never edited: this only reads it, to know what a reader would have looked at before running it.

/** The object a line reads a Pod through: the Pod itself, or a workload or Service kubectl picks a Pod of. */
export interface PodRead {
  verb: 'logs' | 'exec' | 'attach' | 'port-forward'
  /** `pod`, or the workload's kind as kubectl names it (`deployment`, `service`, `job`, …). */
  kind: string
  name: string
  /** `-n`/`--namespace`, when the line gives one (else the context's). */
  namespace?: string
  /** `-c`/`--container` (or `kubectl logs POD CONTAINER`). */
  container?: string
  /** `--context`/`--kubeconfig`, passed on to the wait's own read. */
  target: string[]
}

/** One simple command's words, with `$NAME` left as written when it cannot be resolved. */
export type Words = string[]

const OPERATORS = new Set(['|', '||', '&&', ';', '&', '|&', '\n'])

/**
 * The words of each simple command of a line: quotes and backslashes removed, `\`-newline joined, comments dropped,
 * `$NAME`/`${NAME}` replaced from `vars` (a word with a value it cannot know, `$(…)` or an unknown variable, is kept
 * with its `$`, which no Pod name has). Heredoc bodies are not commands, and are skipped.
 */
export function commandsOf(line: string, vars: Readonly<Record<string, string | undefined>> = {}): Words[] {
  const commands: Words[] = []
  let words: Words = []
  let word = ''
  let inWord = false
  let heredoc: string | undefined
  const end = (): void => {
    if (inWord) words.push(word)
    word = ''
    inWord = false
  }
  const split = (): void => {
    end()
    if (words.length > 0) commands.push(words)
    words = []
  }
  const expand = (i: number): [string, number] => {
    if (line[i + 1] === '(') {
      // A command substitution: its value is not known here, so the word keeps it as written.
      let depth = 0
      for (let k = i + 1; k < line.length; k++) {
        if (line[k] === '(') depth++
        else if (line[k] === ')' && --depth === 0) return [line.slice(i, k + 1), k + 1]
      }
      return [line.slice(i), line.length]
    }
    const braced = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(line.slice(i)) ?? /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(line.slice(i))
    if (braced === null) return ['$', i + 1]
    const value = vars[braced[1] as string]
    return [value ?? braced[0], i + braced[0].length]
  }
  let i = 0
  while (i < line.length) {
    const c = line[i] as string
    if (heredoc !== undefined && c === '\n') {
      // Skip the body up to the delimiter line.
      const rest = line.slice(i + 1).split('\n')
      const at = rest.findIndex((l) => l.trim() === heredoc)
      split()
      heredoc = undefined
      if (at < 0) break
      i += 1 + rest.slice(0, at + 1).join('\n').length
      continue
    }
    if (c === '\\') {
      if (line[i + 1] === '\n') i += 2
      else {
        word += line[i + 1] ?? ''
        inWord = true
        i += 2
      }
      continue
    }
    if (c === "'") {
      const close = line.indexOf("'", i + 1)
      word += line.slice(i + 1, close < 0 ? line.length : close)
      inWord = true
      i = close < 0 ? line.length : close + 1
      continue
    }
    if (c === '"') {
      i++
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && /["\\$`]/.test(line[i + 1] ?? '')) {
          word += line[i + 1]
          i += 2
        } else if (line[i] === '$') {
          const [v, next] = expand(i)
          word += v
          i = next
        } else word += line[i++]
      }
      inWord = true
      i++
      continue
    }
    if (c === '$') {
      const [v, next] = expand(i)
      word += v
      inWord = true
      i = next
      continue
    }
    if (c === '`') {
      const close = line.indexOf('`', i + 1)
      word += line.slice(i, close < 0 ? line.length : close + 1)
      inWord = true
      i = close < 0 ? line.length : close + 1
      continue
    }
    if (c === '#' && !inWord) {
      const nl = line.indexOf('\n', i)
      i = nl < 0 ? line.length : nl
      continue
    }
    if (c === ' ' || c === '\t') {
      end()
      i++
      continue
    }
    const op = ['||', '&&', '|&'].find((o) => line.startsWith(o, i)) ?? (OPERATORS.has(c) ? c : undefined)
    if (op !== undefined) {
      split()
      i += op.length
      continue
    }
    if (c === '<' && line.startsWith('<<', i) && !line.startsWith('<<<', i)) {
      end()
      const m = /^<<-?\s*(['"]?)([A-Za-z_][\w-]*)\1/.exec(line.slice(i))
      if (m !== null) {
        heredoc = m[2]
        i += m[0].length
        continue
      }
    }
    if (c === '(' || c === ')') {
      split()
      i++
      continue
    }
    word += c
    inWord = true
    i++
  }
  split()
  return commands
}

// kubectl's flags that take a value as the next word (the rest are booleans, or carry theirs after `=`).
const VALUED = new Set([
  '-n',
  '--namespace',
  '-c',
  '--container',
  '--context',
  '--kubeconfig',
  '--cluster',
  '--user',
  '-s',
  '--server',
  '--token',
  '--as',
  '--as-group',
  '--as-uid',
  '--request-timeout',
  '--tail',
  '--since',
  '--since-time',
  '--limit-bytes',
  '-l',
  '--selector',
  '--pod-running-timeout',
  '--max-log-requests',
  '--address',
  '-f',
  '--filename',
  '--cache-dir',
  '--certificate-authority',
  '--client-certificate',
  '--client-key',
  '--tls-server-name',
  '-v',
  '--v',
])
// In logs, -f is --follow (no value); in exec, -f is a file name, rarely used.
const BOOLEAN_IN: Record<string, Set<string>> = { logs: new Set(['-f']), attach: new Set(), exec: new Set(), 'port-forward': new Set() }

const KINDS: Record<string, string> = {
  po: 'pod',
  pod: 'pod',
  pods: 'pod',
  deploy: 'deployment',
  deployment: 'deployment',
  deployments: 'deployment',
  svc: 'service',
  service: 'service',
  services: 'service',
  job: 'job',
  jobs: 'job',
  rs: 'replicaset',
  replicaset: 'replicaset',
  replicasets: 'replicaset',
  sts: 'statefulset',
  statefulset: 'statefulset',
  statefulsets: 'statefulset',
  ds: 'daemonset',
  daemonset: 'daemonset',
  daemonsets: 'daemonset',
  rc: 'replicationcontroller',
  replicationcontroller: 'replicationcontroller',
  replicationcontrollers: 'replicationcontroller',
}

const VERBS = new Set(['logs', 'exec', 'attach', 'port-forward'])
const NAME = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/

/** The Pod a kubectl call reads, from its argv (`kubectl` first; a `sudo`/`env` prefix is not looked through), else undefined. */
export function podRead(argv: Words): PodRead | undefined {
  if (!/(?:^|\/)kubectl$/.test(argv[0] ?? '')) return undefined
  let verb: PodRead['verb'] | undefined
  const positionals: string[] = []
  const flags: Record<string, string> = {}
  const target: string[] = []
  let selector = false
  for (let i = 1; i < argv.length; i++) {
    const w = argv[i] as string
    if (w === '--') break
    if (w.startsWith('-') && w !== '-') {
      const eq = w.indexOf('=')
      const name = eq > 0 ? w.slice(0, eq) : w
      const takes = VALUED.has(name) && !(verb !== undefined && BOOLEAN_IN[verb]?.has(name))
      const value = eq > 0 ? w.slice(eq + 1) : takes ? (argv[++i] ?? '') : undefined
      if (value === undefined) continue
      flags[name] = value
      if (name === '-l' || name === '--selector') selector = true
      if (name === '--context' || name === '--kubeconfig') target.push(`${name}=${value}`)
      continue
    }
    if (verb === undefined) {
      if (!VERBS.has(w)) return undefined
      verb = w as PodRead['verb']
      continue
    }
    positionals.push(w)
  }
  if (verb === undefined || selector) return undefined
  const first = positionals[0]
  if (first === undefined) return undefined
  const slash = first.indexOf('/')
  const kind = slash < 0 ? 'pod' : KINDS[first.slice(0, slash).split('.')[0]?.toLowerCase() ?? '']
  const name = slash < 0 ? first : first.slice(slash + 1)
  if (kind === undefined || !NAME.test(name)) return undefined
  // `kubectl logs POD CONTAINER`: the second word names the container (exec's second word is its command, port-forward's a port).
  const container = flags['-c'] ?? flags['--container'] ?? (verb === 'logs' && kind === 'pod' ? positionals[1] : undefined)
  const namespace = flags['-n'] ?? flags['--namespace']
  return {
    verb,
    kind,
    name,
    ...(namespace !== undefined && NAME.test(namespace) ? { namespace } : {}),
    ...(container !== undefined && NAME.test(container) ? { container } : {}),
    target,
  }
}

/** Every Pod read a line makes, in order (`kubectl logs x; kubectl exec y -- ls` reads two). */
export function podReads(line: string, vars: Readonly<Record<string, string | undefined>> = {}): PodRead[] {
  return commandsOf(line, vars)
    .map(podRead)
    .filter((r): r is PodRead => r !== undefined)
}
