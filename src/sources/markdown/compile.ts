// Draft steps → the engine's Walkthrough value: ids, variables (which are secret, which are chosen),
// the default check against each recording, declared checks, waits, exit codes, files, background
// lines, guards before creating lines, cleanups from kubectl's output, participant checks and traces.
// The runner never learns that the walkthrough was Markdown.
import { basename } from 'node:path'
import { WalkthroughError } from '../../core/errors.js'
import type { WalkthroughSection } from '../prose.js'
import { quote } from '../../platform/shell.js'
import {
  truthy,
  type Assertion,
  type CommandContext,
  type ParticipantCheck,
  type Step,
  type StepContext,
  type StepOutput,
  type Var,
} from '../../core/step.js'
import type { DriftItem } from '../../core/drift.js'
import { walkthroughProblems, type Trace, type Walkthrough } from '../../core/walkthrough.js'
import { recordedErrorAnswers } from './answers.js'
import { comparisonAssertions, compareWithRecording, declaredCheck, readAs, readOutput, shapeOf, terminalText, type Substitution } from './checks.js'
import type { FrontMatter } from './frontmatter.js'
import { createdNames, creatingVerb, manifestNamespace, manifestObjects, mayCreate, namespaceFlag, tracker, type ManifestObject } from './kubectl.js'
import { assignedVars, blockStarts, firstLineOf, isBackground, readVars, splitCommands } from './lines.js'
import { pageValues } from './pinned.js'
import { chosenValue, lineWith, placeholderLine, writtenValue } from './placeholders.js'
import type { DraftStep } from './steps.js'
import { needsOf } from './needs.js'

const JWT = /^eyJ[\w-]+\.[\w-]+\.[\w-]*$/

/** A lower-case id from a title: its first words, joined by '-'. */
export function slug(title: string): string {
  const words =
    title
      .toLowerCase()
      .replace(/`[^`]*`/g, (m) => m.replace(/[^a-z0-9]+/g, ' '))
      .match(/[a-z0-9]+/g) ?? []
  return words.slice(0, 5).join('-')
}

// Which output belongs to which parse: check() gets the value parse() made, and needs the output behind it.
const outputs = new WeakMap<object, { out: StepOutput; text: string; subs: Substitution[] }>()

/** The port a line serves on (`--port=8080`, `-p 8080`, `port-forward … 8080:80`), for a background line's readiness. */
export function portOf(command: string): number | undefined {
  const m = /(?:--port[= ]|\s-p\s+)(\d{2,5})\b/.exec(command) ?? /\bport-forward\s+(?:\S+\s+)*?\S+\s+(\d{2,5})(?::\d+)?\b/.exec(command)
  return m ? Number(m[1]) : undefined
}

/** The walkthrough the drafts of `file` make. */
export function compileWalkthrough(file: string, fm: FrontMatter, drafts: readonly DraftStep[]): Walkthrough {
  if (drafts.length === 0)
    throw new WalkthroughError(
      `${file}: no command to run: a step is a \`bash\`, \`sh\` or \`shell\` block, or a line after a \`$ \` prompt in a \`console\` block.`,
    )
  if (drafts.length > 99) throw new WalkthroughError(`${file}: ${drafts.length} steps; a walkthrough has at most 99.`)
  const chosen = Object.keys(fm.choose)
  // Every variable some line assigns, in the order first assigned.
  const assigned = new Map<string, number>()
  const stepVars = drafts.map((d, i) => {
    const names = new Set(splitCommands(d.command).flatMap((c) => assignedVars(c.text)))
    for (const n of names) if (!assigned.has(n)) assigned.set(n, i)
    return names
  })
  for (const s of fm.secrets)
    if (!assigned.has(s)) throw new WalkthroughError(`${file}: secret variable ${s} is never set: no line assigns it (${s}=… or export ${s}=…).`)
  for (const c of chosen)
    if (!assigned.has(c)) throw new WalkthroughError(`${file}: choose: no line assigns ${c}, so there is nothing to put the chosen value in.`)
  const vars = new Map<string, Var>()
  for (const name of assigned.keys()) {
    const firstDraft = drafts[assigned.get(name) as number] as DraftStep
    const rec = firstDraft.recording?.text.trim() ?? ''
    const secret = fm.secrets.includes(name) || (stepVars[assigned.get(name) as number]?.size === 1 && JWT.test(rec))
    vars.set(name, { name, secret, describe: fm.choose[name]?.describe ?? `set by the line at ${basename(file)}:${firstDraft.line}` })
  }
  const ids = new Set<string>()
  const comparers = new Map<string, (live: unknown) => DriftItem[] | undefined>()
  const pinned = pageValues(drafts)
  const steps = drafts.map((d, i) => compileStep(file, fm, d, i, { vars, stepVars, drafts, ids, comparers, pinned }))
  const source = fm.source
  const w: Walkthrough = {
    id: fm.id ?? (slug(basename(file).replace(/\.md$/i, '')) || 'markdown'),
    title: fm.title ?? drafts.find((d) => d.heading)?.heading ?? basename(file),
    vars: [...vars.values()],
    steps,
    prose: () =>
      drafts.map((d, i): WalkthroughSection => ({
        number: (steps[i] as Step).number,
        title: (steps[i] as Step).title,
        id: (steps[i] as Step).id,
        explanation: withoutTitleHeading(d.prose, (steps[i] as Step).title),
        command: d.command,
      })),
    recorded: () =>
      Object.fromEntries(
        drafts.flatMap((d, i) => {
          if (d.recording === undefined) return []
          const step = steps[i] as Step
          const out: StepOutput = { stdout: d.recording.text, stderr: '', exitCode: 0 }
          if (step.writes !== undefined && pureAssignment(d.command)) out.captured = d.recording.text.trim()
          return [[step.id, out]]
        }),
      ),
    traces: traces(drafts, steps),
    // Drift reads a step as its default check does (tokens, times, ages, ids, addresses, ports are expected).
    compare: (step, _recorded, live) => comparers.get(step.id)?.(live),
  }
  if (source) {
    w.source = { title: source.title ?? w.title }
    for (const k of ['url', 'date', 'kubernetes', 'kubectl'] as const) if (source[k] !== undefined) w.source[k] = source[k]
  }
  if (fm.changes !== undefined) w.changes = fm.changes
  const asks = needsOf(file, drafts)
  if (fm.requires || asks.node || asks.needs.length > 0) {
    w.requires = {}
    if (fm.requires?.kubernetes !== undefined) w.requires.kubernetes = fm.requires.kubernetes
    if (fm.requires?.tools) w.requires.tools = fm.requires.tools
    if (fm.requires?.objects) w.requires.objects = fm.requires.objects
    if (asks.node) w.requires.node = true
    if (asks.needs.length > 0) w.requires.needs = asks.needs
  }
  const [problem] = walkthroughProblems(w)
  if (problem !== undefined) throw new WalkthroughError(`${file}: ${problem}.`)
  return w
}

/** A block that is one assignment and prints nothing (`X=$(…)`): its recording is the value it sets. */
export function pureAssignment(command: string): boolean {
  const cmds = splitCommands(command)
  return cmds.length === 1 && /^(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*=/.test(cmds[0]?.text ?? '') && assignedVars(cmds[0]?.text ?? '').length === 1
}

interface Shared {
  vars: Map<string, Var>
  stepVars: Set<string>[]
  drafts: readonly DraftStep[]
  ids: Set<string>
  /** Per step id: its live value against its recording, as the default check reads it. */
  comparers: Map<string, (live: unknown) => DriftItem[] | undefined>
  /** Values the page's own lines set: compared as real wherever a recording shows them. */
  pinned: readonly string[]
}

function compileStep(file: string, fm: FrontMatter, d: DraftStep, i: number, shared: Shared): Step<object> {
  const a = d.annotations
  const number = String(i + 1).padStart(2, '0')
  const title = a.title ?? d.title ?? (d.headed ? d.heading : undefined) ?? titleOf(d)
  let id = a.id ?? (slug(title) || `step-${number}`)
  if (shared.ids.has(id)) {
    if (a.id !== undefined) throw new WalkthroughError(`${file}:${a.line}: step id ${id} is used twice.`)
    let k = 2
    while (shared.ids.has(`${id}-${k}`)) k++
    id = `${id}-${k}`
  }
  shared.ids.add(id)
  const own = shared.stepVars[i] as Set<string>
  const earlier = new Set(shared.stepVars.slice(0, i).flatMap((s) => [...s]))
  const reads = readVars(d.command)
    .filter((n) => earlier.has(n) && !own.has(n))
    .map((n) => shared.vars.get(n) as Var)
  const single = splitCommands(d.command)
  const writesOne = pureAssignment(d.command) || (single.length === 1 && own.size === 1)
  const writes = writesOne ? shared.vars.get([...own][0] as string) : undefined
  const sets = [...own].filter((n) => n !== writes?.name).map((n) => shared.vars.get(n) as Var)
  const placeholder = placeholderLine(d.command, Object.keys(fm.choose))
  const choice = placeholder ? fm.choose[placeholder.name] : undefined
  const substitutions = (ctx: StepContext): Substitution[] => {
    const subs: Substitution[] = [{ recorded: 'default', live: ctx.namespace }]
    for (const [name, c] of Object.entries(fm.choose)) {
      const live = chosenValue(name, c, ctx)
      if (c.recorded !== undefined && live !== undefined) subs.push({ recorded: c.recorded, live })
    }
    return subs
  }
  const recording = a.compareOff ? undefined : d.recording?.text
  const captures = writes !== undefined && pureAssignment(d.command)
  const background = a.background !== undefined || isBackground(d.command)
  const creates = mayCreate(d.command)
  const step: Step<object> = {
    id,
    number,
    title,
    command:
      placeholder && choice
        ? (ctx: CommandContext) => {
            const v = chosenValue(placeholder.name, choice, ctx)
            return v === undefined ? d.command : lineWith(placeholder, v)
          }
        : d.command,
    reads,
    parse: (out, ctx) => {
      const text = captures ? (out.captured ?? '') : terminalText(out)
      const shape = recording === undefined ? 'lines' : shapeOf(recording)
      const read = shape === 'lines' ? readAs(shape, text) : readOutput(shape, out)
      const value = (typeof read === 'object' && read !== null ? read : { value: read ?? text }) as object
      outputs.set(value, { out, text, subs: substitutions(ctx) })
      return value
    },
    check: (value, ctx) => {
      const seen = outputs.get(value) ?? { out: { stdout: '', stderr: '', exitCode: 0 }, text: '', subs: [] }
      const assertions: Assertion[] = []
      if (recording !== undefined)
        assertions.push(
          ...comparisonAssertions(
            compareWithRecording(id, recording, seen.text, {
              substitutions: substitutions(ctx),
              stdout: captures ? seen.text : seen.out.stdout,
              ...(captures ? {} : { parts: seen.out.parts }),
              pinned: shared.pinned,
            }),
          ),
        )
      for (const c of a.checks) assertions.push(declaredCheck(c, seen.out, seen.text))
      return assertions
    },
    tracks: tracker(d.command, a.cleanup, manifestsOf(d)),
  }
  const recorded = d.recording?.text
  if (recorded !== undefined) {
    shared.comparers.set(id, (live) => {
      const seen = typeof live === 'object' && live !== null ? outputs.get(live) : undefined
      return (
        seen &&
        compareWithRecording(id, recorded, seen.text, {
          substitutions: seen.subs,
          stdout: captures ? seen.text : seen.out.stdout,
          ...(captures ? {} : { parts: seen.out.parts }),
          pinned: shared.pinned,
        }).items
      )
    })
  }
  // A block of several commands runs them one by one; its recording shows all they printed.
  const starts = blockStarts(d.command)
  if (starts.length > 1 && !background) step.blockCommands = starts
  if (writes !== undefined) step.writes = writes
  if (sets.length > 0) step.sets = sets
  if (a.exit) step.answerCodes = a.exit
  // An error the recording shows (a Forbidden the page expects) is the line's answer.
  const expectedError = d.recording === undefined ? undefined : recordedErrorAnswers(d.recording.text)
  if (expectedError !== undefined) step.answersWithError = expectedError
  if (a.waitMs !== undefined) step.wait = { for: 'its checks to pass', timeoutMs: a.waitMs, intervalMs: Math.min(1000, Math.max(100, a.waitMs / 20)) }
  if (d.files.length > 0) step.files = d.files
  if (background) {
    step.background = {}
    if (a.background?.ready !== undefined) step.background.ready = a.background.ready
    else {
      const port = portOf(firstLineOf(d.command))
      if (port !== undefined) step.background.port = port
    }
  }
  // Said, not asserted: a check that always holds would only look like one.
  const notes = [
    ...(recording === undefined && a.checks.length === 0
      ? [
          a.compareOff
            ? 'its output is not compared (compare off): it checks only its exit code'
            : 'no recording to compare with: it checks only its exit code',
        ]
      : []),
    ...(recording === undefined && a.checks.length > 0
      ? [
          a.compareOff
            ? 'its output is not compared (compare off), only its declared checks'
            : 'no recording to compare with, only its declared checks',
        ]
      : []),
  ]
  if (notes.length > 0) step.notes = notes
  const made = [...(creates ? [`kubectl's "kind/name created"`] : []), ...a.cleanup.map((c) => `declared: ${c}`)]
  if (made.length > 0) step.tracksCreated = made.join('; ')
  if (placeholder && choice) {
    // A value the reader must choose and nobody gave: refused before the line runs.
    step.guard = {
      command: 'true',
      refuse: (_out, ctx) =>
        chosenValue(placeholder.name, choice, ctx) === undefined
          ? `${placeholder.name} is a value to choose (the line says ${writtenValue(placeholder)}); give it with --set ${placeholder.name}=VALUE or export it`
          : undefined,
    }
  }
  const pc = participantCheck(d, a.verify)
  if (pc) step.participantCheck = pc
  return step
}

function titleOf(d: DraftStep): string {
  const line = firstLineOf(d.command).trim()
  return line.length > 60 ? `${line.slice(0, 57)}…` : line
}

/** The objects of the manifests a step's line reads: its heredoc and the files written for it. */
// Memoized, and no YAML parser for a step that has no heredoc and no file: most have neither.
const manifestCache = new WeakMap<DraftStep, ManifestObject[]>()
function manifestsOf(d: DraftStep): ManifestObject[] {
  let objects = manifestCache.get(d)
  if (objects === undefined) {
    const heredoc = d.command.includes('\n') ? d.command.split('\n').slice(1).join('\n') : ''
    objects = [...(heredoc.trim() === '' ? [] : manifestObjects(heredoc)), ...d.files.flatMap((f) => manifestObjects(f.content))]
    manifestCache.set(d, objects)
  }
  return objects
}

/** The objects a step creates, as `kind/name`, from its recording or its manifests, with the namespace a manifest gives. */
function objectsOf(d: DraftStep): ManifestObject[] {
  const manifests = manifestsOf(d)
  const fromRecording = createdNames(d.recording?.text ?? '')
  if (fromRecording.length > 0)
    return fromRecording.map((name) => {
      const namespace = manifestNamespace(name, manifests)
      return namespace === undefined ? { name } : { name, namespace }
    })
  if (!creatingVerb(d.command)) return []
  return manifests
}

/** `kubewalk check`: the annotated read-only line, else whether what the step creates exists; never the step itself. */
function participantCheck(d: DraftStep, verify: string | undefined): ParticipantCheck<object> | undefined {
  if (verify !== undefined) {
    return { command: verify, reads: [], parse: (out) => ({ stdout: out.stdout }), check: () => [truthy(`${verify} succeeds`, true)] }
  }
  const objects = objectsOf(d)
  if (objects.length === 0) return undefined
  const ns = namespaceFlag(firstLineOf(d.command))
  // One read per namespace: the manifest's own, else the line's, else the run's.
  const groups = new Map<string, string[]>()
  for (const o of objects) groups.set(o.namespace ?? ns ?? '', [...(groups.get(o.namespace ?? ns ?? '') ?? []), o.name])
  return {
    command: [...groups]
      .map(([n, names]) => `kubectl get ${names.map(quote).join(' ')}${n ? ` -n ${quote(n)}` : ''} --ignore-not-found -o name`)
      .join(' && '),
    reads: [],
    parse: (out) =>
      out.stdout
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== ''),
    check: (found) =>
      objects.map(({ name: o }) =>
        truthy(
          `${o} exists`,
          (found as string[]).some((f) => f.split('/')[1] === o.split('/')[1] && o.startsWith(f.split('/')[0]?.split('.')[0] ?? '')),
          found,
        ),
      ),
  }
}

function traces(drafts: readonly DraftStep[], steps: readonly Step<object>[]): Trace[] {
  return drafts.flatMap((d, i) => {
    // Only what lands in the participant's namespace (no -n on the line, none in the manifest).
    const objects = objectsOf(d)
      .filter((o) => o.namespace === undefined)
      .map((o) => o.name)
    if (objects.length === 0 || namespaceFlag(firstLineOf(d.command))) return []
    return [
      {
        step: (steps[i] as Step).id,
        command: `kubectl -n "$KUBEWALK_NAMESPACE" get ${objects.map(quote).join(' ')} --ignore-not-found -o name`,
        done: (out: StepOutput) =>
          out.stdout
            .trim()
            .split('\n')
            .filter((l) => l.trim() !== '').length === objects.length,
      },
    ]
  })
}

/** The prose without the heading line the step is titled by: the report already shows that title beside the step. */
function withoutTitleHeading(prose: string, title: string): string {
  return prose
    .split('\n')
    .filter(
      (line) =>
        !/^#{1,6}\s/.test(line) ||
        line
          .replace(/^#{1,6}\s+/, '')
          .replace(/\s+#*\s*$/, '')
          .trim() !== title,
    )
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}
