// Shell text as a reader sees it: where one command ends (continuation lines, open quotes, heredocs
// kept whole), which comment lines stand before it, which variables it assigns and reads, and the
// prompts (`$ `, `user@host:~$ `) that mark a command in a terminal's text.

/** One command of a block: its text (several lines for a heredoc or a continued line). */
export interface ShellCommand {
  text: string
  /** 0-based index of its first line in the text it came from. */
  index: number
  /** The comment lines right before it, without `#`. */
  comment?: string
}

const HEREDOC = /<<(-?)\s*(?:'([^']+)'|"([^"]+)"|\\?([A-Za-z_][\w-]*))/g

interface LineState {
  quote: "'" | '"' | undefined
  parens: number
}

/** Scans one line for quotes, `$(` nesting and heredoc markers, continuing from `s`. */
function scanLine(line: string, s: LineState): { heredocs: { tag: string; dash: boolean }[]; comment: boolean } {
  const heredocs: { tag: string; dash: boolean }[] = []
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (s.quote === "'") {
      if (c === "'") s.quote = undefined
      continue
    }
    if (c === '\\') {
      i++
      continue
    }
    if (s.quote === '"') {
      if (c === '"') s.quote = undefined
      else if (c === '$' && line[i + 1] === '(') {
        s.parens++
        i++
      } else if (c === ')' && s.parens > 0) s.parens--
      continue
    }
    if (c === "'" || c === '"') s.quote = c
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] as string))) return { heredocs, comment: i === 0 }
    else if (c === '$' && line[i + 1] === '(') {
      s.parens++
      i++
    } else if (c === '(') s.parens++
    else if (c === ')' && s.parens > 0) s.parens--
    else if (c === '<' && line[i + 1] === '<' && line[i + 2] !== '<') {
      HEREDOC.lastIndex = i
      const m = HEREDOC.exec(line)
      if (m && m.index === i) {
        heredocs.push({ tag: (m[2] ?? m[3] ?? m[4]) as string, dash: m[1] === '-' })
        i += m[0].length - 1
      }
    }
  }
  return { heredocs, comment: false }
}

/** Where the command that starts at lines[start] ends (exclusive): continued lines, open quotes, heredocs. */
export function commandEnd(lines: readonly string[], start: number, strip: (line: string) => string = (l) => l): number {
  let i = start
  const state: LineState = { quote: undefined, parens: 0 }
  for (;;) {
    const line = strip(lines[i] as string)
    const { heredocs } = scanLine(line, state)
    i++
    for (const h of heredocs) {
      while (i < lines.length && (h.dash ? strip(lines[i] as string).replace(/^\t+/, '') : strip(lines[i] as string)) !== h.tag) i++
      i++
    }
    const open = state.quote !== undefined || state.parens > 0 || /(?:\\|\||&&|\|\|)\s*$/.test(line.replace(/\s+#.*$/, ''))
    if (!open || i >= lines.length) return Math.min(i, lines.length)
  }
}

/** Splits a block of shell into commands; comment lines go to the command after them. */
export function splitCommands(block: string): ShellCommand[] {
  const lines = block.split('\n')
  const out: ShellCommand[] = []
  let comments: string[] = []
  let i = 0
  while (i < lines.length) {
    const first = lines[i] as string
    if (first.trim() === '') {
      comments = []
      i++
      continue
    }
    if (/^\s*#/.test(first)) {
      comments.push(first.trim().replace(/^#+\s?/, ''))
      i++
      continue
    }
    const start = i
    i = commandEnd(lines, i)
    const cmd: ShellCommand = { text: lines.slice(start, Math.min(i, lines.length)).join('\n'), index: start }
    const comment = comments.join(' ').trim()
    if (comment !== '') cmd.comment = comment
    out.push(cmd)
    comments = []
  }
  return out
}

// Words that open and close a compound command when they stand where a command starts.
const OPENS = new Set(['if', 'for', 'while', 'until', 'select', 'case', '{'])
const CLOSES = new Set(['fi', 'done', 'esac', '}'])

/** How many compound commands (`if`, `for`, `{`, a function's body) a command leaves open: more than 0 goes on in the next. */
function openCompounds(text: string): number {
  let depth = 0
  const bare = text.replace(/'[^']*'|"(?:\\.|[^"\\])*"|(?:^|\s)#.*$/gm, ' ')
  for (const segment of bare.split(/;;|[;&|()\n]/)) {
    const words = segment.trim().split(/\s+/)
    while (['then', 'do', 'else', 'elif', '!'].includes(words[0] ?? '')) words.shift()
    const first = words[0] ?? ''
    if (OPENS.has(first)) depth++
    else if (CLOSES.has(first)) depth--
    // `function f {`
    else if (words.length > 1 && words.at(-1) === '{') depth++
  }
  return depth
}

/**
 * The 0-based lines where each command of a block starts, as a reader runs them one by one: a compound
 * command over several lines (`for … do` … `done`, a function) is one command.
 */
export function blockStarts(block: string): number[] {
  const starts: number[] = []
  let depth = 0
  for (const c of splitCommands(block)) {
    if (depth <= 0) starts.push(c.index)
    depth = Math.max(0, depth + openCompounds(c.text))
  }
  return starts
}

/** The first line of a command, without the heredoc bodies after it. */
export const firstLineOf = (command: string): string => command.split('\n')[0] as string

const ASSIGN = /^(?:export\s+|declare\s+(?:-\w+\s+)*|readonly\s+)?([A-Za-z_][A-Za-z0-9_]*)=/
/** Variables a command assigns at its top level (`X=…`, `export X=…`, `export X Y`). */
export function assignedVars(command: string): string[] {
  const names = new Set<string>()
  for (const part of topLevelParts(command)) {
    const m = ASSIGN.exec(part)
    if (m) {
      names.add(m[1] as string)
      // `export A=1 B=2`
      if (/^export\s/.test(part)) for (const more of part.matchAll(/\s([A-Za-z_][A-Za-z0-9_]*)=/g)) names.add(more[1] as string)
    } else {
      const e = /^export\s+([A-Za-z_][A-Za-z0-9_ ]*)$/.exec(part)
      if (e) for (const n of (e[1] as string).split(/\s+/)) if (n !== '') names.add(n)
    }
  }
  return [...names]
}

/** Parts of a command's first line joined by `;`, `&&`, `||` (outside quotes and `$(…)`), trimmed. */
function topLevelParts(command: string): string[] {
  const parts: string[] = []
  const text = firstLineOf(command)
  let quote: string | undefined
  let parens = 0
  let cur = ''
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string
    if (quote === "'") quote = c === "'" ? undefined : quote
    else if (c === '\\') {
      cur += c + (text[i + 1] ?? '')
      i++
      continue
    } else if (quote === '"') quote = c === '"' ? undefined : quote
    else if (c === "'" || c === '"') quote = c
    else if (c === '(') parens++
    else if (c === ')' && parens > 0) parens--
    else if (parens === 0 && (c === ';' || ((c === '&' || c === '|') && text[i + 1] === c))) {
      parts.push(cur.trim())
      cur = ''
      if (c !== ';') i++
      continue
    }
    cur += c
  }
  parts.push(cur.trim())
  return parts.filter((p) => p !== '')
}

/** Variables a command expands (`$X`, `${X}`, `${X:-…}`), outside single quotes. */
export function readVars(command: string): string[] {
  const names = new Set<string>()
  // Single-quoted text expands nothing; a quoted heredoc tag keeps its body literal too (ignored: rare).
  const unquoted = command.replace(/'[^']*'/g, "''")
  for (const m of unquoted.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(m[1] as string)
  return [...names]
}

/** A line that puts its command in the background (`cmd &`), not `a && b`. */
export const isBackground = (command: string): boolean =>
  /(?:^|[^&])&\s*$/.test(firstLineOf(command).replace(/\s+#.*$/, '')) && !command.includes('\n')

/** The line's `echo $X` / `echo "$X"` form: it only shows a variable (import folds it). */
export function echoOf(command: string): string | undefined {
  return /^echo\s+"?\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?"?\s*$/.exec(command.trim())?.[1]
}

// A shell prompt: `$ `, `user@host:~$ `, `user@host:/dir# `, optionally after a list bullet.
const PROMPT = /^(\s*(?:[-*•]\s+)?)((?:\([\w.-]+\)\s+)?(?:[\w.-]+@[\w.-]+(?::[^\s$#]*)?[$#]|\$))(?: (.*)|$)/
// The same prompt at the end of output that had no final newline (`}user@host:~$ `).
const TRAILING_PROMPT = /^(.*?\S)([\w.-]+@[\w.-]+:[^\s$#]*[$#])(?: (.*)|\s*$)/

/** A prompt line: the command after the prompt ('' for a bare prompt) and the column the prompt starts at. */
export function promptOf(line: string): { command: string; column: number; prompt: string } | undefined {
  const m = PROMPT.exec(line)
  if (!m) return undefined
  return { command: (m[3] ?? '').trim() === '' ? '' : (m[3] as string).replace(/\s+$/, ''), column: (m[1] as string).length, prompt: m[2] as string }
}

/** Output glued to a prompt (`}user@host:~$ `): the output's part, and the command after it ('' if none). */
export function trailingPromptOf(line: string): { output: string; command: string } | undefined {
  if (PROMPT.test(line)) return undefined
  const m = TRAILING_PROMPT.exec(line)
  if (!m) return undefined
  return { output: m[1] as string, command: (m[3] ?? '').trim() }
}

/** A command typed after a prompt, and what the terminal showed after it. */
export interface ConsoleEntry {
  command: string
  output: string
  /** 0-based index of the prompt line. */
  index: number
  /** Comment lines (`# …`) typed at a bare prompt or standing just before it, without `#`. */
  comment?: string
}

/** The commands and outputs of a terminal's text (a `console` block): prompt lines are commands. */
export function splitConsole(text: string): ConsoleEntry[] {
  const lines = text.split('\n')
  const out: ConsoleEntry[] = []
  let current: ConsoleEntry | undefined
  let comment: string[] = []
  let i = 0
  const start = (command: string, index: number): void => {
    const rest = [command, ...lines.slice(index + 1)]
    // Continuation lines may carry the secondary prompt (`> `).
    const end = commandEnd(rest, 0, (l) => l.replace(/^> /, ''))
    current = {
      command: rest
        .slice(0, end)
        .map((l, k) => (k === 0 ? l : l.replace(/^> /, '')))
        .join('\n'),
      output: '',
      index,
    }
    if (comment.length > 0) current.comment = comment.join(' ')
    comment = []
    out.push(current)
    i = index + end
  }
  while (i < lines.length) {
    const line = lines[i] as string
    const p = promptOf(line)
    if (p) {
      current = undefined
      if (p.command.startsWith('#')) comment.push(p.command.replace(/^#+\s?/, ''))
      else if (p.command !== '') {
        start(p.command, i)
        continue
      }
      i++
      continue
    }
    const t = trailingPromptOf(line)
    if (t && current) {
      current.output += t.output
      current = undefined
      if (t.command !== '') {
        start(t.command, i)
        continue
      }
      i++
      continue
    }
    if (current) current.output += `${line}\n`
    i++
  }
  for (const e of out) e.output = e.output.replace(/^\n+/, '').replace(/\n\s*$/, '')
  return out
}
