// The notebook behind `kubewalk serve`: one replay session, driven one request at a time. The page
// sends step ids, and command lines only with --editable (then the token is a shell here); steps run one at a time per server (a Run pressed while
// another runs, or pressed again from a second tab, is refused); everything sent is masked unless
// --show-secrets. Reset, Ctrl-C and a page gone for a while remove what the session created.
import { driftOf, type DriftItem } from '../../core/drift.js'
import { exerciseStep } from '../../core/exercise.js'
import { withoutProgressMeter } from '../../core/parse/curl.js'
import { progressNotRecorded, recordProgress, PROGRESS_NAME } from '../../engine/progress.js'
import { maskOf, redact, redactDeep } from '../../engine/redact.js'
import { containerLabel } from '../../engine/container.js'
import type { ReplayPlan, ReplaySession } from '../replay/index.js'
import { walkthroughInfo } from '../replay/report.js'
import { renderTranscript } from '../report/transcript.js'
import type { CleanupResult, RunEvent, RunResult, StepResult } from '../../engine/runner.js'
import type { Assertion, Cleanup, Step, Vars } from '../../core/step.js'
import { HttpError, Refused, type EventStream, type Route } from './http.js'

// As `kubewalk check` waits: a participant's work may still be settling, but not for long.
const CHECK_WAIT_MS = 10_000
const MAX_VALUE = 16 * 1024

export type CellStatus = 'idle' | 'queued' | 'running' | 'passed' | 'failed' | 'skipped'

/** A step's outcome as the page shows it, masked. */
export interface WireResult {
  status: StepResult['status']
  durationMs: number
  attempts: number
  assertions: Assertion[]
  stdout: string
  stderr: string
  exitCode: number | null
  error?: { code: string; message: string }
  captured?: { name: string; value: string }
  /** Differences from the recording: how many were expected, and the others. */
  drift?: { expected: number; items: DriftItem[] }
  hint?: string
  /** Stopped from the page (Stop): its line got SIGINT. */
  stopped?: boolean
}

/** One cell: a step, what ran of it, and the participant's last check of it. */
export interface WireCell {
  id: string
  number: string
  title: string
  command: string
  /** How many times Run was accepted for it (a page sends the count it saw, so a second tab's press runs nothing). */
  runs: number
  status: CellStatus
  /** Output streamed so far while it runs (masked, whole lines). */
  stream: string
  /** A stream held back until the end: the step prints secret data that only its parser recognises. */
  held?: boolean
  attempt?: { attempt: number; elapsedMs: number; waitingFor: string }
  result?: WireResult
  check?: { status: 'running' | 'passed' | 'failed'; result?: WireResult }
  /** What `Check my work` reads from the variables panel; undefined when the step has nothing to check. */
  checkReads?: string[]
  /** The line `Check my work` runs, shown before it runs. */
  verify?: string
  /** What removes the object this step creates (Reset runs it), shown before the step runs. */
  cleanup?: { describe: string; command: string }
  /** The line last run when it was not the walkthrough's (--editable); `command` stays the walkthrough's. */
  edited?: string
  /** The container whose shell the line is typed in (`POD` or `POD/C`), for a line that runs there. */
  container?: string
  /** When the running step started (ms since the epoch, the server's clock), for the page's elapsed time. */
  startedAt?: number
}

export interface WireVar {
  name: string
  secret: boolean
  describe: string
  /** The session's value, masked when secret (unless --show-secrets). */
  value?: string
  /** The value the participant pasted for checks, masked the same way. */
  pasted?: string
}

export interface WireState {
  walkthrough: { id: string; title: string }
  cluster: { name: string; server: string; version: string; namespace: string }
  showSecrets: boolean
  reportProgress: boolean
  /** Cells can be edited and run as edited (serve --editable). */
  editable: boolean
  /** The session is being opened (target, namespace, requirements): nothing runs yet. */
  opening: boolean
  busy?: { kind: 'run' | 'check' | 'reset'; step?: string }
  cells: WireCell[]
  vars: WireVar[]
  /** What the last Reset (or close) did. */
  cleanup: CleanupResult[]
  /** What Reset will delete now: what the session created and nothing has removed yet, newest last. */
  pending: { describe: string; command: string }[]
  notice?: string
}

export type WireEvent =
  | { type: 'state'; state: WireState }
  | { type: 'cell'; cell: WireCell }
  | { type: 'output'; id: string; text: string }
  | {
      type: 'meta'
      busy?: WireState['busy']
      vars: WireVar[]
      cleanup: CleanupResult[]
      pending: WireState['pending']
      notice?: string
      namespace: string
      opening: boolean
    }

export interface NotebookOptions {
  plan: ReplayPlan
  /** Opens the replay session (again after a Reset with --isolate: a fresh namespace). */
  open: () => Promise<ReplaySession>
  /** With no page open this long, what the session created is removed. */
  idleMs: number
  /** A line for the server's terminal. */
  log: (line: string) => void
  /** The page may send a cell's line as edited (serve --editable, loopback only): the token is then a shell on this machine. */
  editable?: boolean
}

/** The request routes of the notebook, and its life: close() removes everything the session made. */
export interface Notebook {
  routes: Record<string, Route>
  /** Settles when the first session is open (the page is served before: it shows the session opening). */
  ready: Promise<ReplaySession>
  state(): WireState
  /** Aborts the step that runs if it is `stepId` (its line is stopped); false when that step is not running. The seam for a Stop button. */
  stop(stepId: string): boolean
  close(): Promise<CleanupResult[]>
}

const isStepId = (v: unknown): v is string => typeof v === 'string' && v.length <= 200

/**
 * The step as edited: the same step (checks, cleanup, guard, variables) with the participant's line, so it
 * runs through the same runner path as the original; no variant, as a variant would run the walkthrough's line.
 */
function editedStep(step: Step, command: string): Step {
  const copy: Step = { ...step, command }
  delete copy.strictTlsCommand
  return copy
}

/** The step a missing variable or object needs run first: the earliest of what it transitively needs. */
function firstNeeded(step: Step, all: readonly Step[], have: ReadonlySet<string>, made: ReadonlySet<Cleanup>): Step | undefined {
  const idx = all.indexOf(step)
  const before = all.slice(0, idx).reverse()
  const needs: Step[] = []
  for (const v of step.reads) if (!have.has(v.name)) needs.push(...before.filter((s) => s.writes?.name === v.name).slice(0, 1))
  if (step.deletes !== undefined && !made.has(step.deletes)) needs.push(...before.filter((s) => s.creates?.cleanup === step.deletes).slice(0, 1))
  let first: Step | undefined
  for (const n of needs) {
    const deeper = firstNeeded(n, all, have, made) ?? n
    if (first === undefined || all.indexOf(deeper) < all.indexOf(first)) first = deeper
  }
  return first
}

/** Why a batch cannot run in this order (a variable no step set, an object this session did not create), naming the step to run first. */
export function orderProblem(batch: readonly Step[], all: readonly Step[], vars: Readonly<Vars>, pending: readonly Cleanup[]): string | undefined {
  const have = new Set(
    Object.entries(vars)
      .filter(([, v]) => v !== undefined)
      .map(([k]) => k),
  )
  const made = new Set(pending)
  for (const step of batch) {
    const missing = step.reads.filter((v) => !have.has(v.name)).map((v) => `$${v.name}`)
    const notOurs = step.deletes !== undefined && !made.has(step.deletes)
    if (missing.length > 0 || notOurs) {
      const first = firstNeeded(step, all, have, made)
      const what =
        missing.length > 0
          ? `needs ${missing.join(' and ')}, which no step run here has set`
          : `deletes ${step.deletes?.describe.replace(/^delete /, '')}, which this session did not create`
      return `${step.number} ${step.id} ${what}: run ${first ? `${first.number} ${first.id}` : 'an earlier step'} first (Run up to here runs the steps before it).`
    }
    if (step.writes !== undefined) have.add(step.writes.name)
    if (step.creates !== undefined) made.add(step.creates.cleanup)
  }
  return undefined
}

/** Opens the notebook over a first session; the caller serves its routes. */
export async function openNotebook(o: NotebookOptions): Promise<Notebook> {
  const { plan } = o
  const w = plan.walkthrough
  const steps = w.steps
  let session: ReplaySession | undefined
  let opening = true
  const show = plan.showSecrets
  const mask = (t: string): string => (show || session === undefined ? t : redact(t, session.secrets))
  const maskAll = <T>(v: T): T => (show || session === undefined ? v : redactDeep(v, session.secrets))
  const cells = new Map<string, WireCell>()
  const results = new Map<string, StepResult>()
  const buffers = new Map<string, { stdout: string; stderr: string }>()
  const pasted: Vars = {}
  let cleanup: CleanupResult[] = []
  let notice: string | undefined
  let busy: { kind: 'run' | 'check' | 'reset'; step?: string; ac: AbortController; done: Promise<void> } | undefined
  const clients = new Set<EventStream>()
  let idleTimer: NodeJS.Timeout | undefined
  let closed = false
  // The step Stop was pressed for, so its result says it was stopped rather than failed.
  let stopping: string | undefined

  const fresh = (s: Step): WireCell => {
    const ex = s.participantCheck === undefined ? undefined : exerciseStep(s)
    return {
      id: s.id,
      number: s.number,
      title: s.title,
      command: commandLineOf(s),
      runs: cells.get(s.id)?.runs ?? 0,
      status: 'idle',
      stream: '',
      ...(ex ? { checkReads: ex.reads.map((v) => v.name), verify: commandLineOf(ex) } : {}),
      ...(s.creates ? { cleanup: { describe: s.creates.cleanup.describe, command: s.creates.cleanup.command } } : {}),
      ...(s.container ? { container: containerLabel(s.container) } : {}),
    }
  }
  const commandLineOf = (s: Step): string =>
    typeof s.command === 'function'
      ? s.command({ cluster: session?.runner ? clusterOf() : { name: '', server: '' }, namespace: session?.namespace ?? 'default' })
      : s.command
  const clusterOf = (): { name: string; server: string } => ({ name: session?.cluster.name ?? '', server: session?.cluster.server ?? '' })
  for (const s of steps) cells.set(s.id, fresh(s))
  // The page is served at once; the session (target, namespace, requirements) opens meanwhile.
  const ready = o.open().then(
    (opened) => {
      session = opened
      opening = false
      for (const st of steps) {
        const c = cells.get(st.id) as WireCell
        c.command = commandLineOf(st)
        if (c.verify !== undefined) c.verify = commandLineOf(exerciseStep(st))
      }
      broadcast({ type: 'state', state: state() })
      return opened
    },
    (e: unknown) => {
      opening = false
      notice = `the session could not be opened: ${e instanceof Error ? e.message : String(e)}`
      meta()
      throw e
    },
  )
  ready.catch(() => undefined)

  const wireVars = (): WireVar[] =>
    w.vars.map((v) => {
      const value = session?.runner.vars[v.name]
      const shown = (x: string): string => (v.secret && !show ? maskOf(x) : mask(x))
      return {
        name: v.name,
        secret: v.secret,
        describe: v.describe,
        ...(value !== undefined ? { value: shown(value) } : {}),
        ...(pasted[v.name] !== undefined ? { pasted: shown(pasted[v.name] as string) } : {}),
      }
    })
  const wirePending = (): WireState['pending'] =>
    maskAll((session?.runner.pending() ?? []).map((c) => ({ describe: c.describe, command: c.command })))
  const wireBusy = (): WireState['busy'] => (busy ? { kind: busy.kind, ...(busy.step ? { step: busy.step } : {}) } : undefined)
  const state = (): WireState => {
    const b = wireBusy()
    return {
      walkthrough: { id: w.id, title: w.title },
      cluster: {
        name: session?.cluster.name ?? '',
        server: session?.cluster.server ?? '',
        version: session?.cluster.version ?? '',
        namespace: session?.namespace ?? '',
      },
      showSecrets: show,
      reportProgress: plan.reportProgress,
      editable: o.editable === true,
      opening,
      ...(b ? { busy: b } : {}),
      cells: steps.map((s) => cells.get(s.id) as WireCell),
      vars: wireVars(),
      cleanup: maskAll(cleanup),
      pending: wirePending(),
      ...(notice !== undefined ? { notice: mask(notice) } : {}),
    }
  }
  const broadcast = (e: WireEvent): void => {
    for (const c of clients) c.send(e)
  }
  const meta = (): void => {
    const b = wireBusy()
    broadcast({
      type: 'meta',
      ...(b ? { busy: b } : {}),
      vars: wireVars(),
      cleanup: maskAll(cleanup),
      pending: wirePending(),
      ...(notice !== undefined ? { notice: mask(notice) } : {}),
      namespace: session?.namespace ?? '',
      opening,
    })
  }
  const cellChanged = (id: string): void => broadcast({ type: 'cell', cell: cells.get(id) as WireCell })

  const wire = (r: StepResult, step: Step): WireResult => ({
    status: r.status,
    durationMs: r.durationMs,
    attempts: r.attempts,
    assertions: maskAll(r.assertions),
    stdout: mask(r.output.stdout),
    stderr: mask(withoutProgressMeter(r.output.stderr)),
    exitCode: r.output.exitCode,
    ...(r.error ? { error: { code: r.error.code, message: mask(r.error.message) } } : {}),
    ...(r.captured
      ? { captured: { name: r.captured.name, value: step.writes?.secret && !show ? maskOf(r.captured.value) : mask(r.captured.value) } }
      : {}),
  })

  /** The session's results as one run, in the walkthrough's order: for drift and the transcript. */
  const asRun = (): RunResult => live().runner.result()

  const onEvent = (e: RunEvent): void => {
    if (e.type === 'step-start') {
      const cell = cells.get(e.step.id) as WireCell
      Object.assign(cell, { status: 'running', stream: '', startedAt: Date.now() })
      // The walkthrough's own line as it runs (a placeholder filled); an edited line is the participant's and shown as such.
      if (steps.includes(e.step)) cell.command = e.command
      delete cell.result
      delete cell.attempt
      if (e.step.secrets !== undefined && !show) cell.held = true
      buffers.set(e.step.id, { stdout: '', stderr: '' })
      cellChanged(e.step.id)
    } else if (e.type === 'step-output') {
      const cell = cells.get(e.step.id) as WireCell
      const buf = buffers.get(e.step.id)
      if (buf === undefined || cell.held) return
      // Whole lines only: a secret split across two chunks would escape the masking.
      buf[e.stream] += e.chunk
      const end = buf[e.stream].lastIndexOf('\n')
      if (end < 0) return
      const lines = buf[e.stream].slice(0, end + 1)
      buf[e.stream] = buf[e.stream].slice(end + 1)
      const text = mask(e.stream === 'stderr' ? withoutProgressMeter(lines) : lines)
      if (text.trim() === '') return
      cell.stream += text
      broadcast({ type: 'output', id: e.step.id, text })
    } else if (e.type === 'attempt') {
      const cell = cells.get(e.step.id) as WireCell
      cell.attempt = { attempt: e.attempt, elapsedMs: e.elapsedMs, waitingFor: e.waitingFor }
      cellChanged(e.step.id)
    } else if (e.type === 'step-end') {
      const step = steps.find((s) => s.id === e.result.id) as Step
      const cell = cells.get(step.id) as WireCell
      buffers.delete(step.id)
      // A step skipped after an earlier failure in the same call keeps what it showed before.
      if (e.result.status === 'skipped' && cell.status !== 'queued' && cell.status !== 'running') return
      results.set(step.id, e.result)
      const r = wire(e.result, step)
      if (e.result.status === 'passed') {
        const d = driftOf(asRun(), w, { namespace: session?.namespace ?? 'default' }).find((x) => x.id === step.id)
        if (d)
          r.drift = { expected: d.items.filter((i) => i.kind === 'expected').length, items: maskAll(d.items.filter((i) => i.kind !== 'expected')) }
      }
      if (stopping === step.id && e.result.status !== 'passed') r.stopped = true
      if (e.result.status === 'skipped') delete cell.result
      else cell.result = r
      cell.status = e.result.status === 'skipped' ? 'idle' : e.result.status
      cell.stream = ''
      delete cell.held
      delete cell.attempt
      delete cell.startedAt
      cellChanged(step.id)
      // What it created (or deleted) changes what Reset will delete.
      meta()
    } else if (e.type === 'cleanup-end') {
      cleanup.push(e.result)
      o.log(`${e.result.status === 'done' ? '✓' : '✗'} ${e.result.describe}${e.result.error ? `: ${mask(e.result.error)}` : ''}`)
      meta()
    }
  }

  const progress = async (ids: readonly string[] | 'reset', via: 'serve'): Promise<void> => {
    if (!plan.reportProgress || session === undefined || (ids !== 'reset' && ids.length === 0)) return
    const r = await recordProgress(
      session.env,
      session.namespace,
      w.id,
      steps.map((s) => s.id),
      ids,
      via,
    )
    notice = r.ok
      ? `progress recorded for the instructor's board (configmap/${PROGRESS_NAME} in ${session.namespace})`
      : progressNotRecorded(session.namespace, r.why).replace(/^kubewalk: /, '')
    if (!r.ok) o.log(progressNotRecorded(session.namespace, r.why))
  }

  /** Starts work if nothing else runs; synchronous up to the start, so two requests can never both get through. */
  const begin = (kind: 'run' | 'check' | 'reset', step: string | undefined, work: (signal: AbortSignal) => Promise<void>): void => {
    const ac = new AbortController()
    const entry = { kind, ...(step !== undefined ? { step } : {}), ac, done: Promise.resolve() }
    busy = entry
    notice = undefined
    meta()
    entry.done = work(ac.signal)
      .catch((e: unknown) => {
        notice = `${kind} failed: ${e instanceof Error ? e.message : String(e)}`
        o.log(`kubewalk: ${mask(notice)}`)
      })
      .finally(() => {
        // A Reset may have taken over while this ended: then the Reset owns `busy`, not this.
        if (busy === entry) busy = undefined
        meta()
      })
  }
  /**
   * Stops what runs (its line aborted), and removes what the session created once it has ended; busy
   * from this call on, so nothing else starts until the Reset is done.
   */
  const resetNow = (why: string): void => {
    const running = busy
    running?.ac.abort()
    begin('reset', undefined, async () => {
      await running?.done
      await reset(why)
    })
  }
  const refuseIfBusy = (): void => {
    if (closed) throw new Refused('the server is stopping')
    if (busy === undefined) return
    const what = busy.kind === 'reset' ? 'Reset' : `${busy.kind === 'check' ? 'the check of ' : ''}${busy.step ?? 'a step'}`
    throw new Refused(`${what} is running: one step at a time; wait for it to finish (or Reset).`)
  }
  const stepOf = (id: unknown): Step => {
    const step = isStepId(id) ? steps.find((s) => s.id === id) : undefined
    if (step === undefined)
      throw new HttpError(
        400,
        `unknown step ${JSON.stringify(id)}: the page sends the walkthrough's step ids (${steps.map((s) => s.id).join(', ')}).`,
      )
    return step
  }
  /** The line the page sent (undefined: the walkthrough's); a 403 without --editable, before anything else is looked at. */
  const editedLine = (command: unknown, upTo: boolean): string | undefined => {
    if (command === undefined) return undefined
    if (o.editable !== true)
      throw new HttpError(
        403,
        "this server runs the walkthrough's lines only: the page sends step ids (start it with --editable to run edited lines).",
      )
    if (typeof command !== 'string' || command.trim() === '' || command.length > MAX_VALUE)
      throw new HttpError(400, `an edited line is a non-empty string of at most ${MAX_VALUE} characters.`)
    if (upTo) throw new HttpError(400, "Run up to here runs the walkthrough's lines; run an edited cell on its own.")
    return command
  }
  const live = (): ReplaySession => {
    if (session === undefined && opening)
      throw new Refused('the session is still opening (the cluster, the namespace, what the walkthrough requires); try again in a moment.')
    if (session === undefined) throw new Refused(`the session is not open${notice ? ` (${notice})` : ''}; restart kubewalk serve.`)
    return session
  }

  const reset = async (why: string): Promise<void> => {
    const s = live()
    o.log(why)
    cleanup = []
    const ns = s.namespace
    if (plan.isolate) {
      // A fresh namespace: the old one goes, with everything in it.
      session = undefined
      opening = true
      await s.close(onEvent)
      try {
        session = await o.open()
      } finally {
        opening = false
      }
      o.log(`the session now acts in namespace ${session.namespace}`)
    } else {
      await s.runner.reset({ onEvent })
      await progress('reset', 'serve')
    }
    results.clear()
    for (const st of steps) cells.set(st.id, fresh(st))
    broadcast({ type: 'state', state: state() })
    if (ns !== session?.namespace) o.log(`namespace ${ns} deleted`)
  }

  const noPage = (): void => {
    clearTimeout(idleTimer)
    if (clients.size > 0 || closed) return
    idleTimer = setTimeout(() => {
      if (clients.size > 0 || closed || busy?.kind === 'reset' || session === undefined) return
      if (busy === undefined && session.runner.pending().length === 0 && results.size === 0) return
      // A step still running is stopped first: a page gone for good must not leave its objects behind.
      resetNow(
        `no page open for ${Math.round(o.idleMs / 1000)} s: ${busy ? `stopping ${busy.step ?? 'what runs'} and ` : ''}removing what this session created`,
      )
    }, o.idleMs)
    idleTimer.unref()
  }

  const routes: Record<string, Route> = {
    'GET /api/state': () => ({ status: 200, json: state() }),
    'GET /events': () => ({
      stream: (events) => {
        clients.add(events)
        clearTimeout(idleTimer)
        events.send({ type: 'state', state: state() } satisfies WireEvent)
        events.onClose(() => {
          clients.delete(events)
          noPage()
        })
      },
    }),
    'POST /api/run': (req) => {
      const body = (req.body ?? {}) as { step?: unknown; upTo?: unknown; seen?: unknown; command?: unknown }
      const step = stepOf(body.step)
      const line = editedLine(body.command, body.upTo === true)
      refuseIfBusy()
      const s = live()
      const cell = cells.get(step.id) as WireCell
      if (typeof body.seen === 'number' && body.seen !== cell.runs)
        throw new Refused(`${step.id} was run from another page meanwhile; its result is shown here now.`)
      const idx = steps.indexOf(step)
      let start = idx
      if (body.upTo === true) {
        const firstNotPassed = steps.slice(0, idx + 1).findIndex((x) => cells.get(x.id)?.status !== 'passed')
        start = firstNotPassed < 0 ? idx : firstNotPassed
      }
      const batch = steps.slice(start, idx + 1)
      const problem = orderProblem(batch, steps, s.runner.vars, s.runner.pending())
      if (problem !== undefined) throw new Refused(problem)
      for (const b of batch) {
        const c = cells.get(b.id) as WireCell
        c.runs++
        c.status = 'queued'
        cellChanged(b.id)
      }
      const cell0 = cells.get(step.id) as WireCell
      if (line !== undefined && line !== cell0.command) cell0.edited = line
      else delete cell0.edited
      const toRun = batch.map((b) => (b === step && cell0.edited !== undefined ? editedStep(b, cell0.edited) : b))
      stopping = undefined
      begin('run', step.id, async (signal) => {
        const ran = await s.runner.runSteps(toRun, { signal, onEvent })
        for (const b of batch) {
          const c = cells.get(b.id) as WireCell
          if (c.status === 'queued' || c.status === 'running') {
            c.status = results.get(b.id)?.status === 'passed' ? 'passed' : 'idle'
            cellChanged(b.id)
          }
        }
        await progress(
          ran.filter((r) => r.status === 'passed').map((r) => r.id),
          'serve',
        )
      })
      return { status: 202, json: { run: batch.map((b) => b.id) } }
    },
    'POST /api/stop': (req) => {
      const step = stepOf((req.body as { step?: unknown } | undefined)?.step)
      if (!stop(step.id)) throw new Refused(`${step.id} is not running.`)
      return { status: 202, json: { stop: step.id } }
    },
    'POST /api/check': (req) => {
      const step = stepOf((req.body as { step?: unknown } | undefined)?.step)
      if (step.participantCheck === undefined) throw new HttpError(400, `${step.id} has nothing a participant can check.`)
      refuseIfBusy()
      const s = live()
      const ex = exerciseStep(step, { maxWaitMs: CHECK_WAIT_MS })
      const missing = ex.reads.filter((v) => pasted[v.name] === undefined).map((v) => `$${v.name}`)
      if (missing.length > 0)
        throw new Refused(
          `the check of ${step.id} reads ${missing.join(' and ')} from your shell, which this server cannot see: paste ${missing.length > 1 ? 'them' : 'it'} into the variables panel first.`,
        )
      const cell = cells.get(step.id) as WireCell
      cell.check = { status: 'running' }
      cellChanged(step.id)
      begin('check', step.id, async (signal) => {
        const vars: Vars = {}
        for (const v of ex.reads) vars[v.name] = pasted[v.name]
        const r = await s.runApart([ex], { vars, signal })
        const result = r.steps[0] as StepResult
        const wr = wire(result, ex)
        if (result.status !== 'passed' && step.hint) wr.hint = step.hint
        cell.check = { status: result.status === 'passed' ? 'passed' : 'failed', result: wr }
        cellChanged(step.id)
        if (result.status === 'passed') await progress([step.id], 'serve')
      })
      return { status: 202, json: { check: step.id } }
    },
    'POST /api/vars': (req) => {
      const { name, value } = (req.body ?? {}) as { name?: unknown; value?: unknown }
      const decl = w.vars.find((v) => v.name === name)
      if (decl === undefined)
        throw new HttpError(400, `unknown variable ${JSON.stringify(name)}: the walkthrough's are ${w.vars.map((v) => v.name).join(', ')}.`)
      if (typeof value !== 'string' || value.length > MAX_VALUE) throw new HttpError(400, `a value is a string of at most ${MAX_VALUE} characters.`)
      const v = value.trim()
      if (v === '') delete pasted[decl.name]
      else {
        pasted[decl.name] = v
        if (decl.secret) session?.secrets.add(v)
      }
      meta()
      return { status: 200, json: { vars: wireVars() } }
    },
    'POST /api/reset': () => {
      // A Reset stops the step that runs, then removes what the session created.
      if (busy?.kind === 'reset') throw new Refused('Reset is already running.')
      if (closed) throw new Refused('the server is stopping')
      live()
      resetNow(
        busy ? `Reset: stopping ${busy.step ?? 'what runs'}, then removing what this session created` : 'Reset: removing what this session created',
      )
      return { status: 202, json: { reset: true } }
    },
    'GET /transcript.md': () => ({ status: 200, text: transcript(), type: 'text/markdown; charset=utf-8', download: `${w.id}-transcript.md` }),
    'GET /transcript.html': async () => ({
      status: 200,
      text: (await import('../report/html.js')).transcriptHtml(transcript()),
      type: 'text/html; charset=utf-8',
      download: `${w.id}-transcript.html`,
    }),
  }

  function stop(stepId: string): boolean {
    // A batch (Run up to here) is named by its last step; the step running in it is stopped by its own id too.
    const running = busy?.kind === 'run' && cells.get(stepId)?.status === 'running'
    if (busy === undefined || busy.kind === 'reset' || (busy.step !== stepId && !running)) return false
    const runningId = steps.find((x) => cells.get(x.id)?.status === 'running')?.id
    stopping = runningId ?? stepId
    busy.ac.abort()
    return true
  }

  const transcript = (): string => {
    const s = live()
    const run = asRun()
    return renderTranscript(run, { ...s.cluster, namespace: s.namespace }, w.prose?.() ?? [], {
      secrets: s.secrets,
      showSecrets: show,
      drift: driftOf(run, w, { namespace: s.namespace }),
      walkthrough: walkthroughInfo(w),
      stderrLabels: new Map(steps.filter((x) => x.stderrLabel !== undefined).map((x) => [x.id, x.stderrLabel as string])),
    })
  }

  return {
    routes,
    ready,
    state,
    stop,
    close: async () => {
      closed = true
      await ready.catch(() => undefined)
      clearTimeout(idleTimer)
      // What runs is stopped and waited for (a Reset's wait included), so close removes what it left too.
      while (busy !== undefined) {
        const running = busy
        if (running.kind !== 'reset') running.ac.abort()
        await running.done
        if (busy === running) busy = undefined
      }
      const s = session
      session = undefined
      if (s === undefined) return []
      cleanup = []
      return s.close(onEvent)
    },
  }
}
