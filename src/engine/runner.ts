// Runs steps in order against one cluster. It records, it never throws on a step's failure: the
// first failure skips the rest, and cleanup of what the run created always runs. A cleanup that
// fails fails the run: something is left on the cluster, and the result says what and how to remove it.
import { runnerDefaults } from './defaults.js'
import { mkdirSync } from 'node:fs'
import { cp, mkdir, readFile, realpath, rm, rmdir, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { basename, delimiter, dirname, join, relative } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { CommandError, KubewalkError, ParseError, PreconditionError, errorMessage, type ErrorCode } from '../core/errors.js'
import { withoutProgressMeter } from '../core/parse/curl.js'
import { firstLine, show } from '../core/text.js'
import type { Secrets } from './redact.js'
import { makeScratchDir, removeScratchDir, sweepStaleScratchDirs } from '../platform/scratch.js'
import { portAnswers, preloadShell, runScript, startBackground, which, type BackgroundProcess, type ShellResult } from '../platform/shell.js'
import { openKernel, type Kernel, type LineResult } from './kernel.js'
import { ContainerSessions, containerLabel, endsShell, execArgv, openContainerSession } from './container.js'
import { POD_WAIT_MS, kernelGetter, mayReadPod, variablesIn, waitBeforeLine, waitNote } from './waits/index.js'
import { STILL_DELETING, watchedPodDeletion } from './waits/deleting.js'
import {
  absoluteKubectlCalls,
  deletesObject,
  deletionCommand,
  installGuard,
  startGuardServer,
  type GuardServer,
  leftOver,
  readLedger,
  restoreCommands,
  takePlugins,
  takeRefusals,
  isLoneKubectlRead,
  nameOf,
  type GuardMode,
} from './guard/index.js'
import { installTlsServerNameClient } from '../platform/tls.js'
import { writeKubeconfigCopy } from '../platform/kubeconfig.js'
import {
  commandOf,
  fileContent,
  type Assertion,
  type Cleanup,
  type CommandOutput,
  type KubeconfigCluster,
  type Step,
  type StepContext,
  type StepContainer,
  type StepOutput,
  type Vars,
  type Watch,
} from '../core/step.js'

export type StepStatus = 'passed' | 'failed' | 'skipped'
export type RunStatus = 'passed' | 'failed' | 'interrupted'

/** What went wrong in a step, as plain data. */
export interface StepError {
  name: string
  code: ErrorCode
  message: string
}

/** One step's outcome. */
export interface StepResult {
  id: string
  number: string
  title: string
  command: string
  /** Set when the user chose to skip the step (interactive mode). */
  skippedBy?: 'user'
  /** Why the walkthrough has the reader do this step by hand (an editor, a terminal): it was not run. */
  skippedBecause?: string
  /** The line was typed inside this container's shell and ran there, not on the host. */
  container?: StepContainer
  /** Set when the line ran is a variant of the walkthrough's (--strict-tls). */
  variant?: 'strict-tls'
  status: StepStatus
  durationMs: number
  /** How many times the line ran (more than one for steps that wait). */
  attempts: number
  assertions: Assertion[]
  /** All it printed; `parts`: a block's commands one by one, as each ran (up to the one that failed). */
  output: { stdout: string; stderr: string; exitCode: number | null; parts?: CommandOutput[] }
  /** The variable the line assigned, if the line got to assign it. */
  captured?: { name: string; value: string }
  /** What the step says about itself beyond its checks (e.g. that it checks only its exit code). */
  notes?: string[]
  /** The parsed value the checks looked at. */
  value?: unknown
  error?: StepError
}

/** One cleanup action at the end of a run. */
export interface CleanupResult {
  describe: string
  command: string
  /** deleting: the deletion was accepted and the object (a Pod in its grace period) was still going at the end. */
  status: 'done' | 'deleting' | 'failed'
  error?: string
}

/** A whole run. */
export interface RunResult {
  /** Every step passed and every cleanup was done. */
  ok: boolean
  status: RunStatus
  /** Who ended an interrupted run early: the user in --interactive (q), or a signal (Ctrl-C, SIGTERM). */
  stoppedBy?: 'user' | 'signal'
  steps: StepResult[]
  cleanup: CleanupResult[]
  /** When the run began, ISO 8601 in UTC. */
  startedAt: string
  durationMs: number
}

/** Progress, for reporters that draw as the run goes. */
export type RunEvent =
  | { type: 'step-start'; step: Step; command: string; variant?: 'strict-tls'; index: number; total: number }
  | { type: 'step-run'; step: Step; index: number }
  | { type: 'step-output'; step: Step; stream: 'stdout' | 'stderr'; chunk: string }
  | { type: 'attempt'; step: Step; attempt: number; elapsedMs: number; waitingFor: string }
  | { type: 'step-end'; result: StepResult; index: number; total: number }
  | { type: 'cleanup-start'; pending: Cleanup[] }
  | { type: 'cleanup-progress'; cleanup: Cleanup; elapsedMs: number }
  | { type: 'cleanup-end'; result: CleanupResult }

/** Everything a run needs; see runnerDefaults for the optional ones. */
export interface RunOptions {
  steps: readonly Step<any>[]
  /** A folder whose copy the lines start in (a tutorial's own folder, with the files it reads); never written. */
  workdir?: string
  cluster: KubeconfigCluster
  clusters: readonly KubeconfigCluster[]
  /** The namespace the kubectl lines act in (default: `default`). */
  namespace?: string
  /** The walkthrough's settings (defaults already applied). */
  settings?: Readonly<Record<string, number>>
  /** Environment for every command (KUBECONFIG, PATH, …), added to the inherited one. */
  env?: Record<string, string | undefined>
  /** Variables known before the first step (e.g. exported by a workshop participant). */
  vars?: Vars
  /** Limit for one command. */
  commandTimeoutMs?: number
  /** Run the steps' --strict-tls lines against the cluster's CA (this PEM file, as $KUBEWALK_CACERT). */
  strictTlsCaFile?: string
  /** Limit for a step's bounded wait (overrides each step's own). */
  waitTimeoutMs?: number
  /** Limit for one cleanup command (default: commandTimeoutMs). */
  cleanupTimeoutMs?: number
  /** How long cleanup watches a deleted Pod go past its grace period before reporting it as still deleting (default 120 s). */
  podDeleteTimeoutMs?: number
  signal?: AbortSignal
  onEvent?: (event: RunEvent) => void
  /** Asked before each step runs (interactive mode): run it, skip it, or quit the run (cleanup still runs). */
  beforeStep?: (step: Step, index: number) => Promise<'run' | 'skip' | 'quit'>
  /**
   * The caller's preflight, still under way (a live report's version probe): the run's shell and guard start beside
   * it, and the first step waits for it. If it rejects, run() cleans up and throws that.
   */
  opening?: Promise<unknown>
  /** Collects secret values as they appear (secret variables, Secret data) so reporters can mask them. */
  secrets?: Secrets
  /** Cleanups the caller registered before the run (an --isolate namespace): done last, whatever happens. */
  teardown?: readonly Cleanup[]
  /**
   * Guard every kubectl call of the lines at its arguments (a function in the run's shell, a shim first on PATH): a
   * change to an object the run did not make is refused with exit 2, and what the calls create is removed at cleanup.
   * Whose objects are the run's beyond those it created: everything on a lab it started, in a namespace it created,
   * and the declared changes. Absent: no guard (a program driving the runner with kubectl stand-ins).
   */
  guard?: GuardMode
}

export { runnerDefaults }

type Options = RunOptions & typeof runnerDefaults

/** What the steps of one run share as it goes. */
interface RunState {
  o: Options
  readonly vars: Vars
  readonly values: Map<string, unknown>
  /** In registration order; removed when a step settles them. */
  readonly cleanups: Set<Cleanup>
  /** 0700, removed on any exit: the captures hold secret variables in plain text. A fresh capture file per attempt, so a line that never assigns cannot report an earlier value. */
  work: string
  /** The lines' working directory: a scratch folder of this run's, never the user's own. */
  cwd: string
  /** Lines left running (`cmd &`): stopped when the run ends. */
  readonly background: BackgroundProcess[]
  /** Page files written outside the scratch folder (after a page's `cd`), with the first folder made for each: removed at close. */
  readonly written: { path: string; folder?: string }[]
  /** The run's one shell: every line of the walkthrough runs in it, so cwd, functions and variables carry. */
  kernel?: Kernel
  /** The kernel is to be replaced before the next line (a reset). */
  staleKernel?: boolean
  /** The next step's typed guard, started beside a line that only reads (see startNextGuard). */
  nextGuard?: NextGuard
  /** What the kernel holds of the run's variables (so only changes are exported into it). */
  synced: Record<string, string>
  /** The guard's folder (ledger, refusals), when the run is guarded. */
  guardDir?: string
  /** The guard in this process, which the run's kubectl function asks (none: the hook does it). */
  guardServer?: GuardServer
  /** The environment kubectl runs with for the lines (the run's kubeconfig copy), set when the kernel starts. */
  kubectlEnv?: Record<string, string | undefined>
  /** The shells in containers that lines typed there run in (`kubectl exec -i … -- sh`), one per container. */
  containers?: ContainerSessions
  captures: number
  /** The folder of the strict-tls lines' programs wrapped to check the server as its tls-server-name, first on those lines' PATH. */
  tlsBin?: string
  failed: boolean
  stoppedBy?: 'user' | 'signal'
}

const toError = (e: unknown): StepError =>
  e instanceof KubewalkError ? { name: e.name, code: e.code, message: e.message } : { name: 'Error', code: 'E_INTERNAL', message: errorMessage(e) }

/** Which command of a block failed (its text, 0-based place, how many the block has). */
interface BlockCommand {
  command: string
  index: number
  of: number
}

function commandFailure(step: Step, r: ShellResult, timeoutMs: number, which?: BlockCommand): CommandError {
  const evidence = { command: r.command, exitCode: r.exitCode, signal: r.signal, stdout: r.stdout, stderr: r.stderr, durationMs: r.durationMs }
  // In a block, the command that failed is named, as a reader sees it fail.
  const what = which === undefined ? 'the command' : `command ${which.index + 1} of ${which.of} (${JSON.stringify(firstLine(which.command))})`
  if (r.timedOut)
    return new CommandError(
      `${step.id}: ${what} did not finish within ${timeoutMs / 1000} s (is the API server answering?); raise --timeout if it is just slow.`,
      evidence,
      { timedOut: true },
    )
  if (r.aborted) return new CommandError(`${step.id}: interrupted.`, evidence)
  const why = firstLine(withoutProgressMeter(r.stderr)) || firstLine(r.stdout) || 'no output'
  if (/\bis forbidden\b/.test(r.stderr)) {
    const where = which === undefined ? '' : ` (${what})`
    // An admission plugin's refusal (a quota, PodSecurity, a LimitRange) is the cluster's state, not the user's rights.
    const who = /\bexceeded quota\b|\bviolates PodSecurity\b|\busage per (?:Container|Pod)\b/.test(r.stderr)
      ? 'the cluster refused this (an admission check)'
      : "the kubeconfig's user is not allowed to do this (RBAC)"
    const shown = step.answersWithError !== undefined ? '; the recording shows another error as its answer' : ''
    return new CommandError(`${step.id}: ${who}${where}: ${why}${shown}`, evidence, { code: 'E_FORBIDDEN' })
  }
  return new CommandError(`${step.id}: ${what} exited with code ${r.exitCode ?? r.signal}: ${why}`, evidence)
}

// kubectl's words for a server it cannot reach (nothing listening, no route, no such host).
const UNREACHABLE = /^.*(?:The connection to the server \S+ was refused|Unable to connect to the server).*$/m

function describeFailures(assertions: Assertion[]): string {
  const bad = assertions.filter((a) => !a.ok)
  const first = bad[0]
  if (!first) return ''
  const detail =
    'expected' in first || 'actual' in first ? ` (${'expected' in first ? `expected ${show(first.expected)}, ` : ''}got ${show(first.actual)})` : ''
  return `${first.name}${detail}${bad.length > 1 ? ` and ${bad.length - 1} more check(s) failed` : ''}`
}

/** Runs the steps; resolves with the results whatever happens. A run is a session opened, driven once, and closed. */
export async function run(options: RunOptions): Promise<RunResult> {
  const started = performance.now()
  // Awaited once the run is open; a rejection meanwhile is not unhandled.
  options.opening?.catch(() => undefined)
  let opened: Opened
  try {
    opened = await open(options)
  } catch (e) {
    // Once run() is called it owns the teardown, even when the run could not start.
    await runCleanups([...(options.teardown ?? [])], { ...runnerDefaults, ...options }, undefined)
    throw e
  }
  const { session, state } = opened
  let steps: StepResult[] = []
  let cleanup: CleanupResult[] = []
  try {
    // The run's shell starts before step 01 (as bash's own start is not a line's), while the preflight, if any, goes on.
    // A failure to start it is the first line's to report.
    const warming =
      options.steps.length === 0
        ? Promise.resolve()
        : kernelOf(state).then(
            () => undefined,
            () => undefined,
          )
    try {
      await options.opening
    } finally {
      await warming
    }
    steps = await session.runSteps(options.steps)
  } finally {
    cleanup = await session.close()
  }
  return outcome(steps, cleanup, state.stoppedBy, session.result().startedAt, Math.round(performance.now() - started))
}

/** A run's verdict from its steps and cleanups: interrupted when something stopped it, failed when a step or a cleanup did. */
function outcome(steps: StepResult[], cleanup: CleanupResult[], stoppedBy: RunState['stoppedBy'], startedAt: string, durationMs: number): RunResult {
  const status: RunStatus =
    stoppedBy !== undefined
      ? 'interrupted'
      : steps.some((s) => s.status === 'failed') || cleanup.some((c) => c.status === 'failed')
        ? 'failed'
        : 'passed'
  return {
    ok: status === 'passed',
    status,
    ...(stoppedBy ? { stoppedBy } : {}),
    steps,
    cleanup,
    startedAt,
    durationMs,
  }
}

/** A run kept open between calls (the browser notebook): each call runs some steps with what earlier calls set. */
export interface RunSession {
  /** The variables as they stand now. */
  readonly vars: Readonly<Vars>
  /** Parsed values of the steps that passed, by step id. */
  readonly values: ReadonlyMap<string, unknown>
  /** What the session's steps created and nothing has removed yet, newest last. */
  pending(): Cleanup[]
  /** Runs `steps` in order (options.steps, the walkthrough's, number them); the first failure skips the rest of this call. */
  runSteps(steps: readonly Step<any>[], call?: { signal?: AbortSignal; onEvent?: (event: RunEvent) => void }): Promise<StepResult[]>
  /** Removes what the session's steps created, newest first, and forgets their variables and values; the teardown stays. */
  reset(call?: { onEvent?: (event: RunEvent) => void }): Promise<CleanupResult[]>
  /** Removes everything, the teardown included; the session runs nothing after. */
  close(call?: { onEvent?: (event: RunEvent) => void }): Promise<CleanupResult[]>
  /** The session as one run: each step's latest result since the last reset, in the walkthrough's order, and the cleanups of that reset (or of close). */
  result(): RunResult
}

interface Opened {
  session: RunSession
  state: RunState
}

/** Opens a session over `options.steps`; options.vars seed it (and reset returns to them). */
export async function openSession(options: RunOptions): Promise<RunSession> {
  return (await open(options)).session
}

/** The one lifecycle (scratch dir, kernel, guard, cleanup, teardown) that run and every face's session share. */
async function open(options: RunOptions): Promise<Opened> {
  const o: Options = { ...runnerDefaults, ...options }
  // A run killed with SIGKILL left its captures (secret variables in plain text) behind: the next run removes them.
  await sweepStaleScratchDirs()
  const work = await makeScratchDir()
  const cwd = join(work, 'files')
  try {
    mkdirSync(cwd)
    // The folder a tutorial is run from, with the files it reads: copied, so the lines never write into it.
    if (o.workdir !== undefined) await cp(o.workdir, cwd, { recursive: true })
  } catch (e) {
    await removeScratchDir(work)
    throw e
  }
  const state: RunState = {
    o,
    vars: { ...o.vars },
    values: new Map(),
    cleanups: new Set(),
    work,
    cwd,
    background: [],
    written: [],
    synced: {},
    captures: 0,
    failed: false,
  }
  await strictTlsServerName(state)
  let closed = false
  // Each step's latest result, for result(); a reset starts the record again.
  const latest = new Map<string, StepResult>()
  let closing: CleanupResult[] = []
  let startedAt = new Date().toISOString()
  const withCall = (call: { signal?: AbortSignal; onEvent?: (event: RunEvent) => void } | undefined): void => {
    const listener = call?.onEvent ?? o.onEvent
    // A step's result is the session's as soon as it ends, before the face hears of it.
    const onEvent = (e: RunEvent): void => {
      if (e.type === 'step-end') latest.set(e.result.id, e.result)
      listener?.(e)
    }
    state.o = { ...o, ...(call?.signal ? { signal: call.signal } : {}), onEvent }
  }
  const forget = (): void => {
    for (const k of Object.keys(state.vars)) delete state.vars[k]
    Object.assign(state.vars, o.vars ?? {})
    state.values.clear()
  }
  const session: RunSession = {
    vars: state.vars,
    values: state.values,
    pending: () => [...state.cleanups],
    async runSteps(steps, call) {
      if (closed) throw new KubewalkError('E_CLOSED', 'this session is closed.')
      withCall(call)
      state.failed = false
      delete state.stoppedBy
      const results: StepResult[] = []
      // By id: a step as edited in the notebook is a copy of the walkthrough's and keeps its place.
      const at = (step: Step): number =>
        Math.max(
          0,
          o.steps.findIndex((s) => s.id === step.id),
        )
      try {
        for (const [i, step] of steps.entries()) results.push(await runStep(step, at(step), state, steps[i + 1]))
      } finally {
        // A guard started for a step that did not run (the run stopped) ends here, not after the session.
        await dropNextGuard(state)
      }
      return results
    },
    async reset(call) {
      withCall(call)
      await Promise.all(state.background.splice(0).map((b) => b.stop()))
      // A fresh shell after a reset (nothing of the session's lines stays: cwd, functions, variables), started by the next
      // line: a line still running in this one finishes first.
      state.staleKernel = true
      await closeContainers(state)
      for (const c of await guardLeftovers(state)) if (![...state.cleanups].some((k) => k.describe === c.describe)) state.cleanups.add(c)
      const done: CleanupResult[] = []
      const tried = new Set<Cleanup>()
      // Exactly what was done goes from the list: what could not be removed stays for a later reset or
      // close, and what a line still ending registers meanwhile is removed in another round.
      for (let round = 0; round < 3; round++) {
        const todo = [...state.cleanups].filter((c) => !tried.has(c)).reverse()
        if (todo.length === 0) break
        const results = await runCleanups(todo, state.o, cwd)
        todo.forEach((c, i) => {
          tried.add(c)
          if (results[i]?.status === 'done' || results[i]?.status === 'deleting') state.cleanups.delete(c)
        })
        done.push(...results)
      }
      forget()
      latest.clear()
      closing = done
      startedAt = new Date().toISOString()
      return done
    },
    async close(call) {
      if (closed) return []
      closed = true
      withCall(call)
      try {
        await Promise.all(state.background.splice(0).map((b) => b.stop()))
        await closeKernel(state)
        await closeContainers(state)
        // First: the ledger takes over from the cleanups read from kubectl's output what it knows better.
        const leftovers = await guardLeftovers(state)
        closing = await runCleanups([...[...state.cleanups].reverse(), ...leftovers, ...(o.teardown ?? [])], state.o, cwd)
        return closing
      } finally {
        await state.guardServer?.close()
        await removeWrittenFiles(state)
        await removeScratchDir(state.work)
      }
    },
    result() {
      const steps = o.steps.map((s) => latest.get(s.id)).filter((r): r is StepResult => r !== undefined)
      return outcome(
        steps,
        closing,
        undefined,
        startedAt,
        steps.reduce((t, r) => t + r.durationMs, 0),
      )
    },
  }
  return { session, state }
}

/**
 * Writes a page's file. In the run's scratch folder, freely; elsewhere (the page's own `cd` took the shell there) never
 * over a file of the user's with other content, and what it makes there goes at close, as the objects the run made do.
 */
async function writeStepFile(step: Step, path: string, content: string, state: RunState): Promise<void> {
  const inside = (dir: string): boolean => !relative(dir, path).startsWith('..')
  const ours = inside(state.work) || inside(await realpath(state.work)) || state.written.some((w) => w.path === path)
  if (!ours) {
    const there = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : ''))
    if (there === content) return
    if (there !== undefined)
      throw new PreconditionError(
        `${step.id}: ${path} is already there, and kubewalk writes the page's ${basename(path)} over no file of yours (the page's cd took the shell out of the run's scratch folder); move that file away and run again.`,
      )
  }
  const made = await mkdir(dirname(path), { recursive: true })
  await writeFile(path, content, ours ? {} : { flag: 'wx' })
  if (!ours) state.written.push({ path, ...(made !== undefined ? { folder: made } : {}) })
}

/** Removes what writeStepFile made outside the scratch folder: each file, then each folder it made, if empty. */
async function removeWrittenFiles(state: RunState): Promise<void> {
  const removed = (dir: string): Promise<boolean> =>
    rmdir(dir).then(
      () => true,
      () => false,
    )
  for (const w of state.written.splice(0).reverse()) {
    await rm(w.path, { force: true }).catch(() => undefined)
    if (w.folder === undefined) continue
    for (let dir = dirname(w.path); dir === w.folder || dir.startsWith(`${w.folder}/`); dir = dirname(dir)) if (!(await removed(dir))) break
  }
}

/** One step, from its announcement to its recorded result; skipped once the run has failed or stopped. */
async function runStep(step: Step, index: number, state: RunState, next?: Step): Promise<StepResult> {
  const { o } = state
  const total = o.steps.length
  const strictTls = o.strictTlsCaFile !== undefined && step.strictTlsCommand !== undefined
  const command = commandOf(step, { cluster: o.cluster, namespace: o.namespace, vars: state.vars, values: state.values }, { strictTls })
  const result: StepResult = {
    id: step.id,
    number: step.number,
    title: step.title,
    command,
    status: 'skipped',
    durationMs: 0,
    attempts: 0,
    assertions: [],
    output: { stdout: '', stderr: '', exitCode: null },
  }
  if (strictTls) result.variant = 'strict-tls'
  if (step.container !== undefined) result.container = { ...step.container }
  if (o.signal?.aborted) state.stoppedBy ??= 'signal'
  if (state.failed || state.stoppedBy !== undefined) {
    o.onEvent?.({ type: 'step-end', result, index, total })
    return result
  }
  o.onEvent?.({ type: 'step-start', step, command, ...(result.variant ? { variant: result.variant } : {}), index, total })
  // A line the reader does by hand is not run, and the report says why.
  if (step.manual !== undefined) {
    result.skippedBecause = step.manual
    o.onEvent?.({ type: 'step-end', result, index, total })
    return result
  }
  const choice = o.beforeStep ? await o.beforeStep(step, index) : 'run'
  if (choice !== 'run') {
    // A quit after a signal (SIGTERM answers the prompt) is the signal's.
    if (choice === 'quit') state.stoppedBy = o.signal?.aborted ? 'signal' : 'user'
    else result.skippedBy = 'user'
    o.onEvent?.({ type: 'step-end', result, index, total })
    return result
  }
  o.onEvent?.({ type: 'step-run', step, index })
  if (step.notes !== undefined && step.notes.length > 0) result.notes = [...step.notes]
  // A kubectl named by its path is not the guard's `kubectl`: said, never rewritten.
  const unguarded = o.guard !== undefined ? absoluteKubectlCalls(command) : []
  if (unguarded.length > 0) result.notes = [...(result.notes ?? []), `runs ${unguarded.join(', ')} by its path: that call is not guarded`]
  const begin = performance.now()
  try {
    await execute(step, command, result, state, begin, next)
    if (step.writes !== undefined && result.captured) state.vars[step.writes.name] = result.captured.value
    state.values.set(step.id, result.value)
    if (step.deletes !== undefined) state.cleanups.delete(step.deletes)
    result.status = 'passed'
  } catch (e) {
    if (o.signal?.aborted) state.stoppedBy = 'signal'
    result.status = 'failed'
    result.error = state.stoppedBy ? { name: 'Interrupted', code: 'E_INTERRUPTED', message: `${step.id}: interrupted.` } : toError(e)
    state.failed = true
  } finally {
    result.durationMs = Math.round(performance.now() - begin)
    o.onEvent?.({ type: 'step-end', result, index, total })
  }
  return result
}

/**
 * --strict-tls against a cluster with tls-server-name: the program each strict line runs (its first
 * word) is wrapped so that it checks that name while connecting to the server's address, as kubectl does.
 */
async function strictTlsServerName(state: RunState): Promise<void> {
  const { o } = state
  const name = o.cluster.tlsServerName
  if (o.strictTlsCaFile === undefined || name === undefined) return
  const programs = new Set(o.steps.map((s) => /^\s*([A-Za-z0-9._-]+)\s/.exec(s.strictTlsCommand ?? '')?.[1]).filter((p) => p !== undefined))
  const dir = join(state.work, 'tls-bin')
  try {
    await mkdir(dir, { mode: 0o700 })
    for (const program of programs) {
      // Not installed: the line fails as it would have, saying so.
      const path = await which(program, { PATH: o.env?.PATH ?? process.env.PATH })
      if (path !== undefined) await installTlsServerNameClient(dir, { server: o.cluster.server, tlsServerName: name, program, path })
    }
    state.tlsBin = dir
  } catch {
    // Without the wrapper the line checks the URL's host, and fails naming the certificate's names.
  }
}

function contextOf(state: RunState): StepContext {
  const { o } = state
  return {
    vars: { ...state.vars },
    cluster: o.cluster,
    clusters: o.clusters,
    namespace: o.namespace,
    settings: o.settings ?? {},
    values: state.values,
    now: new Date(),
  }
}

/** What a step's guard and line run with: the run's environment, its variables, and the strict-tls programs first on PATH. */
function stepEnv(step: Step, state: RunState, strictTls: boolean): Record<string, string | undefined> {
  const { o } = state
  const env: Record<string, string | undefined> = {
    ...o.env,
    ...state.vars,
    ...(o.strictTlsCaFile !== undefined ? { KUBEWALK_CACERT: o.strictTlsCaFile } : {}),
  }
  if (strictTls && step.strictTlsCommand !== undefined && state.tlsBin !== undefined)
    env.PATH = `${state.tlsBin}${delimiter}${o.env?.PATH ?? process.env.PATH ?? ''}`
  return env
}

/** A step's typed guard started beside the line before it: its answer, when it started, and how to stop it. */
interface NextGuard {
  stepId: string
  result: Promise<ShellResult>
  started: number
  stop: AbortController
}

/**
 * The next step's typed guard (a read) starts beside this step's line when that line is a lone kubectl read and no job
 * of the run is still going: nothing the run does meanwhile changes what the guard sees, so it answers as it would
 * after the line, one kubectl start sooner. Not when this step sets a variable or the next writes files first; and the
 * answer is used only while it is fresh (takeNextGuard).
 */
function startNextGuard(step: Step, command: string, next: Step | undefined, state: RunState): void {
  const { o } = state
  if (next?.guard === undefined || next.manual !== undefined || state.background.length > 0) return
  if (step.writes !== undefined || step.container !== undefined || (next.files?.length ?? 0) > 0 || !isLoneKubectlRead(command)) return
  const strictTls = o.strictTlsCaFile !== undefined && next.strictTlsCommand !== undefined
  const env = stepEnv(next, state, strictTls)
  const stop = new AbortController()
  const signal = o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal
  const result = runScript(next.guard.command, { env, cwd: state.cwd, timeoutMs: o.commandTimeoutMs, signal })
  result.catch(() => undefined)
  state.nextGuard = { stepId: next.id, result, started: performance.now(), stop }
}

/** How long after it started a guard's answer still stands for the next step: a long line, or a pause at the keys, asks again. */
const NEXT_GUARD_FRESH_MS = 1_000

/** Stops a guard started beside a line whose answer will not be used, and waits for it to end. */
async function dropNextGuard(state: RunState): Promise<void> {
  const early = state.nextGuard
  delete state.nextGuard
  if (early === undefined) return
  early.stop.abort()
  await early.result.catch(() => undefined)
}

/**
 * The answer of the guard started beside the previous line, when it is this step's (the line beside it passed: a failed
 * step skips the rest), it answered without an error (a failure is asked again, as a login plugin may need the
 * terminal) and it is still fresh; any other is stopped and let go.
 */
async function takeNextGuard(step: Step, state: RunState): Promise<ShellResult | undefined> {
  const early = state.nextGuard
  if (early === undefined) return undefined
  const fresh = (): boolean => performance.now() - early.started <= NEXT_GUARD_FRESH_MS
  if (early.stepId !== step.id || !fresh()) {
    await dropNextGuard(state)
    return undefined
  }
  delete state.nextGuard
  const g = await early.result
  return g.exitCode === 0 && fresh() ? g : undefined
}

/** The guard, then the line until its checks pass or its wait runs out; throws what ends the step. */
async function execute(step: Step, command: string, result: StepResult, state: RunState, begin: number, next?: Step): Promise<void> {
  const { o } = state
  const early = await takeNextGuard(step, state)
  const missing = step.reads.filter((v) => state.vars[v.name] === undefined)
  if (missing.length > 0) {
    throw new KubewalkError(
      'E_MISSING_VAR',
      `${step.id}: needs ${missing.map((v) => `$${v.name}`).join(' and ')}, which no earlier step set; run from an earlier step or export it first.`,
    )
  }
  // What a deleting step removes must be this run's: run without the step that creates it, it refuses.
  if (step.deletes !== undefined && !state.cleanups.has(step.deletes)) {
    throw new PreconditionError(
      `${step.id}: this run did not create what the step deletes (${step.deletes.describe.replace(/^delete /, '')}), and kubewalk deletes only what its run created; run from the step that creates it, or delete it yourself: ${step.deletes.command}.`,
    )
  }
  const env = stepEnv(step, state, result.variant === 'strict-tls')
  const signal = o.signal ? { signal: o.signal } : {}
  // A page's file is made where its reader is: the shell's folder (after the page's own `cd`), not the run's.
  const here = step.files !== undefined && step.files.length > 0 ? await (await kernelOf(state)).cwd() : state.cwd
  for (const f of step.files ?? []) await writeStepFile(step, join(here, f.name), fileContent(f, contextOf(state)), state)
  if (step.guard) {
    const g = await (early ?? runScript(step.guard.command, { env, cwd: state.cwd, timeoutMs: o.commandTimeoutMs, ...signal }))
    if (g.aborted) state.stoppedBy = 'signal'
    if (g.exitCode !== 0) throw commandFailure(step, g, o.commandTimeoutMs)
    const refusal = step.guard.refuse({ stdout: g.stdout, stderr: g.stderr, exitCode: g.exitCode }, contextOf(state))
    // A rerun in a session that keeps what it made (the notebook): what stands in the way is its own.
    if (refusal !== undefined && step.creates !== undefined && state.cleanups.has(step.creates.cleanup))
      throw new PreconditionError(
        `${step.id}: ${step.creates.cleanup.describe.replace(/^delete /, '')} is already there: this session created it when the step ran before, and removes it on Reset (or remove it now: ${step.creates.cleanup.command}).`,
      )
    if (refusal !== undefined) throw new PreconditionError(`${step.id}: ${refusal}.`)
  }
  // A line typed in a container waits, as the exec that opens its shell would, for the Pod to run it.
  const reads =
    step.container === undefined ? command : state.containers?.has(step.container) === true ? undefined : execArgv(step.container).join(' ')
  if (reads !== undefined) await waitForPods(step, reads, result, state)
  if (step.background) return await startInBackground(step, command, env, result, state)
  // Once the line is in the shell: the guard's process start (~4 ms of this thread) does not hold the line back.
  let beside: (() => void) | undefined = () => {
    startNextGuard(step, command, next, state)
    if (state.kubectlEnv !== undefined) state.guardServer?.warm(state.kubectlEnv)
  }
  const deadline = begin + (step.wait ? (o.waitTimeoutMs ?? step.wait.timeoutMs) : 0)
  for (;;) {
    result.attempts++
    let output: StepOutput
    try {
      output = await attempt(step, command, env, result, state, beside)
      beside = undefined
    } catch (e) {
      beside = undefined
      // A wait also reruns a line that exits non-zero while what it reads is not there yet; the last error is the step's.
      if (!step.wait || !retriable(e, o.signal, o.cluster.server) || performance.now() + step.wait.intervalMs > deadline)
        throw waitedError(e, step, begin)
      o.onEvent?.({ type: 'attempt', step, attempt: result.attempts, elapsedMs: Math.round(performance.now() - begin), waitingFor: step.wait.for })
      await sleep(step.wait.intervalMs, undefined, signal)
      continue
    }
    const verdict = judge(step, output, result, state)
    if (verdict === undefined) return
    const refused = result.assertions.find((a) => !a.ok && a.precondition !== undefined)
    if (refused) throw new PreconditionError(`${step.id}: ${refused.precondition}.`)
    // Output of another kind altogether is not something a wait can fix: the cause is said at once.
    if (verdict instanceof ParseError && verdict.wrongShape) throw verdict
    // A line that pipes kubectl into another command exits 0 when the server is away: waiting for a
    // controller cannot help, and blaming it would send the user the wrong way.
    const unreachable = UNREACHABLE.exec(output.stderr)
    if (step.wait && unreachable)
      throw new KubewalkError(
        'E_UNREACHABLE',
        `${step.id}: the API server did not answer (${unreachable[0].trim()}); check that it is running, then run again.`,
      )
    if (!step.wait || performance.now() + step.wait.intervalMs > deadline) {
      const waited = step.wait ? ` after waiting ${Math.round((performance.now() - begin) / 1000)} s for ${step.wait.for}` : ''
      if (verdict instanceof ParseError)
        throw new ParseError(step.id, `${verdict.message.slice(step.id.length + 2)}${waited}`, verdict.input, { cause: verdict })
      throw new KubewalkError('E_ASSERTION', `${step.id}: ${describeFailures(result.assertions)}${waited}.`)
    }
    o.onEvent?.({ type: 'attempt', step, attempt: result.attempts, elapsedMs: Math.round(performance.now() - begin), waitingFor: step.wait.for })
    await sleep(step.wait.intervalMs, undefined, signal)
  }
}

/**
 * Whether a failed attempt of a waiting step is worth another: a line that ran and exited non-zero (what it reads is
 * not there yet), not one cut short, killed or refused, nor a server away, nor Forbidden (the error it is, said at once).
 */
function retriable(e: unknown, signal: AbortSignal | undefined, server?: string): boolean {
  if (!(e instanceof CommandError) || e.code !== 'E_COMMAND' || signal?.aborted === true || e.evidence.exitCode === null) return false
  // A line killed by a signal (128+N: a kubectl killed mid-step, out of memory) did not find something missing.
  if (e.evidence.exitCode > 128) return false
  // curl that cannot reach the cluster's API server (7: no connection, 28: no answer, 52: empty reply, 56: reset):
  // the server is away, which no wait mends; an app's port not up yet (a port-forward) is worth another try.
  const port = server !== undefined ? /:(\d+)(?:\/|$)/.exec(server)?.[1] : undefined
  if (port !== undefined && new RegExp(`^[\\w.-]+: \\((?:7|28|52|56)\\) .*\\bport ${port}\\b`, 'm').test(e.evidence.stderr)) return false
  return !UNREACHABLE.test(e.evidence.stderr)
}

/** The error that ends a waiting step's last attempt, saying how long it waited (the error itself when it did not wait). */
function waitedError(e: unknown, step: Step, begin: number): unknown {
  if (!step.wait || !(e instanceof CommandError) || !retriable(e, undefined)) return e
  const waited = ` (after waiting ${Math.round((performance.now() - begin) / 1000)} s for ${step.wait.for})`
  return new CommandError(`${e.message.replace(/\.$/, '')}${waited}.`, e.evidence, { cause: e, code: e.code, timedOut: e.timedOut })
}

/**
 * The wait a reader does by eye before a line that reads a Pod the run created (logs, exec, attach, port-forward):
 * bounded, one read when the Pod can already answer, and said in the step's notes when it took time or did not end well.
 */
async function waitForPods(step: Step, command: string, result: StepResult, state: RunState): Promise<void> {
  const { o } = state
  if (!mayReadPod(command)) return
  const kernel = await kernelOf(state)
  const names = variablesIn(command)
  const vars = { ...state.vars, ...(names.length > 0 ? await kernel.vars(names) : {}) }
  await state.guardServer?.recorded()
  const ledger = state.guardDir !== undefined ? await readLedger(state.guardDir).catch(() => undefined) : undefined
  const signal = o.signal ? { signal: o.signal } : {}
  const waits = await waitBeforeLine(command, {
    vars,
    known: { cleanups: state.cleanups, ...(ledger ? { ledger: leftOver(ledger) } : {}) },
    // Through the run's shell: the kubectl, kubeconfig copy and context its lines use.
    get: kernelGetter(kernel, { timeoutMs: o.commandTimeoutMs, ...signal }),
    timeoutMs: o.waitTimeoutMs ?? POD_WAIT_MS,
    ...signal,
    onWaiting: (attempt, elapsedMs, waitingFor) => o.onEvent?.({ type: 'attempt', step, attempt, elapsedMs, waitingFor }),
  })
  const notes = waits.map(waitNote).filter((n) => n !== undefined)
  if (notes.length > 0) result.notes = [...(result.notes ?? []), ...notes]
  if (o.signal?.aborted === true) throw new KubewalkError('E_INTERRUPTED', `${step.id}: interrupted.`)
}

// `kubectl delete` waits until what it deletes is gone: a namespace while its finalizers run, a Pod for its grace
// period (30 s by default, for a process that ignores SIGTERM): longer than --timeout on a busy cluster. Objects
// that go at once (a Secret, a Role, a Service) get --timeout, so a server that stops answering ends the line as soon.
const DELETES = /\bkubectl\b[^\n|;&]*\sdelete\s+(.*)/
const GO_AT_ONCE =
  /^(?:secrets?|configmaps?|cm|serviceaccounts?|sa|(?:cluster)?roles?|(?:cluster)?rolebindings?|services?|svc|limitranges?|resourcequotas?|quota|networkpolicy|networkpolicies|netpol|ingress(?:es)?|ing|endpoints|events?|ev|leases?|poddisruptionbudgets?|pdb|horizontalpodautoscalers?|hpa)(?:\.[\w.-]+)?$/

/** Whether a delete line may wait for what it deletes to go: it names a kind that does not go at once, or none (`-f`, `-k`). */
function deletionWaits(line: string): boolean {
  const rest = DELETES.exec(line)?.[1]
  if (rest === undefined) return false
  const words = rest.split(/\s+/).filter((w) => w !== '' && !w.startsWith('-'))
  if (/(?:^|\s)(?:-f|--filename|-k|--kustomize)(?:[=\s]|$)/.test(rest) || words.length === 0) return true
  const kinds = (words[0]?.includes('/') ? words.filter((w) => w.includes('/')).map((w) => w.split('/')[0] as string) : [words[0] as string]).flatMap(
    (k) => k.split(','),
  )
  return !kinds.every((k) => GO_AT_ONCE.test(k.toLowerCase()))
}

/** A line's time limit: --timeout, or for a line that deletes what takes time to go the bound a deletion has (--namespace-timeout, 120 s). */
function lineTimeoutMs(line: string, o: Pick<Options, 'commandTimeoutMs' | 'podDeleteTimeoutMs'>): number {
  return deletionWaits(line) ? Math.max(o.commandTimeoutMs, o.podDeleteTimeoutMs ?? 120_000) : o.commandTimeoutMs
}

/** Runs the line once; records its output, what it created, and the secrets it printed, before its exit code is judged. */
async function attempt(
  step: Step,
  command: string,
  env: Record<string, string | undefined>,
  result: StepResult,
  state: RunState,
  beside?: () => void,
): Promise<StepOutput> {
  if (step.container !== undefined) return await attemptInContainer(step, step.container, command, result, state)
  const { o } = state
  const sets = step.sets ?? []
  // A watch is stopped once it has printed enough, or at its time.
  const watching = step.watch !== undefined ? watchOf(step.watch, o) : undefined
  // Live output for a face that streams it (the browser notebook).
  const onOutput =
    o.onEvent || watching
      ? {
          onOutput: (stream: 'stdout' | 'stderr', chunk: string) => {
            watching?.seen(stream, chunk)
            o.onEvent?.({ type: 'step-output', step, stream, chunk })
          },
        }
      : {}
  const kernel = await kernelOf(state)
  // The shell keeps what earlier lines set; what the run knows beyond that (seeded, --set, a variant's CA) goes in first.
  await syncVars(kernel, state, { KUBEWALK_CACERT: env.KUBEWALK_CACERT })
  // A variable the step assigns and does not read starts unset, so a line that never assigns it cannot report an earlier value.
  if (step.writes !== undefined && !step.reads.some((v) => v.name === step.writes?.name)) {
    await kernel.unsetVars([step.writes.name])
    delete state.synced[step.writes.name]
  }
  // The --strict-tls variant's wrapped programs lead PATH for its own line only.
  const variantPath = result.variant === 'strict-tls' && state.tlsBin !== undefined
  const before = variantPath ? (await kernel.vars(['PATH'])).PATH : undefined
  if (variantPath) await kernel.setVars({ PATH: `${state.tlsBin}${delimiter}${before ?? ''}` })
  // A block's commands run one by one, each with its own output and exit, and the first that fails ends the block.
  const commands = blockCommands(command, step.blockCommands)
  const parts: CommandOutput[] = []
  let r: LineResult | undefined
  let failed = false
  const signal = watching ? { signal: watching.signal } : o.signal ? { signal: o.signal } : {}
  for (const c of commands) {
    const written = c === commands[0] && beside !== undefined ? { onWritten: beside } : {}
    r = await kernel.run(c, { timeoutMs: watching?.timeoutMs ?? lineTimeoutMs(c, o), ...signal, ...onOutput, ...written })
    // A watch stopped by kubewalk (time up, or enough printed) answered: what it printed is judged.
    if (watching !== undefined && o.signal?.aborted !== true && (r.timedOut || r.aborted))
      Object.assign(r, { timedOut: false, aborted: false, exitCode: 0 })
    parts.push({ command: c, stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode })
    if (!isAnswer(step, r)) {
      failed = true
      break
    }
  }
  const last = r as LineResult
  if (variantPath && before !== undefined) await kernel.setVars({ PATH: before })
  const stdout = parts.map((p) => p.stdout).join('')
  const stderr = parts.map((p) => p.stderr).join('')
  result.output = { stdout, stderr, exitCode: last.exitCode, ...(commands.length > 1 ? { parts } : {}) }
  const output: StepOutput = { stdout, stderr, exitCode: last.exitCode, ...(commands.length > 1 ? { parts } : {}) }
  // What the line assigned, read from the shell; a line cut short (killed, or its shell ended) assigned nothing we trust.
  const finished = !last.aborted && !last.timedOut && last.endedShell !== true
  const names = [...(step.writes ? [step.writes.name] : []), ...sets.map((v) => v.name)]
  const values = finished && names.length > 0 ? await kernel.vars(names) : {}
  if (step.writes !== undefined) {
    if (finished) {
      const captured = values[step.writes.name] ?? ''
      output.captured = captured
      result.captured = { name: step.writes.name, value: captured }
      state.synced[step.writes.name] = captured
      if (step.writes.secret) o.secrets?.add(captured)
    } else delete result.captured
  }
  for (const v of sets) {
    const value = values[v.name]
    if (value === undefined) continue
    state.vars[v.name] = value
    state.synced[v.name] = value
    if (v.secret) o.secrets?.add(value)
  }
  // A plugin's calls are its own, past the guard: said, as a kubectl named by its path is.
  const plugins = state.guardDir !== undefined ? await takePlugins(state.guardDir) : []
  if (plugins.length > 0)
    result.notes = [...(result.notes ?? []), `runs the kubectl plugin ${plugins.join(', ')}: what a plugin changes is not guarded`]
  // A change the guard refused fails the step, even when the line went on (`kubectl apply …; echo ok`).
  const refused = state.guardDir !== undefined ? await takeRefusals(state.guardDir) : []
  if (refused.length > 0) {
    if (last.aborted) state.stoppedBy = 'signal'
    throw new PreconditionError(`${step.id}: ${refused.map((x) => x.message.replace(/^kubewalk: refused: /, '')).join('; ')}.`)
  }
  track(step, output, state)
  // Cut short, or failed after its guard showed nothing of that name existed (the server may have
  // created it and lost the answer), the line may have created its object without saying so:
  // whatever is there now is this run's, unless the server said it already existed.
  const unsure =
    last.aborted || last.timedOut || (step.guard !== undefined && last.exitCode !== 0 && !/\bAlreadyExists\b|\balready exists\b/.test(last.stderr))
  if (step.creates && (step.creates.createdIf(output) || unsure)) state.cleanups.add(step.creates.cleanup)
  for (const v of step.secrets?.(output) ?? []) o.secrets?.add(v)
  if (last.aborted) state.stoppedBy = 'signal'
  if (failed) {
    const which = commands.length > 1 ? { command: last.command, index: parts.length - 1, of: commands.length } : undefined
    throw commandFailure(step, last, o.commandTimeoutMs, which)
  }
  return output
}

/** The commands of a block, from the lines where each starts; the whole line when it is one (or the starts do not fit it). */
function blockCommands(command: string, starts: readonly number[] | undefined): string[] {
  const lines = command.split('\n')
  if (
    starts === undefined ||
    starts.length < 2 ||
    starts[0] !== 0 ||
    starts.some((s, i) => s >= lines.length || (i > 0 && s <= (starts[i - 1] as number)))
  )
    return [command]
  return starts.map((s, i) => lines.slice(s, starts[i + 1] ?? lines.length).join('\n')).filter((c) => c.trim() !== '')
}

/**
 * A line typed in a container: sent to the run's shell there, not to the kernel; the guard does not apply (no
 * kubectl of the run's runs there), the checks do. Its commands run one by one, as on the host; `exit` ends
 * that shell and passes.
 */
async function attemptInContainer(step: Step, target: StepContainer, command: string, result: StepResult, state: RunState): Promise<StepOutput> {
  const { o } = state
  await kernelOf(state)
  const env = state.kubectlEnv ?? o.env ?? {}
  state.containers ??= new ContainerSessions((t) => openContainerSession({ target: t, env, cwd: state.cwd }))
  const commands = blockCommands(command, step.blockCommands)
  const parts: CommandOutput[] = []
  const notes: string[] = []
  let last: (ShellResult & { aborted: boolean; timedOut: boolean }) | undefined
  let failed = false
  for (const c of commands) {
    if (endsShell(c)) {
      await state.containers.end(target)
      notes.push(`ends the shell in ${containerLabel(target)}: a later line there opens a new one`)
      parts.push({ command: c, stdout: '', stderr: '', exitCode: 0 })
      continue
    }
    const r = await state.containers.get(target).run(c, { timeoutMs: o.commandTimeoutMs, ...(o.signal ? { signal: o.signal } : {}) })
    last = r
    parts.push({ command: c, stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode })
    if (r.ended !== undefined) notes.push(r.ended)
    if (!isAnswer(step, r)) {
      failed = true
      break
    }
  }
  if (notes.length > 0) result.notes = [...(result.notes ?? []), ...notes]
  const stdout = parts.map((p) => p.stdout).join('')
  const stderr = parts.map((p) => p.stderr).join('')
  const exitCode = last?.exitCode ?? 0
  const output: StepOutput = { stdout, stderr, exitCode, ...(commands.length > 1 ? { parts } : {}) }
  result.output = { stdout, stderr, exitCode, ...(commands.length > 1 ? { parts } : {}) }
  for (const v of step.secrets?.(output) ?? []) o.secrets?.add(v)
  if (last?.aborted) state.stoppedBy = 'signal'
  if (failed && last !== undefined) {
    const which = commands.length > 1 ? { command: parts.at(-1)?.command ?? '', index: parts.length - 1, of: commands.length } : undefined
    throw commandFailure(step, last, o.commandTimeoutMs, which)
  }
  return output
}

/** How a watch line runs: its own stop (the run's signal, its time, enough output seen) and its limit. */
function watchOf(watch: Watch, o: Options): { signal: AbortSignal; timeoutMs: number; seen: (stream: 'stdout' | 'stderr', chunk: string) => void } {
  const stop = new AbortController()
  const out = { stdout: '', stderr: '' }
  return {
    signal: o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal,
    timeoutMs: Math.min(watch.awaits && o.waitTimeoutMs !== undefined ? o.waitTimeoutMs : watch.forMs, o.commandTimeoutMs),
    seen: (stream, chunk) => {
      out[stream] += chunk
      if (!stop.signal.aborted && watch.enough?.({ ...out, exitCode: null }) === true) stop.abort()
    },
  }
}

/**
 * Whether the line answered. Exit 0 does; so does an exit code the author declared an answer (`exit N`), and
 * an error the walkthrough shows as the answer (a Forbidden its recording expects). Another exit code the step
 * lists does only when the line printed its answer on standard output (`kubectl auth can-i` prints "no" and
 * exits 1); with nothing there its exit is the error it is (Forbidden, unreachable, …), classified like any
 * other, never read as an answer nor waited on.
 */
function isAnswer(
  step: Pick<Step, 'exitCodes' | 'answerCodes' | 'answersWithError'>,
  r: Pick<ShellResult, 'exitCode' | 'timedOut' | 'aborted' | 'stdout' | 'stderr'>,
): boolean {
  if (r.exitCode === null || r.timedOut || r.aborted) return false
  if (r.exitCode === 0 || step.answerCodes?.includes(r.exitCode)) return true
  if (step.answersWithError?.(`${withoutProgressMeter(r.stderr)}\n${r.stdout}`)) return true
  return (step.exitCodes ?? [0]).includes(r.exitCode) && r.stdout.trim() !== ''
}

/** Parses and checks one attempt's output: undefined when it passed, else why it did not. */
function judge(step: Step, output: StepOutput, result: StepResult, state: RunState): ParseError | 'failed' | undefined {
  try {
    const value = step.parse(output, contextOf(state))
    result.value = value
    result.assertions = step.check(value, contextOf(state))
  } catch (e) {
    if (!(e instanceof ParseError)) throw e
    result.assertions = []
    return e
  }
  return result.assertions.every((a) => a.ok) ? undefined : 'failed'
}

const CLEANUP_PROGRESS_MS = 5_000

/** Registers what the output says the line created, and drops what it says the line deleted. */
function track(step: Step, output: StepOutput, state: RunState): void {
  const t = step.tracks?.(output)
  if (t === undefined) return
  for (const c of t.created) if (![...state.cleanups].some((k) => k.describe === c.describe)) state.cleanups.add(c)
  for (const d of t.deleted) for (const k of state.cleanups) if (k.describe === d) state.cleanups.delete(k)
}

/** A background step: started, left running, passed once it is ready (its text, its port, or its first output). */
async function startInBackground(
  step: Step,
  command: string,
  env: Record<string, string | undefined>,
  result: StepResult,
  state: RunState,
): Promise<void> {
  const { o } = state
  const bg = step.background ?? {}
  result.attempts = 1
  const p = startBackground(command, { env, cwd: state.cwd })
  state.background.push(p)
  // Readiness is bounded like any command (--timeout), not by a fixed time of its own; a watch waiting to show what
  // its recording shows is a bounded wait (--wait).
  const timeoutMs = bg.shows !== undefined && o.waitTimeoutMs !== undefined ? o.waitTimeoutMs : (bg.timeoutMs ?? o.commandTimeoutMs)
  const seen = (): boolean => {
    const { stdout, stderr } = p.output()
    if (bg.ready !== undefined) return `${stdout}${stderr}`.includes(bg.ready)
    return bg.shows !== undefined ? bg.shows({ stdout, stderr, exitCode: null }) : /\n/.test(`${stdout}${stderr}`)
  }
  const ready =
    bg.ready === undefined && bg.port !== undefined
      ? portAnswers(bg.port, timeoutMs, o.signal)
      : (async () => {
          const deadline = performance.now() + timeoutMs
          while (!seen() && performance.now() < deadline && !o.signal?.aborted) await sleep(50)
          return seen()
        })()
  const outcome = await Promise.race([ready.then((ok) => (ok ? 'ready' : 'late')), p.exited.then(() => 'ended' as const)])
  const { stdout, stderr } = p.output()
  const exitCode = outcome === 'ended' ? await p.exited : null
  result.output = { stdout, stderr, exitCode }
  const evidence = { command, exitCode, signal: null, stdout, stderr, durationMs: 0 }
  if (o.signal?.aborted) {
    state.stoppedBy = 'signal'
    throw new CommandError(`${step.id}: interrupted.`, evidence)
  }
  const what =
    bg.ready !== undefined
      ? `to print ${JSON.stringify(bg.ready)}`
      : bg.port !== undefined
        ? `to answer on port ${bg.port}`
        : bg.shows !== undefined
          ? 'to show what its recording shows'
          : 'to print its first line'
  if (outcome === 'ended')
    throw new CommandError(
      `${step.id}: the background line ended (exit code ${exitCode}) instead of staying up: ${firstLine(withoutProgressMeter(stderr)) || firstLine(stdout) || 'no output'}`,
      evidence,
    )
  // A watch that never showed what its recording shows is judged on what it did show: the checks say what differs.
  if (outcome === 'late' && bg.shows === undefined)
    throw new CommandError(`${step.id}: the background line did not get ready within ${timeoutMs / 1000} s (waiting for it ${what}).`, evidence, {
      timedOut: true,
    })
  if (judge(step, { stdout, stderr, exitCode: 0 }, result, state) !== undefined)
    throw new KubewalkError('E_ASSERTION', `${step.id}: ${describeFailures(result.assertions) || 'its output could not be read'}.`)
}

/** The run's shell, started at its first line, with the guard installed in it when the run is guarded. */
async function kernelOf(state: RunState): Promise<Kernel> {
  if (state.staleKernel === true) {
    delete state.staleKernel
    await closeKernel(state)
  }
  if (state.kernel !== undefined) return state.kernel
  const { o } = state
  const env: Record<string, string | undefined> = { ...o.env }
  // The lines' kubectl reads and writes the run's own copy of the kubeconfig (`kubectl config set-context --current
  // --namespace=x` changes it, never the user's file); cleanup and the guard's restores keep the original.
  const copy = join(state.work, 'kubeconfig')
  if (await writeKubeconfigCopy(kubeconfigPaths(o.env), copy)) env.KUBECONFIG = copy
  state.kubectlEnv = { ...env }
  let init: string | undefined
  if (o.guard !== undefined) {
    state.guardDir ??= join(state.work, 'guard')
    await mkdir(state.guardDir, { recursive: true })
    const path = o.env?.PATH ?? process.env.PATH ?? ''
    // The guard answers from this process (no node start per changing call); if it cannot listen, the hook does.
    state.guardServer ??= await startGuardServer(state.guardDir, { readTimeoutMs: o.commandTimeoutMs, spareByCaller: true }).catch(() => undefined)
    const g = await installGuard({
      stateDir: state.guardDir,
      realKubectl: 'kubectl',
      mode: o.guard,
      path,
      ...(state.guardServer ? { server: state.guardServer } : {}),
    })
    Object.assign(env, g.env)
    init = g.functionText
  }
  // The guard's function is part of every shell's start (no framed line before step 01, and a shell started again
  // after a page's `exit` has it too).
  // What a step's guard and cleanup run with (zx, ~25 ms of this thread) loads once bash is spawned: it does not hold
  // the shell's start back, and no line waits for it.
  const spare = state.guardServer?.spareWanted()
  state.kernel = await openKernel({
    env,
    cwd: state.cwd,
    whileStarting: preloadShell,
    ...(init !== undefined ? { init } : {}),
    // The guard's first spare FIFO with the kernel's own: one mkfifo start on this thread, not two.
    ...(spare !== undefined ? { fifos: [spare], fifosMade: () => state.guardServer?.spareMade() } : {}),
  })
  state.synced = {}
  return state.kernel
}

/** The kubeconfig files kubectl would read with this environment: KUBECONFIG's, else ~/.kube/config. */
function kubeconfigPaths(env: Record<string, string | undefined> | undefined): string[] {
  const list = env?.KUBECONFIG ?? process.env.KUBECONFIG ?? ''
  const paths = list.split(delimiter).filter((p) => p !== '')
  return paths.length > 0 ? paths : [join(env?.HOME ?? process.env.HOME ?? homedir(), '.kube', 'config')]
}

async function closeContainers(state: RunState): Promise<void> {
  const c = state.containers
  delete state.containers
  await c?.close()
}

async function closeKernel(state: RunState): Promise<void> {
  const k = state.kernel
  delete state.kernel
  state.synced = {}
  await k?.close()
}

const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Exports into the shell what the run's variables hold and the shell does not yet. */
async function syncVars(kernel: Kernel, state: RunState, extra: Record<string, string | undefined>): Promise<void> {
  const want: Record<string, string> = {}
  // A placeholder's value (`--set pod-name=…`) is put in its line, not exported: only shell names go to the shell.
  for (const [k, v] of Object.entries({ ...state.vars, ...extra })) if (v !== undefined && state.synced[k] !== v && SHELL_NAME.test(k)) want[k] = v
  if (Object.keys(want).length === 0) return
  await kernel.setVars(want)
  Object.assign(state.synced, want)
}

/**
 * What the guard saw the lines create that is still there and that no cleanup covers yet (a typed step's own, or one
 * read from kubectl's `created` line): removed at cleanup only if its uid is still the one the run made. The ledger
 * is read once: a later call sees only what was created after.
 */
async function guardLeftovers(state: RunState): Promise<Cleanup[]> {
  if (state.guardDir === undefined) return []
  // What the lines' last calls created is still being read back after them.
  await state.guardServer?.settled()
  const ledger = await readLedger(state.guardDir).catch(() => undefined)
  if (ledger === undefined) return []
  await rm(join(state.guardDir, 'ledger.jsonl'), { force: true })
  // An object a line's output said it created is known better to the ledger: the namespace, kubeconfig and context the
  // call used (a page's `kubectl config set-context --namespace` included) and its uid. Deleted since, it needs nothing.
  const recorded = (c: Cleanup): boolean =>
    c.object !== undefined &&
    ledger.created.some((obj) => nameOf(obj) === c.object?.name && (c.object.namespace === undefined || c.object.namespace === obj.namespace))
  for (const c of [...state.cleanups]) if (recorded(c)) state.cleanups.delete(c)
  // What sits in a namespace the run created goes with that namespace.
  const own = new Set(state.o.guard?.namespaces ?? [])
  return [
    ...leftOver(ledger)
      .filter((obj) => obj.namespace === undefined || !own.has(obj.namespace))
      .filter((obj) => ![...state.cleanups].some((c) => deletesObject(c.command, obj)))
      .map((obj) => deletionCommand(obj, join(state.work, 'kubeconfig'))),
    // A declared change to an object the run did not make: put back as it was, after what the run made is gone.
    ...restoreCommands(ledger.changed),
  ]
}

async function runCleanups(pending: Cleanup[], o: Options, cwd: string | undefined): Promise<CleanupResult[]> {
  if (pending.length === 0) return []
  const timeoutMs = o.cleanupTimeoutMs ?? o.commandTimeoutMs
  o.onEvent?.({ type: 'cleanup-start', pending })
  const done: CleanupResult[] = []
  for (const pendingCleanup of pending) {
    // A Pod is watched going (past its grace period), bounded; the cleanup keeps its own describe and command.
    const c = watchedPodDeletion(pendingCleanup, o.podDeleteTimeoutMs)
    // Cleanup ignores the run's abort signal: an interrupted run still removes what it created.
    let result: CleanupResult
    const limit = c.timeoutMs ?? timeoutMs
    // A cleanup that takes long (finalizers) says it is still at work, every few seconds.
    const began = performance.now()
    const ticker = setInterval(
      () => o.onEvent?.({ type: 'cleanup-progress', cleanup: c, elapsedMs: Math.round(performance.now() - began) }),
      CLEANUP_PROGRESS_MS,
    )
    ticker.unref()
    try {
      // Never under the user's kuberc (--use-kuberc): a default namespace or flag of theirs must not move a cleanup's delete.
      const env = { ...o.env, KUBERC: 'off' }
      const r = await runScript(c.script ?? c.command, { env, ...(cwd !== undefined ? { cwd } : {}), timeoutMs: limit })
      result =
        r.exitCode === 0
          ? { describe: c.describe, command: c.command, status: 'done' }
          : r.exitCode === STILL_DELETING
            ? { describe: c.describe, command: c.command, status: 'deleting', error: firstLine(r.stderr) }
            : {
                describe: c.describe,
                command: c.command,
                status: 'failed',
                error: r.timedOut ? `no answer within ${limit / 1000} s` : firstLine(r.stderr) || `exit code ${r.exitCode}`,
              }
    } catch (e) {
      result = { describe: c.describe, command: c.command, status: 'failed', error: errorMessage(e) }
    } finally {
      clearInterval(ticker)
    }
    done.push(result)
    o.onEvent?.({ type: 'cleanup-end', result })
  }
  return done
}
