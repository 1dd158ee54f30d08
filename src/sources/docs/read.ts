// A docs page as a reader takes it: which blocks are commands (on the host, or typed in a container's
// shell), which are their outputs, which are files (example files, manifests), which are only shown.
// Pure: the only I/O is reading the example files the page names, from the folder the caller gives.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promptOf } from '../markdown/lines.js'
import { fileNamed, unnamedManifestName } from '../markdown/steps.js'
import { docsBlocks, type DocsBlock } from './blocks.js'
import { EXAMPLE_URL } from './examples.js'
import { readDocsFrontMatter } from './frontmatter.js'
import { blockLines, longRunning, looksLikeCommand, opensShell, placeholdersOf, type ContainerShell, type Placeholder } from './lines.js'

/** A command of the page. */
export interface DocsCommand {
  kind: 'command'
  text: string
  /** The source line it starts on. */
  line: number
  /** The comment lines before it, without `#`. */
  comment?: string
  /** Typed after a container prompt (or after the line that opened the shell): the shell it runs in. `shell` is absent when no line opened one (to be refused). */
  container?: { prompt?: string; shell?: ContainerShell }
  /** The interactive shell this line opens. */
  opens?: ContainerShell
  /** Keeps running until stopped (`--watch`, `kubectl proxy`, `port-forward`, a loop). */
  longRunning?: true
  /** The page runs it in another terminal: it stays running while the next lines run. */
  background?: true
  output?: { text: string; line: number }
  placeholders: Placeholder[]
  /** Example paths it reads (`https://k8s.io/examples/P`). */
  examples: string[]
  /** The index of the code block it came from, among the page's code blocks. */
  block: number
}

/** A file the page shows: an example file (code_sample, codenew, code) or a manifest block. */
export interface DocsFile {
  kind: 'file'
  /** The example path, or the name the prose gives; absent for a manifest the prose does not name. */
  name?: string
  /** Absent when the example file is not in the examples folder. */
  content?: string
  line: number
  source: 'example' | 'block'
  language?: string
  /** The page does not name it: `name` is the one the next command reads. */
  unnamed?: true
}

export type DocsItem =
  | DocsCommand
  | DocsFile
  | { kind: 'heading'; depth: number; text: string; line: number }
  | { kind: 'prose'; text: string; line: number }
  /** A code block that is neither a command, an output nor a file: shown to be read (a fragment, a Dockerfile). */
  | { kind: 'shown'; lang: string; text: string; line: number }

/** What a docs page says, in order. */
export interface DocsPage {
  file: string
  title?: string
  requires?: { kubernetes: string }
  items: DocsItem[]
  /** Example files the page names that the examples folder does not hold. */
  missing: { file: string; line: number }[]
}

export interface DocsOptions {
  /** The folder holding kubernetes/website's `content/en/examples` (P is read from `<dir>/P`). */
  examplesDir?: string
  /** The tab to read in a tabs shortcode (default: the first holding a shell block). */
  tab?: string
}

// Prose that introduces an output ("The output is similar to:", "Output:", "In the output, you can see …").
// "To see the output of the command, view the logs:" introduces a command, not an output.
const OUTPUT_CUE =
  /\b(?:output(?: is| should| looks| shows| includes|:)|in the output\b|similar to|looks? like|like this|should see|will see|response)/i
// "… we should see the higher load by executing:" asks for a command, whatever it says it shows.
const RUN_CUE = /\b(?:execut\w*|run\w*|command|enter\w*|typ\w*)\s*:?\s*$/i
// "In your shell, verify …" right after the line that opened a container's shell (or one typed in it): the next
// block is typed there, prompt or not. After a host line, "your shell" is the reader's own.
const IN_SHELL = /\bin (?:your|the) (?:shell|container)\b/i
const ANOTHER_TERMINAL = /\b(?:another|a separate|a different|a second|new) (?:terminal|shell window|command window)\b|\btwo terminals\b/i
const SHELL_LANGS = new Set(['shell', 'bash', 'sh', 'console', 'zsh', 'shell-session', 'terminal'])
const OUTPUT_LANGS = new Set(['', 'text', 'txt', 'plaintext', 'output', 'json', 'yaml', 'yml', 'log', 'none'])

// A line that prints manifests: the manifest block after it, under prose that names no file, is what it printed.
const PRINTS_MANIFEST = /\bkubectl\s+kustomize\b|\bkustomize\s+build\b|\s(?:-o|--output)[= ]?(?:yaml|json)\b/
const isManifest = (text: string): boolean =>
  (/^apiVersion:/m.test(text) && /^kind:/m.test(text)) || (/"apiVersion"\s*:/.test(text) && /"kind"\s*:/.test(text))
// `command: ["/bin/sh"]` and `args: […]`: YAML shown in a shell block, not shell.
const isYamlFragment = (text: string): boolean => {
  const lines = text.split('\n').filter((l) => l.trim() !== '')
  return (
    lines.length > 0 &&
    lines.every((l) => /^\s*(?:-\s+)?[\w.-]+:(?:\s|$)/.test(l) || /^\s*-\s/.test(l) || /^\s{2,}\S/.test(l)) &&
    /^[\w.-]+:/.test(lines[0]?.trim() ?? '')
  )
}
const firstLine = (text: string): string => text.split('\n').find((l) => l.trim() !== '' && !/^\s*#/.test(l)) ?? ''

/**
 * An output block that opens with the command itself at a prompt (`user@computer:~/website$ kubectl describe …`)
 * shows the terminal, not a second command: its output is what follows that line.
 */
function withoutEcho(text: string, line: number, command: string): { text: string; line: number } {
  const lines = text.split('\n')
  const first = lines.findIndex((l) => l.trim() !== '')
  const echoed = first < 0 ? undefined : promptOf(lines[first] as string)
  const flat = (s: string): string => s.trim().replace(/\s+/g, ' ')
  if (echoed === undefined || flat(echoed.command) !== flat(command)) return { text, line }
  // A terminal's transcript of several commands stays as it is: each prompt line there is a command of its own.
  if (lines.slice(first + 1).some((l) => promptOf(l) !== undefined)) return { text, line }
  return { text: lines.slice(first + 1).join('\n'), line: line + first + 1 }
}

/** Reads a docs page `source`; `file` names it in errors and is where its line numbers point. */
export function readDocsPage(file: string, source: string, opts: DocsOptions = {}): DocsPage {
  const parsed = docsBlocks(file, source, opts.tab !== undefined ? { tab: opts.tab } : {})
  const page: DocsPage = { file, items: [], missing: [] }
  if (parsed.frontMatter) {
    const fm = readDocsFrontMatter(parsed.frontMatter.text)
    if (fm.title !== undefined) page.title = fm.title
    if (fm.minKubernetes !== undefined) page.requires = { kubernetes: fm.minKubernetes }
  }
  let shell: ContainerShell | undefined
  let lastCommand: DocsCommand | undefined
  let lastCommandLang: string | undefined
  // The prose since the last command, and whether a heading or another block came between.
  let between: string[] = []
  let interrupted = false
  let codeIndex = -1
  const commandsOf = (b: Extract<DocsBlock, { kind: 'code' }>, inShell: boolean): DocsCommand[] => {
    const out: DocsCommand[] = []
    const lines = blockLines(b.text, (l) => opensShell(l) !== undefined)
    for (const line of lines) {
      if (line.kind === 'sentence') continue
      const l = inShell && shell !== undefined && line.kind === 'host' ? { ...line, kind: 'container' as const } : line
      const cmd: DocsCommand = {
        kind: 'command',
        text: l.text,
        line: b.body + l.index,
        placeholders: placeholdersOf(l.text, l.comment),
        examples: [...l.text.matchAll(EXAMPLE_URL)].map((m) => m[1] as string),
        block: codeIndex,
      }
      if (l.comment !== undefined) cmd.comment = l.comment
      if (l.kind === 'container') {
        cmd.container = { ...(l.prompt !== undefined ? { prompt: l.prompt } : {}), ...(shell !== undefined ? { shell } : {}) }
        if (/^exit\b/.test(l.text.trim())) shell = undefined
      } else {
        const opens = opensShell(l.text)
        if (opens) {
          cmd.opens = opens
          shell = opens
        }
      }
      if (longRunning(l.text)) cmd.longRunning = true
      if (l.output !== undefined && l.output.trim() !== '') cmd.output = { text: l.output, line: b.body + l.index + 1 }
      out.push(cmd)
    }
    return out
  }
  for (const b of parsed.blocks) {
    if (b.kind === 'heading') {
      page.items.push(b)
      interrupted = true
      continue
    }
    if (b.kind === 'prose') {
      page.items.push(b)
      between.push(b.text)
      continue
    }
    if (b.kind === 'example') {
      const f: DocsFile = {
        kind: 'file',
        name: b.file,
        line: b.line,
        source: 'example',
        ...(b.language !== undefined ? { language: b.language } : {}),
      }
      const content = opts.examplesDir !== undefined ? readExample(opts.examplesDir, b.file) : undefined
      if (content !== undefined) f.content = content
      else page.missing.push({ file: b.file, line: b.line })
      page.items.push(f)
      interrupted = true
      continue
    }
    codeIndex++
    const prose = between.join('\n')
    const lastProse = (between.at(-1) ?? '').trim()
    const cue = OUTPUT_CUE.test(lastProse) && !RUN_CUE.test(lastProse)
    const follows = lastCommand !== undefined && !interrupted && lastCommand.output === undefined
    const commandLike = looksLikeCommand(firstLine(b.text))
    const shellLang = SHELL_LANGS.has(b.lang)
    // A plain block right under a `shell` one is its output, whatever its first line looks like (`X=$(Y)://…`).
    const plainUnderShell = b.lang === '' && lastCommandLang !== undefined && SHELL_LANGS.has(lastCommandLang)
    between = []
    interrupted = false
    const printed = isManifest(b.text) && PRINTS_MANIFEST.test(lastCommand?.text ?? '') && fileNamed(prose) === undefined
    if (follows && (cue || printed || (prose === '' && (!commandLike || plainUnderShell) && (OUTPUT_LANGS.has(b.lang) || shellLang)))) {
      ;(lastCommand as DocsCommand).output = withoutEcho(b.text, b.body, (lastCommand as DocsCommand).text)
      continue
    }
    if ((shellLang || (b.lang === '' && commandLike)) && !isManifest(b.text) && !isYamlFragment(b.text)) {
      const commands = commandsOf(b, IN_SHELL.test(lastProse) && (lastCommand?.opens !== undefined || lastCommand?.container?.shell !== undefined))
      if (commands.length > 0) {
        // "In another terminal, …" before a line: the long-running line before it keeps running there.
        if (ANOTHER_TERMINAL.test(prose)) {
          const first = commands[0] as DocsCommand
          if (lastCommand?.longRunning) lastCommand.background = true
          else if (first.longRunning || first.opens) first.background = true
        }
        page.items.push(...commands)
        lastCommand = commands.at(-1)
        lastCommandLang = b.lang
        continue
      }
    }
    if (isManifest(b.text) || (b.lang === 'yaml' || b.lang === 'json' ? fileNamed(prose) !== undefined : false)) {
      const name = fileNamed(prose)
      page.items.push({
        kind: 'file',
        ...(name !== undefined ? { name } : {}),
        content: b.text.endsWith('\n') ? b.text : `${b.text}\n`,
        line: b.body,
        source: 'block',
        ...(b.lang !== '' ? { language: b.lang } : {}),
      })
    } else page.items.push({ kind: 'shown', lang: b.lang, text: b.text, line: b.line })
    interrupted = true
  }
  nameUnnamedManifests(page.items)
  return page
}

/**
 * "Create the manifest:" then `kubectl apply -f ./secret.yaml`: a manifest block the prose does not name, right before
 * the next command with only prose between, is saved under the one file that command reads, as a reader does, when no
 * other file of the page has that name and no earlier command mentions it.
 */
function nameUnnamedManifests(items: DocsItem[]): void {
  items.forEach((item, i) => {
    if (item.kind !== 'file' || item.name !== undefined || item.content === undefined || item.source !== 'block') return
    const user = items.find((x, k) => k > i && x.kind !== 'prose' && x.kind !== 'heading')
    if (user?.kind !== 'command' || user.container !== undefined) return
    const name = unnamedManifestName(
      user.text,
      items.slice(0, i).flatMap((x) => (x.kind === 'command' ? [x.text] : [])),
      items.flatMap((x) => (x.kind === 'file' && x.name !== undefined ? [x.name] : [])),
    )
    if (name === undefined) return
    item.name = name
    item.unnamed = true
  })
}

/** The example file P under `dir`, or undefined when it is not there. */
function readExample(dir: string, path: string): string | undefined {
  if (path.split('/').includes('..')) return undefined
  try {
    return readFileSync(join(dir, path), 'utf8')
  } catch {
    return undefined
  }
}
