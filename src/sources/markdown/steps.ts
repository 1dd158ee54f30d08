// Blocks → draft steps: which blocks are steps, which are their recordings, which are files to save,
// and what prose and annotations belong to each. Nothing runs here and nothing is typed yet: compile.ts
// turns drafts into the engine's Step values.
//
// - A `bash`, `sh`, `shell` or `zsh` block is a step, or several when it is split at its comment lines, or
//   one per command when the prose before it offers them as equivalent forms (then only the first runs).
// - A `console` block (or any block whose first line is a prompt) holds prompt lines: each is a step,
//   and the lines up to the next prompt are its recording.
// - An untagged, `text`, `json` or `yaml` block after a step is that step's recording, unless the prose
//   before it names a file (`pod.yaml`) that a later line uses, by its name or its folder's: then it is written
//   under that name, with the files a kustomization among them reads.
// - Other blocks are prose.
import { WalkthroughError } from '../../core/errors.js'
import { escapeRe } from '../../core/text.js'
import { annotationText, parseAnnotation, type Annotations } from './annotations.js'
import { isKustomization, kustomizationReads } from './kustomization.js'
import { splitCommands, splitConsole, promptOf } from './lines.js'
import type { CodeBlock, MarkdownDoc } from './parse.js'

/** A step as the Markdown shows it. */
export interface DraftStep {
  /** The line of the file its command starts on. */
  line: number
  command: string
  title?: string
  /** The nearest heading above it. */
  heading?: string
  /** That heading stands right above it: no other step since (a title for it). */
  headed?: boolean
  /** The prose between the previous step and this one. */
  prose: string
  recording?: { text: string; line: number }
  files: PageFile[]
  annotations: Annotations
}

/** A file the page gives to save, as the page writes it. */
export interface PageFile {
  name: string
  content: string
  /** What the run says of it (a name the page does not give, taken from the line that reads it). */
  notes?: string[]
}

const SHELL = new Set(['bash', 'sh', 'shell', 'zsh'])
const CONSOLE = new Set(['console', 'shell-session', 'shellsession', 'terminal'])
const OUTPUT = new Set(['', 'text', 'txt', 'plaintext', 'plain', 'output', 'json', 'yaml', 'yml', 'log'])
const FILE_NAME =
  /(?:^|[\s`'"(/])((?:[\w.-]+\/)*[\w-][\w.-]*\.(?:ya?ml|json|txt|conf|cfg|ini|toml|env|properties|sh|py|js|ts|pem|crt|key|csr|xml|html|tpl|j2))(?=[\s`'",.:;)]|$)/g

// "create a file named `config-demo`": a name without an extension, which the prose says is a file.
const NAMED_FILE = /\bfile\s+(?:named|called)\s+`((?:[\w.-]+\/)*[\w-][\w.-]*)`/gi

/** The last file name a paragraph mentions, if any. */
export function fileNamed(prose: string): string | undefined {
  const found = [...prose.matchAll(FILE_NAME), ...prose.matchAll(NAMED_FILE)].sort((a, b) => (a.index ?? 0) - (b.index ?? 0))
  return found.map((m) => m[1] as string).pop()
}

const isConsoleBlock = (b: CodeBlock): boolean =>
  CONSOLE.has(b.lang) || ((SHELL.has(b.lang) || OUTPUT.has(b.lang)) && promptOf(b.text.split('\n').find((l) => l.trim() !== '') ?? '') !== undefined)

/** The line names the file, or a folder it is in (`kubectl apply -k overlays/production`). */
const usesFile = (command: string, name: string): boolean => {
  // `:` as in a list of paths (`KUBECONFIG="${KUBECONFIG}:config-demo:config-demo-2"`).
  if (new RegExp(`(?:^|[\\s=/'":])${escapeRe(name)}(?=[\\s'";|):]|$)`, 'm').test(command)) return true
  // A kustomization in the shell's folder, read by `-k .` or by `-k <directory-path>`, the folder the reader is in.
  if (isKustomization(name) && !name.includes('/') && /(?:^|\s)(?:-k|--kustomize)(?:=|\s+)(?:\.\/?|<[\w .:/-]+>)(?=[\s;|)]|$)/m.test(command))
    return true
  const parts = name.split('/')
  return parts
    .slice(0, -1)
    .map((_, i) => parts.slice(0, i + 1).join('/'))
    .filter((d) => d !== '.' && d !== '..')
    .some((d) => new RegExp(`(?:^|[\\s='"]|\\./)${escapeRe(d)}/?(?=[\\s'";|)]|$)`, 'm').test(command))
}

// The prose right before a block says its commands are one thing done several ways.
const EQUIVALENT =
  /(?:^|[.!?]\s+|\n)((?:The following|These|All of the following|Each of the following)\s+(?:\w+\s+){0,2}(?:commands|lines|forms)\s+(?:are|do the same)\s+(?:equivalent|the same thing)|(?:Use|Run)\s+(?:either|any|one)\s+of\s+the\s+following\s+(?:\w+\s+)?commands)[^\n]*?[:.]?\s*$/i

/** The words of the last paragraph that offer a block's commands as equivalent forms, or undefined. */
export function equivalentForms(prose: string): string | undefined {
  return EQUIVALENT.exec(prose.trim())?.[1]
}

/** Why an equivalent form after the first is shown and not run (step `first` runs; `words` offered them). */
export const equivalentFormReason = (first: number, words: string): string =>
  `an equivalent form of step ${String(first).padStart(2, '0')} the page offers ("${words}"): a reader runs one`

/** The draft steps of a parsed Markdown file; `splitAll` splits every block at its comment lines. */
export function draftSteps(doc: MarkdownDoc, opts: { splitAll?: boolean } = {}): DraftStep[] {
  const steps: DraftStep[] = []
  let prose: string[] = []
  let heading: string | undefined
  let headed = false
  let pending: Annotations | undefined
  let lastProse = ''
  /** A named block, written before the first later line that uses it. */
  const candidates: { name: string; block: CodeBlock; index: number; notes?: string[] }[] = []
  /** A manifest shown without a name, before step `index`. */
  const unnamed: { block: CodeBlock; index: number }[] = []
  // The step the next output block records, until prose or another block comes between.
  let recordable: DraftStep | undefined
  const push = (d: Omit<DraftStep, 'prose' | 'files' | 'heading'>): DraftStep => {
    const step: DraftStep = { ...d, prose: prose.join('\n\n'), files: [], ...(heading !== undefined ? { heading, headed } : {}) }
    prose = []
    headed = false
    steps.push(step)
    return step
  }
  const blank = (line: number): Annotations => ({ checks: [], cleanup: [], line })
  for (const block of doc.blocks) {
    if (block.kind === 'comment') {
      const text = annotationText(block.text, `${doc.file}:${block.line}`)
      if (text !== undefined) pending = parseAnnotation(text, doc.file, block.line, pending)
      continue
    }
    if (block.kind === 'heading') {
      heading = block.text
      headed = true
      prose.push(`${'#'.repeat(block.depth)} ${block.text}`)
      recordable = undefined
      lastProse = ''
      continue
    }
    if (block.kind === 'prose') {
      prose.push(block.text)
      lastProse = block.text
      continue
    }
    const annotations = pending ?? blank(block.line)
    pending = undefined
    if (annotations.skip) {
      prose.push(fence(block))
      continue
    }
    if (isConsoleBlock(block)) {
      const entries = splitConsole(block.text)
      entries.forEach((e, k) => {
        const step = push({
          line: block.line + 1 + e.index,
          command: e.command,
          annotations: k === 0 ? annotations : blank(block.line),
          ...(e.comment ? { title: e.comment } : {}),
        })
        if (e.output !== '') step.recording = { text: e.output, line: block.line + 2 + e.index }
        recordable = undefined
      })
      if (entries.length === 0) prose.push(fence(block))
      else recordable = steps.at(-1)?.recording === undefined ? steps.at(-1) : undefined
      lastProse = ''
      continue
    }
    if (SHELL.has(block.lang)) {
      const commands = splitCommands(block.text)
      if (commands.length === 0) continue
      const offered = commands.length > 1 && !annotations.split ? equivalentForms(lastProse) : undefined
      if (offered !== undefined) {
        // Ways the page offers to do one thing: a reader runs the first; the others are shown, each its own step.
        const manual = equivalentFormReason(steps.length + 1, offered)
        commands.forEach((c, k) =>
          push({ line: block.line + 1 + c.index, command: c.text, annotations: k === 0 ? annotations : { ...blank(block.line), manual } }),
        )
        recordable = steps.at(-commands.length)
        lastProse = ''
        continue
      }
      if (annotations.split || opts.splitAll) {
        // Groups of commands, a new one at each comment line; the comment is its title.
        const groups: { title?: string; index: number; lines: string[] }[] = []
        for (const c of commands) {
          const last = groups.at(-1)
          if (last === undefined || c.comment !== undefined)
            groups.push({ ...(c.comment !== undefined ? { title: c.comment } : {}), index: c.index, lines: [c.text] })
          else last.lines.push(c.text)
        }
        groups.forEach((g, k) =>
          push({
            line: block.line + 1 + g.index,
            command: g.lines.join('\n'),
            annotations: k === 0 ? annotations : blank(block.line),
            ...(g.title !== undefined ? { title: g.title } : {}),
          }),
        )
      } else {
        const first = commands[0]
        const text = block.text
          .split('\n')
          .slice(first?.index ?? 0)
          .join('\n')
          .replace(/\s+$/, '')
        push({
          line: block.line + 1 + (first?.index ?? 0),
          command: text,
          annotations,
          ...(first?.comment !== undefined ? { title: first.comment } : {}),
        })
      }
      recordable = steps.at(-1)
      lastProse = ''
      continue
    }
    const named = annotations.file ?? (OUTPUT.has(block.lang) || lastProse !== '' ? fileNamed(lastProse) : undefined)
    if (annotations.file === undefined && (annotations.checks.length > 0 || annotations.exit || annotations.waitMs)) {
      throw new WalkthroughError(
        `${doc.file}:${annotations.line}: this annotation stands before a ${block.lang || 'untagged'} block, which is not a step; put it before a bash block.`,
      )
    }
    if (named !== undefined)
      candidates.push({ name: named, block, index: steps.length, ...(annotations.file && annotations.notes ? { notes: annotations.notes } : {}) })
    if (named === undefined && recordable && !recordable.recording && OUTPUT.has(block.lang)) {
      recordable.recording = { text: block.text, line: block.line + 1 }
      if (annotations.compareOff) recordable.annotations.compareOff = true
      recordable = undefined
    } else if (named !== undefined && recordable && !recordable.recording && OUTPUT.has(block.lang) && annotations.file === undefined) {
      // Named, but maybe only an output shown under a file's name: decided once we know whether a line uses it.
      recordable.recording = { text: block.text, line: block.line + 1 }
      ;(candidates.at(-1) as { recordingOf?: DraftStep }).recordingOf = recordable
      recordable = undefined
    } else {
      if (named === undefined && MANIFEST.has(block.lang) && /^apiVersion:/m.test(block.text) && /^kind:/m.test(block.text))
        unnamed.push({ block, index: steps.length })
      prose.push(fence(block))
    }
    lastProse = ''
  }
  if (pending !== undefined)
    throw new WalkthroughError(`${doc.file}:${pending.line}: this annotation stands before no block; put it right before the bash block it is about.`)
  type Candidate = (typeof candidates)[number] & { recordingOf?: DraftStep }
  const write = (user: DraftStep, c: Candidate): void => {
    if (c.recordingOf) delete c.recordingOf.recording
    if (user.files.some((f) => f.name === c.name)) return
    const content = c.block.text.endsWith('\n') ? c.block.text : `${c.block.text}\n`
    user.files.push({ name: c.name, content, ...(c.notes ? { notes: c.notes } : {}) })
    if (!isKustomization(c.name)) return
    // What the kustomization reads: the latest file of each name the page made before the line, in those folders.
    const at = steps.indexOf(user)
    for (const read of kustomizationReads(c.name, content)) {
      const made = candidates.filter((k) => k.index <= at && (k.name === read || k.name.startsWith(`${read}/`)))
      for (const k of made) if (made.findLast((m) => m.name === k.name) === k) write(user, k)
    }
  }
  for (const c of candidates as Candidate[]) {
    const user = steps.slice(c.index).find((s) => usesFile(s.command, c.name))
    if (user !== undefined) write(user, c)
  }
  // "Create the manifest:" then `kubectl apply -f ./secret.yaml`: a reader saves the manifest under the name the next
  // line reads, when it is the one block shown before that line and nothing else makes or names that file.
  for (const u of unnamed) {
    const user = steps[u.index]
    if (user === undefined || user.files.length > 0 || unnamed.some((o) => o !== u && o.index === u.index)) continue
    const name = unnamedManifestName(
      user.command,
      steps.slice(0, u.index).map((s) => s.command),
      candidates.map((c) => c.name),
    )
    if (name === undefined) continue
    user.files.push({ name, content: u.block.text.endsWith('\n') ? u.block.text : `${u.block.text}\n`, notes: [unnamedNote(name)] })
  }
  return steps
}

const MANIFEST = new Set(['yaml', 'yml', 'json'])

/** What a run says of a file the page shows without naming it. */
export const unnamedNote = (name: string): string =>
  `writes ${name} from the manifest the page shows right before it (the page does not name the file)`

/**
 * The name a manifest the page shows without one is saved under: the one file the `kubectl` line right after it reads,
 * unless another file of the page has that name (`named`) or an earlier line mentions it (it makes the file itself).
 */
export function unnamedManifestName(next: string, earlier: readonly string[], named: readonly string[]): string | undefined {
  const name = oneFileRead(next)
  if (name === undefined || named.includes(name)) return undefined
  const base = name.split('/').pop() as string
  return earlier.some((c) => c.includes(base)) ? undefined : name
}

/** The one local manifest a lone `kubectl` line reads with `-f` (`./secret.yaml`), as a path in the shell's folder. */
export function oneFileRead(command: string): string | undefined {
  const commands = splitCommands(command)
  const line = commands.length === 1 ? (commands[0]?.text ?? '') : ''
  if (!/^kubectl\s/.test(line)) return undefined
  const files = [...line.matchAll(/\s(?:-f|--filename)(?:=|\s+)(\S+)/g)].map((m) => m[1] as string)
  const [file] = files
  if (files.length !== 1 || file === undefined || !/^(?:\.\/)?[\w-][\w.-]*\.(?:ya?ml|json)$/.test(file)) return undefined
  return file.replace(/^\.\//, '')
}

const fence = (b: CodeBlock): string => `\`\`\`${b.info}\n${b.text}\n\`\`\``
