// `kubewalk import`: an article → a Markdown walkthrough. The article is Markdown with fenced blocks, or
// text pasted from a blog where commands follow a shell prompt and their outputs follow them. Found
// on the way: variables, secrets (JWT-shaped values), heredocs (kept whole), `echo $X` lines that only
// show a variable (folded into the step that set it: its output is the value's recording), a command
// shown twice (as a template and as run), and placeholders the reader must replace.
import { stringify } from 'yaml'
import { readRecording, shapeOf } from './checks.js'
import type { Choice } from './frontmatter.js'
import { assignedVars, commandEnd, echoOf, promptOf, splitCommands, trailingPromptOf } from './lines.js'
import { parseMarkdown } from './parse.js'
import { assignmentsIn, placeholderLine, placeholdersIn, writtenValue, type PlaceholderLine } from './placeholders.js'
import { draftSteps } from './steps.js'

/** One command of the article, as imported. */
export interface ImportedStep {
  command: string
  /** What the terminal showed after it, or (for `X=$(…)` folded with its `echo $X`) the value it set. */
  recording?: string
  title?: string
  /** The article's text before it. */
  prose: string
  /** The variable whose `echo` was folded into this step. */
  echoed?: string
  /** Typed in this Pod's container (a docs page's container prompt): written with `<!-- kubewalk: in POD [container C] -->`. */
  container?: { pod: string; container?: string }
  /** Keeps running while the next lines run (`--watch`, `kubectl proxy`): written with `<!-- kubewalk: background -->`. */
  background?: true
  /** Shown, not run, and why (an equivalent form of another step): written with `<!-- kubewalk: manual REASON -->`. */
  manual?: string
}

/** An article read for import. */
export interface ImportedArticle {
  title?: string
  /** Text before the first step. */
  preface: string
  steps: ImportedStep[]
  choose: Record<string, Choice>
  secrets: string[]
  /** Text after the last step. */
  epilogue?: string
  /** The oldest Kubernetes server the article is written for, MAJOR.MINOR (a docs page's `min-kubernetes-server-version`). */
  requires?: { kubernetes: string }
}

const BULLET = /^\s*(?:[-*•・]|\d+\.)\s+/
// A line outside any output that reads as a command the article shows without a prompt (a template).
const LOOKS_LIKE_COMMAND =
  /^(?:[A-Za-z_][A-Za-z0-9_]*=\S|export\s+[A-Za-z_]|(?:kubectl|curl|helm|minikube|kind|kubeadm|docker|base64|jq|openssl|echo|cat)\s)/
const JWT = /^eyJ[\w-]+\.[\w-]+\.[\w-]*$/
// Values an article leaves to its reader.
const PLACEHOLDER_VALUE = /^(?:<[^>]+>|\[[^\]]+\]|\{[^}]+\}|(?:your|some|my)[_-][\w-]+|YOUR_\w+|x{3,}|\.\.\.)$/i

const indentOf = (line: string): number => line.length - line.trimStart().length

/** Reads text pasted from a blog: prompt lines are commands, the lines after them (to the next prompt, or text less indented) their output. */
export function readPasted(text: string): ImportedArticle {
  const lines = text.replace(/\r\n?/g, '\n').split('\n')
  const steps: (ImportedStep & { templates: string[] })[] = []
  let prose: string[] = []
  let templates: string[] = []
  let comment: string | undefined
  // The last line of prose that is not a list item: the title of the step it stands before.
  let plain: string | undefined
  let current: { step: ImportedStep; column: number; out: string[] } | undefined
  const end = (): void => {
    if (current) {
      const out = current.out
        .join('\n')
        .replace(/^\n+/, '')
        .replace(/\n\s*$/, '')
      if (out.trim() !== '') current.step.recording = out
    }
    current = undefined
  }
  const start = (command: string, i: number, column: number): number => {
    end()
    const rest = [command, ...lines.slice(i + 1).map((l) => (indentOf(l) >= column ? l.slice(column) : l.trimStart()))]
    const stop = commandEnd(rest, 0)
    const title = comment ?? plain
    const step = { command: rest.slice(0, stop).join('\n'), prose: prose.join('\n\n').trim(), templates, ...(title !== undefined ? { title } : {}) }
    steps.push(step)
    current = { step, column, out: [] }
    prose = []
    templates = []
    comment = undefined
    plain = undefined
    return i + stop
  }
  let i = 0
  while (i < lines.length) {
    const line = lines[i] as string
    const p = promptOf(line)
    if (p) {
      if (p.command === '') end()
      else if (p.command.startsWith('#')) {
        end()
        comment = p.command.replace(/^#+\s*/, '') || comment
      } else {
        i = start(p.command, i, p.column)
        continue
      }
      i++
      continue
    }
    if (current) {
      const t = trailingPromptOf(line)
      if (t) {
        const column = current.column
        current.out.push(t.output.slice(Math.min(column, indentOf(t.output))))
        end()
        if (t.command !== '') {
          i = start(t.command, i, column)
          continue
        }
        i++
        continue
      }
      if (line.trim() === '') {
        current.out.push('')
        i++
        continue
      }
      if (indentOf(line) >= current.column) {
        current.out.push(line.slice(current.column))
        i++
        continue
      }
      end()
    }
    const bare = line.replace(BULLET, '').trim()
    if (bare === '') {
      i++
      continue
    }
    if (/^#/.test(line.trim()) && !BULLET.test(line)) {
      const c = line.trim().replace(/^#+\s*/, '')
      if (c !== '') comment = c
    } else if (LOOKS_LIKE_COMMAND.test(bare)) templates.push(bare)
    else {
      prose.push(bare)
      if (!BULLET.test(line)) plain = bare
    }
    i++
  }
  end()
  return finish(undefined, '', steps)
}

/** Reads a Markdown article: its fenced blocks and console prompts, as a walkthrough file would be read. */
export function readMarkdownArticle(file: string, text: string): ImportedArticle {
  const doc = parseMarkdown(file, text)
  const drafts = draftSteps(doc)
  const title = doc.blocks.find((b) => b.kind === 'heading')
  const steps = drafts.map((d) => ({
    command: d.command,
    prose: d.prose,
    templates: [] as string[],
    ...(d.recording ? { recording: d.recording.text } : {}),
    ...(d.title ? { title: d.title } : d.headed && d.heading ? { title: d.heading } : {}),
    ...(d.annotations.manual !== undefined ? { manual: d.annotations.manual } : {}),
  }))
  return finish(title?.kind === 'heading' ? title.text : undefined, '', steps)
}

/** Folds echo lines, resolves templates into placeholders, finds secrets. */
export function finish(title: string | undefined, preface: string, raw: (ImportedStep & { templates: string[] })[]): ImportedArticle {
  const steps: ImportedStep[] = []
  const choose: Record<string, Choice> = {}
  const secrets = new Set<string>()
  for (const s of raw) {
    const echoed = echoOf(s.command)
    const setter =
      echoed === undefined ? undefined : [...steps].reverse().find((p) => splitCommands(p.command).some((c) => assignedVars(c.text).includes(echoed)))
    if (echoed !== undefined && setter && setter === steps.at(-1) && setter.recording === undefined) {
      // `echo $X` right after the line that set X: its output is X's value, the setter's recording.
      if (s.recording !== undefined) setter.recording = s.recording
      setter.echoed = echoed
      continue
    }
    const step: ImportedStep = {
      command: s.command,
      prose: s.prose,
      ...(s.recording !== undefined ? { recording: s.recording } : {}),
      ...(s.title !== undefined ? { title: s.title } : {}),
      ...(s.container !== undefined ? { container: s.container } : {}),
      ...(s.background ? { background: true as const } : {}),
      ...(s.manual !== undefined ? { manual: s.manual } : {}),
    }
    const names = assignedVars(s.command)
    const asRun = placeholderLine(s.command, names)
    if (asRun) {
      // Shown twice: a template whose value differs from the one run is the placeholder line.
      const template = s.templates.find((t) => {
        const p = placeholderLine(t, [asRun.name])
        return p !== undefined && writtenValue(p) !== writtenValue(asRun)
      })
      if (template !== undefined) {
        step.command = template
        choose[asRun.name] = choiceFor(asRun.name, writtenValue(placeholderLine(template, [asRun.name]) as PlaceholderLine), writtenValue(asRun))
      } else if (PLACEHOLDER_VALUE.test(writtenValue(asRun))) choose[asRun.name] = choiceFor(asRun.name, writtenValue(asRun), undefined)
    }
    // An assignment of some_…, your_… or <…> anywhere in the block, as a run reads it.
    for (const p of placeholdersIn(step.command))
      if (p.assigned && choose[p.name] === undefined) choose[p.name] = choiceFor(p.name, p.written.replace(/^(["'])(.*)\1$/, '$2'), undefined)
    steps.push(step)
  }
  for (const s of steps) {
    const names = splitCommands(s.command).flatMap((c) => assignedVars(c.text))
    if (names.length === 1 && s.recording !== undefined && JWT.test(s.recording.trim())) secrets.add(names[0] as string)
  }
  const article: ImportedArticle = { preface, steps, choose, secrets: [...secrets] }
  if (title !== undefined) article.title = title
  return article
}

function choiceFor(name: string, written: string, recorded: string | undefined): Choice {
  const c: Choice = { describe: `the value to put in place of ${JSON.stringify(written)}` }
  if (/cluster/i.test(name)) c.from = 'cluster'
  else if (/namespace|^ns$/i.test(name)) c.from = 'namespace'
  if (recorded !== undefined) c.recorded = recorded
  return c
}

/** A JWT keeps its header and payload and loses its signature (its claims stay checkable; it is no longer a credential), also base64-encoded. */
export function withoutSignatures(text: string): string {
  return text.replace(/\b(eyJ[\w-]+\.eyJ[\w-]+\.)[\w-]+/g, '$1').replace(/ZXlK[A-Za-z0-9+/]{16,}={0,2}/g, (b64) => {
    const decoded = Buffer.from(b64, 'base64').toString('utf8')
    return JWT.test(decoded) ? Buffer.from(decoded.replace(/^(eyJ[\w-]+\.eyJ[\w-]+\.)[\w-]+$/, '$1')).toString('base64') : b64
  })
}

/** Whether `text` is pasted terminal text rather than Markdown (no fenced block). */
export const isPasted = (text: string): boolean => !/^ {0,3}(?:```|~~~)/m.test(text)

/** An article (Markdown or pasted text) read for import; `file` names it. */
export function readArticle(file: string, text: string): ImportedArticle {
  return isPasted(text) ? readPasted(text) : readMarkdownArticle(file, text)
}

const fenceFor = (text: string): string => '`'.repeat(Math.max(3, ...[...text.matchAll(/`{3,}/g)].map((m) => m[0].length + 1)))

/** The Markdown walkthrough of an imported article. */
export function toMarkdown(article: ImportedArticle, meta: { id: string; title: string; source?: string }): string {
  const fm: Record<string, unknown> = { id: meta.id, title: meta.title }
  if (meta.source !== undefined) fm.source = { title: meta.title, url: meta.source }
  if (article.secrets.length > 0) fm.secrets = article.secrets
  if (Object.keys(article.choose).length > 0) fm.choose = article.choose
  if (article.requires !== undefined) fm.requires = { kubernetes: article.requires.kubernetes }
  const out = [`---\n${stringify(fm).trimEnd()}\n---\n`, `# ${meta.title}\n`]
  if (article.preface.trim() !== '') out.push(`${article.preface.trim()}\n`)
  article.steps.forEach((s) => {
    if (s.title !== undefined) out.push(`## ${s.title}\n`)
    if (s.prose !== '') out.push(`${s.prose}\n`)
    for (const chosen of assignmentsIn(s.command, Object.keys(article.choose)))
      out.push(`Replace ${JSON.stringify(writtenValue(chosen))} with your own value (\`--set ${chosen.name}=VALUE\`).\n`)
    for (const p of placeholdersIn(s.command).filter((q) => !q.assigned))
      out.push(`Replace \`${p.written}\` with your own value (\`--set ${p.name}=VALUE\`).\n`)
    const directives = [
      ...(s.container !== undefined
        ? [`in ${s.container.pod}${s.container.container !== undefined ? ` container ${s.container.container}` : ''}`]
        : []),
      ...(s.background ? ['background'] : []),
      ...(s.manual !== undefined ? [`manual ${s.manual}`] : []),
    ]
    if (directives.length > 0) out.push(`<!-- kubewalk: ${directives.join('\n     ')} -->\n`)
    const f = fenceFor(s.command)
    out.push(`${f}bash\n${s.command}\n${f}\n`)
    if (s.recording !== undefined) {
      const rec = withoutSignatures(s.recording)
      const shape = shapeOf(rec)
      const rf = fenceFor(rec)
      out.push(s.echoed !== undefined ? `\`echo $${s.echoed}\` shows:\n` : 'The output is similar to this:\n')
      out.push(`${rf}${shape === 'json' ? 'json' : shape === 'yaml' ? 'yaml' : 'text'}\n${rec}\n${rf}\n`)
    }
  })
  if (article.epilogue !== undefined && article.epilogue.trim() !== '') out.push(`${article.epilogue.trim()}\n`)
  return out.join('\n')
}

/** A string as a TypeScript template literal, byte for byte. */
const literal = (text: string): string => `\`${text.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${')}\``

/** Checks drafted from a recording, as TypeScript: what kubectl says it created or deleted, a JSON body's kind or HTTP status, a JWT's shape. */
export function draftChecks(s: ImportedStep): string[] {
  const rec = s.recording === undefined ? undefined : withoutSignatures(s.recording).trim()
  if (rec === undefined || rec === '') return []
  const checks: string[] = []
  for (const m of rec.matchAll(/^([a-z0-9.-]+\/[a-z0-9][a-z0-9.:-]*) (created|configured)$/gm))
    checks.push(`{ contains: ${JSON.stringify(`${m[1]} ${m[2]}`)} }`)
  for (const m of rec.matchAll(/^([a-z0-9.-]+ "[a-z0-9][a-z0-9.:-]*" deleted)\b/gm)) checks.push(`{ contains: ${JSON.stringify(m[1])} }`)
  if (shapeOf(rec) === 'json') {
    const body = (readRecording('json', rec) ?? {}) as { kind?: unknown; code?: unknown }
    if (body.kind === 'Status' && typeof body.code === 'number') checks.push(`{ http: ${body.code} }`)
    else if (typeof body.kind === 'string') checks.push(`{ json: '.kind', equals: ${JSON.stringify(body.kind)} }`)
  }
  if (JWT.test(rec) || /^eyJ[\w-]+\.[\w-]+\.$/.test(rec)) checks.push('{ matches: /^eyJ[\\w-]+\\.[\\w-]+\\.[\\w-]+$/ }')
  return checks
}

/** The typed folder of an imported article: index.ts and one step file per command (path → content). */
export function toTypedFolder(article: ImportedArticle, meta: { id: string; title: string; source?: string }): Record<string, string> {
  const files: Record<string, string> = {}
  const names: string[] = []
  const used = new Set<string>()
  article.steps.forEach((s, i) => {
    const number = String(i + 1).padStart(2, '0')
    let base = `${number}-${slugOf(s.title ?? s.command) || 'step'}`
    while (used.has(base)) base += '-2'
    used.add(base)
    names.push(base)
    const chosen = placeholderLine(s.command, Object.keys(article.choose))
    const fields = [
      ...(s.title !== undefined ? [`title: ${JSON.stringify(s.title)},`] : []),
      ...(s.prose !== '' ? [`prose: ${literal(s.prose)},`] : []),
      ...(chosen ? [`// The reader's own value replaces ${JSON.stringify(writtenValue(chosen))}: --set ${chosen.name}=VALUE (see index.ts).`] : []),
      `command: ${literal(s.command)},`,
      ...(s.background ? ['background: true,'] : []),
      ...(s.recording !== undefined
        ? [
            `${s.echoed !== undefined ? `// What \`echo $${s.echoed}\` showed: the value it set.\n  ` : ''}recording: ${literal(withoutSignatures(s.recording))},`,
          ]
        : []),
    ]
    const checks = draftChecks(s)
    if (checks.length > 0) fields.push(`// Drafted from the recording; the recording is compared too.\n  checks: [${checks.join(', ')}],`)
    files[`steps/${base}.ts`] =
      `// ${number}: ${firstLine(s.title ?? s.command)}\nimport { defineRecordedStep } from 'kubewalk'\n\nexport default defineRecordedStep({\n  ${fields.join('\n  ')}\n})\n`
  })
  const w: Record<string, unknown> = { id: meta.id, title: meta.title }
  if (meta.source !== undefined) w.source = { title: meta.title, url: meta.source }
  if (article.secrets.length > 0) w.secrets = article.secrets
  if (Object.keys(article.choose).length > 0) w.choose = article.choose
  const head = JSON.stringify(w, null, 2)
    .replace(/\n}$/, '')
    .replace(/^(\s*)"([A-Za-z_]\w*)":/gm, '$1$2:')
  files['index.ts'] = [
    `// ${firstLine(meta.title)}: imported by \`kubewalk import --typed\`${meta.source !== undefined ? ` from ${meta.source}` : ''}.`,
    '// One step a file (steps/), each with its line verbatim, its recording and checks drafted from it.',
    '// Run it: kubewalk run --walkthrough <this folder>',
    "import { recordedWalkthrough } from 'kubewalk'",
    ...names.map((n, i) => `import s${String(i + 1).padStart(2, '0')} from './steps/${n}.js'`),
    '',
    `export default recordedWalkthrough(${head},\n  steps: [${names.map((_, i) => `s${String(i + 1).padStart(2, '0')}`).join(', ')}],\n})`,
    '',
  ].join('\n')
  return files
}

const firstLine = (text: string): string => (text.split('\n')[0] ?? '').slice(0, 100)

/** A file name's words: ASCII letters and digits of a title or a command, joined by '-'. */
function slugOf(text: string): string {
  return (
    firstLine(text)
      .toLowerCase()
      .match(/[a-z0-9]+/g) ?? []
  )
    .slice(0, 5)
    .join('-')
}
