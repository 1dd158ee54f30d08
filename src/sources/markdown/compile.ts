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
import type { Choice, FrontMatter } from './frontmatter.js'
import {
  createdNames,
  creatingVerb,
  deletedNames,
  manifestNamespace,
  manifestObjects,
  mayCreate,
  namespaceFlag,
  tracker,
  type ManifestObject,
} from './kubectl.js'
import { assignedVars, blockStarts, firstLineOf, isBackground, readVars, splitCommands } from './lines.js'
import { alternativeTo } from './alternatives.js'
import { conditionalOn } from './conditional.js'
import { pageValues } from './pinned.js'
import {
  assignmentsIn,
  chosenValue,
  filledFile,
  filledLine,
  kindOf,
  placeholdersIn,
  placeholdersInFile,
  podsListed,
  theOne,
  writtenValue,
} from './placeholders.js'
import type { DraftStep } from './steps.js'
import { needsOf } from './needs.js'
import { isWatch, latestRows, logsWait, statusWait, watchOf } from './watch.js'

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
  // An assignment of `some_…`, `your_…` or `<…>` anywhere in a block is a value to choose, declared or not.
  fm = { ...fm, choose: { ...detectedChoices(drafts), ...fm.choose } }
  const chosen = Object.keys(fm.choose)
  // Every variable some line assigns, in the order first assigned.
  const assigned = new Map<string, number>()
  const stepVars = drafts.map((d, i) => {
    // What a line typed in a container sets is the container shell's, not the walkthrough's.
    if (d.annotations.in !== undefined) return new Set<string>()
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
    ...inlinePlaceholders(file, drafts),
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
  const asks = needsOf(file, drafts, (d) => d.annotations.in !== undefined)
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

/** The assignments of `some_…`, `your_…` or `<…>` in the drafts' lines: values the reader chooses. */
function detectedChoices(drafts: readonly DraftStep[]): Record<string, Choice> {
  const choose: Record<string, Choice> = {}
  for (const d of drafts)
    for (const p of placeholdersIn(d.command))
      if (p.assigned && choose[p.name] === undefined) choose[p.name] = { describe: `the value to put in place of ${JSON.stringify(p.written)}` }
  return choose
}

/** The `<…>` placeholders of the drafts' lines (not variables), for `--set NAME=VALUE`. */
function inlinePlaceholders(file: string, drafts: readonly DraftStep[]): { placeholders?: { name: string; describe: string }[] } {
  const found = new Map<string, string>()
  for (const d of drafts) {
    for (const p of placeholdersIn(d.command))
      if (!p.assigned && !found.has(p.name)) found.set(p.name, `the value to put in place of ${p.written} (${basename(file)}:${d.line})`)
    for (const f of d.files)
      for (const p of placeholdersInFile(f.name, f.content))
        if (!found.has(p.name)) found.set(p.name, `the value to put in place of ${p.written} in ${f.name} (${basename(file)}:${d.line})`)
  }
  return found.size === 0 ? {} : { placeholders: [...found].map(([name, describe]) => ({ name, describe })) }
}

/** What kubectl said the run's steps so far created and deleted (`pod/web created`, `pod "web" deleted`). */
function madeBefore(values: ReadonlyMap<string, unknown>): [string[], string[]] {
  const created: string[] = []
  const deleted: string[] = []
  for (const v of values.values()) {
    const seen = typeof v === 'object' && v !== null ? outputs.get(v) : undefined
    if (seen === undefined) continue
    created.push(...createdNames(seen.out.stdout))
    deleted.push(...deletedNames(seen.out.stdout))
  }
  return [created, deleted]
}

/** The first Pod of the latest Pod table the run's steps printed (`kubectl get pods`), unless deleted since: one a reader would take. */
function lastListedPod(values: ReadonlyMap<string, unknown>, deleted: readonly string[]): string | undefined {
  let listed: string[] = []
  for (const v of values.values()) {
    const seen = typeof v === 'object' && v !== null ? outputs.get(v) : undefined
    const pods = seen === undefined ? [] : podsListed(seen.out.stdout)
    if (pods.length > 0) listed = pods
  }
  const gone = new Set(deleted.filter((d) => d.split('/')[0]?.split('.')[0] === 'pod').map((d) => d.split('/')[1]))
  return listed.find((p) => !gone.has(p))
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
  const inContainer = a.in !== undefined
  const reads = readVars(d.command)
    .filter((n) => !inContainer && earlier.has(n) && !own.has(n))
    .map((n) => shared.vars.get(n) as Var)
  const single = splitCommands(d.command)
  const writesOne = pureAssignment(d.command) || (single.length === 1 && own.size === 1)
  const writes = writesOne ? shared.vars.get([...own][0] as string) : undefined
  const sets = [...own].filter((n) => n !== writes?.name).map((n) => shared.vars.get(n) as Var)
  const assignments = inContainer ? [] : assignmentsIn(d.command, Object.keys(fm.choose))
  const inline = inContainer ? [] : placeholdersIn(d.command).filter((p) => !p.assigned)
  // A value left to the reader: --set (or the environment, or the declared default), else, for `<pod-name>`, the one Pod the run made.
  const valueFor =
    (ctx: CommandContext) =>
    (name: string): string | undefined => {
      const choice = fm.choose[name]
      if (choice !== undefined) return chosenValue(name, choice, ctx)
      const set = ctx.vars?.[name]
      if (set !== undefined && set !== '') return set
      const p = inline.find((q) => q.name === name)
      const kind = p && kindOf(p)
      if (kind === undefined || ctx.values === undefined) return undefined
      const [created, deleted] = madeBefore(ctx.values)
      return theOne(kind, created, deleted) ?? (kind === 'pod' ? lastListedPod(ctx.values, deleted) : undefined)
    }
  // A `<…>` value in a file the page gives to save: the reader's to put in before saving it, as on a line.
  const holes = inContainer ? [] : d.files.map((f) => ({ f, in: placeholdersInFile(f.name, f.content) }))
  const fileHoles = holes.flatMap((h) => h.in.filter((p) => !inline.some((q) => q.written === p.written)).map((p) => ({ ...p, file: h.f.name })))
  const fills = assignments.length > 0 || inline.length > 0 || fileHoles.length > 0
  const substitutions = (ctx: StepContext): Substitution[] => {
    const subs: Substitution[] = [{ recorded: 'default', live: ctx.namespace }]
    for (const [name, c] of Object.entries(fm.choose)) {
      const live = chosenValue(name, c, ctx)
      if (c.recorded !== undefined && live !== undefined) subs.push({ recorded: c.recorded, live })
    }
    return subs
  }
  const background = !inContainer && (a.background !== undefined || isBackground(d.command))
  // A watch is judged on the latest row of each object it showed, as is its recording.
  const watchLine = isWatch(d.command)
  const watching = !background && watchLine
  const seenRows = (t: string): string => (watchLine ? latestRows(t) : t)
  const recording = a.compareOff || d.recording === undefined ? undefined : seenRows(d.recording.text)
  const captures = writes !== undefined && pureAssignment(d.command)
  const creates = !inContainer && mayCreate(d.command)
  const step: Step<object> = {
    id,
    number,
    title,
    command: fills ? (ctx: CommandContext) => filledLine(d.command, assignments, inline, valueFor(ctx)) : d.command,
    reads,
    parse: (all, ctx) => {
      const out = watchLine ? { ...all, stdout: seenRows(all.stdout) } : all
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
  }
  // A container's shell makes nothing on the cluster that the run tracks: kubectl is not there.
  if (!inContainer) step.tracks = tracker(d.command, a.cleanup, manifestsOf(d))
  if (a.in !== undefined) step.container = { ...a.in }
  if (a.manual !== undefined) step.manual = a.manual
  else if (!inContainer) {
    const skipped = alternativeTo(shared.drafts, i) ?? conditionalOn(d, shared.pinned)
    if (skipped !== undefined) step.manual = skipped
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
  else if (!background) {
    // The reader looks again until the Pod's STATUS is the one the page shows.
    const byStatus = statusWait(d.command, recording) ?? logsWait(d.command, recording)
    if (byStatus !== undefined) step.wait = byStatus
  }
  if (watching) step.watch = watchOf(id, recording)
  if (d.files.length > 0)
    step.files = holes.map(({ f, in: found }) =>
      found.length === 0
        ? { name: f.name, content: f.content }
        : { name: f.name, content: (ctx: CommandContext) => filledFile(f.content, found, valueFor(ctx)) },
    )
  if (background) {
    step.background = {}
    if (a.background?.ready !== undefined) step.background.ready = a.background.ready
    else if (watchLine && recording !== undefined) {
      // A watch left running in its terminal ("in another terminal, …"): the reader goes on once it shows what the page shows.
      const w = watchOf(id, recording)
      if (w.enough !== undefined) step.background.shows = w.enough
      step.background.timeoutMs = w.forMs
    } else {
      const port = portOf(firstLineOf(d.command))
      if (port !== undefined) step.background.port = port
    }
  }
  // Said, not asserted: a check that always holds would only look like one.
  const notes = [
    ...(a.notes ?? []),
    ...d.files.flatMap((f) => f.notes ?? []),
    ...(a.manual === undefined && recording === undefined && a.checks.length === 0
      ? [
          a.compareOff
            ? 'its output is not compared (compare off): it checks only its exit code'
            : 'no recording to compare with: it checks only its exit code',
        ]
      : []),
    ...(a.manual === undefined && recording === undefined && a.checks.length > 0
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
  if (fills) {
    // A value the reader must give and nobody gave: refused before the line runs, naming it.
    step.guard = {
      command: 'true',
      refuse: (_out, ctx) => {
        const value = valueFor(ctx)
        const missing = [
          ...assignments
            .filter((p) => value(p.name) === undefined)
            .map((p) => `${p.name} is a value to choose (the line says ${writtenValue(p)}); give it with --set ${p.name}=VALUE or export it`),
          ...inline
            .filter((p) => value(p.name) === undefined)
            .map((p) => {
              const kind = kindOf(p)
              const after =
                kind === 'pod'
                  ? ' (or run it after the one pod the run creates, or after a line that lists Pods: this run has done neither)'
                  : kind !== undefined
                    ? ` (or run it after the one ${kind} the run creates: this run has not created exactly one)`
                    : ''
              return `${p.written} is a placeholder; give it with --set ${p.name}=VALUE${after}`
            }),
          ...fileHoles
            .filter((p) => value(p.name) === undefined)
            .map((p) => `${p.written} in ${p.file} is a placeholder; give it with --set ${p.name}=VALUE`),
        ]
        return missing.length > 0 ? missing.join('; ') : undefined
      },
    }
    const inferred = inline.filter((p) => kindOf(p) !== undefined)
    if (inferred.length > 0)
      step.notes = [
        ...(step.notes ?? []),
        ...inferred.map(
          (p) =>
            `${p.written} is filled by --set ${p.name}=VALUE, else with the name of the one ${kindOf(p)} this run created before it${kindOf(p) === 'pod' ? ', else with the first Pod the last Pod list before it showed' : ''}`,
        ),
      ]
  }
  const pc = inContainer ? undefined : participantCheck(d, a.verify)
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
    if (d.annotations.in !== undefined) return []
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
