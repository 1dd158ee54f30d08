// Runs steps in order against one cluster. It records, it never throws on a step's failure: the
// first failure skips the rest, and cleanup of what the run created always runs.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { CommandError, KubewalkError, ParseError, PreconditionError, errorMessage } from './errors.js'
import { withoutProgressMeter } from './parse/curl.js'
import { firstLine, show } from './text.js'
import type { Secrets } from './redact.js'
import { runScript, type ShellResult } from './shell.js'
import { commandOf, type Assertion, type CleanupSpec, type KubeconfigCluster, type Step, type StepContext, type StepOutput, type VarName, type Vars } from './step.js'

export type StepStatus = 'passed' | 'failed' | 'skipped'
export type RunStatus = 'passed' | 'failed' | 'interrupted'

/** What went wrong in a step, as plain data. */
export interface StepError {
  name: string
  code: string
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
  /** Set when the line ran is a variant of the article's (--strict-tls). */
  variant?: 'strict-tls'
  status: StepStatus
  durationMs: number
  /** How many times the line ran (more than one for steps that wait). */
  attempts: number
  assertions: Assertion[]
  output: { stdout: string; stderr: string; exitCode: number | null }
  /** The variable the line assigned, if any. */
  captured?: { name: VarName; value: string }
  /** The parsed value the checks looked at. */
  value?: unknown
  error?: StepError
}

/** One cleanup action at the end of a run. */
export interface CleanupResult {
  describe: string
  command: string
  status: 'done' | 'failed'
  error?: string
}

/** A whole run. */
export interface RunResult {
  ok: boolean
  status: RunStatus
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
  | { type: 'attempt'; step: Step; attempt: number; elapsedMs: number; waitingFor: string }
  | { type: 'step-end'; result: StepResult; index: number; total: number }
  | { type: 'cleanup-start'; pending: CleanupSpec[] }
  | { type: 'cleanup-end'; result: CleanupResult }

/** Everything a run needs; see runnerDefaults for the optional ones. */
export interface RunOptions {
  steps: readonly Step<any>[]
  cluster: KubeconfigCluster
  clusters: readonly KubeconfigCluster[]
  /** Environment for every command (KUBECONFIG, PATH, …), added to the inherited one. */
  env?: Record<string, string | undefined>
  /** Article variables known before the first step (e.g. exported by a workshop participant). */
  vars?: Vars
  expectedTokenLifetimeSeconds?: number
  /** Limit for one command. */
  commandTimeoutMs?: number
  /** Run the curl steps against the cluster's CA (this PEM file) instead of --insecure. */
  strictTlsCaFile?: string
  /** Limit for a step's bounded wait (overrides each step's own). */
  waitTimeoutMs?: number
  /** Limit for one cleanup command (default: commandTimeoutMs). */
  cleanupTimeoutMs?: number
  signal?: AbortSignal
  onEvent?: (event: RunEvent) => void
  /** Asked before each step runs (interactive mode): run it, skip it, or quit the run (cleanup still runs). */
  beforeStep?: (step: Step, index: number) => Promise<'run' | 'skip' | 'quit'>
  /** Collects secret values as they appear (captured tokens, Secret data) so reporters can mask them. */
  secrets?: Secrets
}

export const runnerDefaults = {
  expectedTokenLifetimeSeconds: 3600,
  commandTimeoutMs: 30_000,
}

const toError = (e: unknown): StepError =>
  e instanceof KubewalkError ? { name: e.name, code: e.code, message: e.message } : { name: 'Error', code: 'E_INTERNAL', message: errorMessage(e) }


function commandFailure(step: Step, r: ShellResult, timeoutMs: number): CommandError {
  const evidence = { command: r.command, exitCode: r.exitCode, signal: r.signal, stdout: r.stdout, stderr: r.stderr, durationMs: r.durationMs }
  if (r.timedOut) return new CommandError(`${step.id}: the command did not finish within ${timeoutMs / 1000} s (is the API server answering?); raise --timeout if it is just slow.`, evidence, { timedOut: true })
  if (r.aborted) return new CommandError(`${step.id}: interrupted.`, evidence)
  const why = firstLine(withoutProgressMeter(r.stderr)) || firstLine(r.stdout) || 'no output'
  if (/\bis forbidden\b/.test(r.stderr)) {
    return new CommandError(`${step.id}: the kubeconfig's user is not allowed to do this (RBAC): ${why}`, evidence, { code: 'E_FORBIDDEN' })
  }
  return new CommandError(`${step.id}: the command exited with code ${r.exitCode ?? r.signal}: ${why}`, evidence)
}

function describeFailures(assertions: Assertion[]): string {
  const bad = assertions.filter((a) => !a.ok)
  const first = bad[0]
  if (!first) return ''
  const detail = 'expected' in first || 'actual' in first ? ` (${'expected' in first ? `expected ${show(first.expected)}, ` : ''}got ${show(first.actual)})` : ''
  return `${first.name}${detail}${bad.length > 1 ? ` and ${bad.length - 1} more check(s) failed` : ''}`
}

/** Runs the steps; resolves with the results whatever happens. */
export async function run(options: RunOptions): Promise<RunResult> {
  const o = { ...runnerDefaults, ...options }
  const started = performance.now()
  const startedAt = new Date().toISOString()
  const results: StepResult[] = []
  const cleanups = new Map<string, CleanupSpec>()
  const vars: Vars = { ...o.vars }
  const values = new Map<string, unknown>()
  const work = await mkdtemp(join(tmpdir(), 'kubewalk-'))
  const captureFile = join(work, 'captured')
  let failed = false
  let interrupted = false
  const total = o.steps.length
  let cleanup: CleanupResult[] = []

  try {
    for (const [index, step] of o.steps.entries()) {
      const strictTls = o.strictTlsCaFile !== undefined && step.strictTlsCommand !== undefined
      const command = commandOf(step, { cluster: o.cluster }, { strictTls })
      const result: StepResult = { id: step.id, number: step.number, title: step.title, command, status: 'skipped', durationMs: 0, attempts: 0, assertions: [], output: { stdout: '', stderr: '', exitCode: null } }
      if (strictTls) result.variant = 'strict-tls'
      results.push(result)
      if (failed || interrupted || o.signal?.aborted) {
        interrupted ||= o.signal?.aborted ?? false
        o.onEvent?.({ type: 'step-end', result, index, total })
        continue
      }
      o.onEvent?.({ type: 'step-start', step, command, ...(result.variant ? { variant: result.variant } : {}), index, total })
      const choice = o.beforeStep ? await o.beforeStep(step, index) : 'run'
      if (choice !== 'run') {
        if (choice === 'quit') interrupted = true
        else result.skippedBy = 'user'
        o.onEvent?.({ type: 'step-end', result, index, total })
        continue
      }
      o.onEvent?.({ type: 'step-run', step, index })
      const begin = performance.now()
      try {
        const missing = step.reads.filter((v) => vars[v] === undefined)
        if (missing.length > 0) {
          throw new KubewalkError('E_MISSING_VAR', `${step.id}: needs ${missing.map((v) => `$${v}`).join(' and ')}, which no earlier step set; run from an earlier step or export it first.`)
        }
        const ctx = (): StepContext => ({ vars: { ...vars }, cluster: o.cluster, clusters: o.clusters, expectedTokenLifetimeSeconds: o.expectedTokenLifetimeSeconds, values, now: new Date() })
        const script = step.writes === undefined ? command : `${command}\n__kubewalk_rc=$?\nprintf '%s' "\${${step.writes}-}" > "$KUBEWALK_CAPTURE"\nexit $__kubewalk_rc`
        const env = { ...o.env, ...vars, KUBEWALK_CAPTURE: captureFile, ...(o.strictTlsCaFile !== undefined ? { KUBEWALK_CACERT: o.strictTlsCaFile } : {}) }
        const signal = o.signal ? { signal: o.signal } : {}
        if (step.guard) {
          const g = await runScript(step.guard.command, { env, timeoutMs: o.commandTimeoutMs, ...signal })
          if (g.exitCode !== 0) throw commandFailure(step, g, o.commandTimeoutMs)
          const refusal = step.guard.refuse({ stdout: g.stdout, stderr: g.stderr, exitCode: g.exitCode })
          if (refusal !== undefined) throw new PreconditionError(`${step.id}: ${refusal}.`)
        }
        const waitMs = step.wait ? o.waitTimeoutMs ?? step.wait.timeoutMs : 0
        const deadline = begin + waitMs
        for (;;) {
          result.attempts++
          const r = await runScript(script, { env, timeoutMs: o.commandTimeoutMs, ...signal })
          result.output = { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode }
          const output: StepOutput = { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode }
          if (step.writes !== undefined && r.exitCode !== null) {
            output.captured = await readFile(captureFile, 'utf8').catch(() => '')
            result.captured = { name: step.writes, value: output.captured }
            if (step.writes === 'TOKEN') o.secrets?.add(output.captured)
          }
          // Cut short, the line may have created its object without saying so; its guard has shown
          // nothing of that name existed before, so whatever is there now is this run's.
          const mayHaveCreated = step.cleanup !== undefined && (step.cleanup.when(output) || r.aborted || r.timedOut)
          if (step.cleanup && mayHaveCreated && !cleanups.has(step.cleanup.key)) cleanups.set(step.cleanup.key, step.cleanup)
          // Before the exit code is judged: a line that errs or is cut short still printed what it printed.
          for (const v of step.secrets?.(output) ?? []) o.secrets?.add(v)
          if (r.aborted) interrupted = true
          if (r.exitCode !== 0) throw commandFailure(step, r, o.commandTimeoutMs)

          let parseError: ParseError | undefined
          try {
            const value = step.parse(output, ctx())
            result.value = value
            result.assertions = step.check(value, ctx())
          } catch (e) {
            if (!(e instanceof ParseError)) throw e
            parseError = e
            result.assertions = []
          }
          const passed = parseError === undefined && result.assertions.every((a) => a.ok)
          if (passed) break
          const refused = result.assertions.find((a) => !a.ok && a.precondition !== undefined)
          if (refused) throw new PreconditionError(`${step.id}: ${refused.precondition}.`)
          if (!step.wait || performance.now() + step.wait.intervalMs > deadline) {
            const waited = step.wait ? ` after waiting ${Math.round((performance.now() - begin) / 1000)} s for ${step.wait.for}` : ''
            if (parseError) throw new ParseError(step.id, `${parseError.message.slice(step.id.length + 2)}${waited}`, parseError.input, { cause: parseError })
            throw new KubewalkError('E_ASSERTION', `${step.id}: ${describeFailures(result.assertions)}${waited}.`)
          }
          o.onEvent?.({ type: 'attempt', step, attempt: result.attempts, elapsedMs: Math.round(performance.now() - begin), waitingFor: step.wait.for })
          await sleep(step.wait.intervalMs, undefined, signal)
        }
        if (step.writes !== undefined && result.captured) vars[step.writes] = result.captured.value
        values.set(step.id, result.value)
        if (step.settles !== undefined) cleanups.delete(step.settles)
        result.status = 'passed'
      } catch (e) {
        if (o.signal?.aborted) interrupted = true
        result.status = 'failed'
        result.error = interrupted ? { name: 'Interrupted', code: 'E_INTERRUPTED', message: `${step.id}: interrupted.` } : toError(e)
        failed = true
      } finally {
        result.durationMs = Math.round(performance.now() - begin)
        o.onEvent?.({ type: 'step-end', result, index, total })
      }
    }
  } finally {
    cleanup = await runCleanups([...cleanups.values()].reverse(), o)
    await rm(work, { recursive: true, force: true })
  }
  const status: RunStatus = interrupted ? 'interrupted' : failed ? 'failed' : 'passed'
  return { ok: status === 'passed', status, steps: results, cleanup, startedAt, durationMs: Math.round(performance.now() - started) }
}

async function runCleanups(pending: CleanupSpec[], o: RunOptions & typeof runnerDefaults): Promise<CleanupResult[]> {
  if (pending.length === 0) return []
  const timeoutMs = o.cleanupTimeoutMs ?? o.commandTimeoutMs
  o.onEvent?.({ type: 'cleanup-start', pending })
  const done: CleanupResult[] = []
  for (const c of pending) {
    // Cleanup ignores the run's abort signal: an interrupted run still removes what it created.
    let result: CleanupResult
    try {
      const r = await runScript(c.command, { env: { ...o.env }, timeoutMs })
      result = r.exitCode === 0
        ? { describe: c.describe, command: c.command, status: 'done' }
        : { describe: c.describe, command: c.command, status: 'failed', error: r.timedOut ? `no answer within ${timeoutMs / 1000} s` : firstLine(r.stderr) || `exit code ${r.exitCode}` }
    } catch (e) {
      result = { describe: c.describe, command: c.command, status: 'failed', error: errorMessage(e) }
    }
    done.push(result)
    o.onEvent?.({ type: 'cleanup-end', result })
  }
  return done
}
