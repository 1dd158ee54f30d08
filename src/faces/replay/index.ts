// One replay: plan → target → namespace → runner → cleanup → report. Every face drives this module
// (run, drift and check on the command line; matrix through a child run; the browser notebook); a
// face parses its own input into a ReplayPlan and prints, it does not orchestrate.
import type { CommandContext } from '../context.js'
import { EXIT, type Io } from '../args.js'
import { driftOf, type StepDrift } from '../../core/drift.js'
import { walkthroughRef } from '../../sources/load/index.js'
import { quote } from '../../platform/shell.js'
import { keyPrompt } from '../interactive.js'
import { PROGRESS_NAME, progressNotRecorded, recordProgress } from '../../engine/progress.js'
import type { Secrets } from '../../engine/redact.js'
import { createConsoleReporter } from '../report/console.js'
import type { ClusterInfo } from '../report/json.js'
import { reporters } from '../report/index.js'
import { openSession, run, type CleanupResult, type RunEvent, type RunOptions, type RunResult, type RunSession } from '../../engine/runner.js'
import { commandOf, type Step, type Vars } from '../../core/step.js'
import type { ReplayPlan } from './plan.js'
import { driftExitCode, exitCodeOf, reportEnd, walkthroughInfo, writeFiles } from './report.js'
import { openTarget, type ReplayTarget } from './target.js'

export type { ReplayPlan, ReplayMode } from './plan.js'

/** Whether a line may reach the server: it runs kubectl beyond `kubectl config`, or a tool the walkthrough declares. */
function needsServer(command: string, tools: readonly string[]): boolean {
  if (/\bkubectl\b(?!\s+config\b)/.test(command)) return true
  return tools.some((t) => new RegExp(`(^|[\\s|;&(\`$])${t.replace(/[.+]/g, '\\$&')}(\\s|$)`).test(command))
}

/** What a replay produced, for a face that does more with it than report (record writes recordings from it). */
export interface ReplayOutcome {
  result: RunResult
  cluster: ClusterInfo
  drift: StepDrift[]
  secrets: Secrets
}

/** What the runner gets from the plan and the target, for these steps. */
function runOptionsOf(plan: ReplayPlan, on: ReplayTarget, steps: readonly Step<any>[]): RunOptions {
  return {
    steps,
    cluster: on.target.cluster,
    clusters: on.target.clusters,
    namespace: on.namespace,
    settings: plan.settings,
    env: { ...on.env },
    vars: on.vars,
    commandTimeoutMs: plan.commandTimeoutMs,
    ...(plan.waitTimeoutMs !== undefined ? { waitTimeoutMs: plan.waitTimeoutMs } : {}),
    // Pods deleted at cleanup are watched going within the bound a namespace's deletion has.
    podDeleteTimeoutMs: plan.namespaceTimeoutMs,
    ...(plan.workdir !== undefined ? { workdir: plan.workdir } : {}),
    ...(on.strictTlsCaFile !== undefined ? { strictTlsCaFile: on.strictTlsCaFile } : {}),
    secrets: on.secrets,
    guard: on.guard,
  }
}

/** Carries out the plan and reports it as the plan asks; resolves with the exit code. `observe` sees the outcome before the report. */
export async function replay(plan: ReplayPlan, cx: CommandContext, observe?: (outcome: ReplayOutcome) => void | Promise<void>): Promise<number> {
  const { io, signal, cleaning } = cx
  const on = await openTarget(plan, cx)
  try {
    const { target, cluster, secrets } = on
    const chunks: string[] = []
    const write = plan.out !== undefined ? (t: string) => void chunks.push(t) : io.stdout
    const info = walkthroughInfo(plan.walkthrough)
    const explain = plan.interactive ? new Map(plan.prose.map((w) => [w.id, w.explanation])) : undefined
    const r = reporters[plan.reporter]
    const human =
      r.kind === 'live' && plan.mode !== 'drift'
        ? createConsoleReporter({
            write,
            pretty: r.pretty,
            secrets,
            showSecrets: plan.showSecrets,
            walkthrough: info,
            ...(plan.participantCheck ? { check: true } : {}),
            ...(explain ? { explain, columns: () => io.columns?.() } : {}),
          })
        : undefined
    // A live report waits for the probe, so its header names the server's version; the run's shell starts meanwhile.
    const opening = human !== undefined && !on.readyAlready ? on.ready.then(() => human.header(cluster)) : undefined
    if (opening === undefined) human?.header(cluster)
    // Awaited by the runner; a run that fails to open before that leaves the rejection to the probe's own handler.
    opening?.catch(() => undefined)
    const waitForServer = on.readyAlready
      ? undefined
      : async (step: Step): Promise<'run'> => {
          if (needsServer(commandOf(step, { cluster: target.cluster, namespace: on.namespace }), plan.walkthrough.requires?.tools ?? []))
            await on.ready
          return 'run'
        }
    const result: RunResult = await run({
      ...runOptionsOf(plan, on, plan.steps),
      signal,
      teardown: on.takeTeardown(),
      ...(plan.interactive && io.stdin ? { beforeStep: keyPrompt(io.stdin, io.stdout, signal) } : {}),
      ...(waitForServer ? { beforeStep: waitForServer } : {}),
      ...(opening ? { opening } : {}),
      onEvent: (e) => {
        if (e.type === 'cleanup-start') cleaning(e.pending.map((p) => p.describe))
        human?.onEvent(e)
      },
    })
    cleaning(undefined)
    // An unreachable server is said as the probe says it, even when only opening lines ran; a run stopped meanwhile
    // (Ctrl-C) stopped the probe too, and is reported as interrupted.
    await on.ready.catch((e: unknown) => {
      if (!signal.aborted) throw e
    })
    // A participant's check is not the walkthrough's line, so it has nothing to compare with the recording.
    const drift = plan.participantCheck ? [] : driftOf(result, plan.walkthrough, { namespace: on.namespace })
    if (drift.some((d) => d.items.some((i) => i.kind !== 'expected'))) human?.drift(drift)
    human?.summary(result)
    const input = { result, cluster, drift, secrets }
    if (plan.reportProgress) await reportProgress(plan, on.env, on.namespace, result, io)
    await observe?.(input)
    reportEnd(plan, write, input)
    const unwritten = await writeFiles(plan, io, input, chunks.join(''))
    if (unwritten && result.ok) return EXIT.failed
    if (plan.mode === 'drift') return driftExitCode(result, drift)
    if (plan.participantCheck && !result.ok) hintFor(plan, cx, io)
    return exitCodeOf(result)
  } finally {
    await on.close()
  }
}

/** --report-progress after a run or a check: what passed goes to the namespace's record; a refused write is said, and changes no exit code. */
async function reportProgress(plan: ReplayPlan, env: Record<string, string>, namespace: string, result: RunResult, io: Io): Promise<void> {
  const verified = result.steps.filter((s) => s.status === 'passed').map((s) => s.id)
  if (verified.length === 0) return
  const w = plan.walkthrough
  const r = await recordProgress(
    { ...io.env, ...env },
    namespace,
    w.id,
    w.steps.map((s) => s.id),
    verified,
    plan.participantCheck ? 'check' : 'run',
  )
  io.stderr(
    r.ok
      ? `progress recorded for the instructor's board: ${verified.join(', ')} (configmap/${PROGRESS_NAME}, namespace ${namespace})\n`
      : `${progressNotRecorded(namespace, r.why)}\n`,
  )
}

/** After a failed check: the step's hint, and how to see the walkthrough's own line. */
function hintFor(plan: ReplayPlan, cx: CommandContext, io: Io): void {
  const id = plan.participantCheck?.id
  const hint = plan.walkthrough.steps.find((s) => s.id === id)?.hint
  const ref = walkthroughRef(plan.walkthrough)
  const which = ref === cx.walkthroughs[0]?.id ? '' : ` --walkthrough ${quote(ref)}`
  io.stderr(`${hint ? `hint: ${hint}\n` : ''}the walkthrough's line: kubewalk check${which} ${id} --solution\n`)
}

/** A replay kept open between calls: the browser notebook runs its steps one request at a time. */
export interface ReplaySession {
  plan: ReplayPlan
  cluster: ClusterInfo
  namespace: string
  secrets: Secrets
  /** The environment of the session's lines (KUBECONFIG, PATH, KUBERC), for a face's own kubectl calls. */
  env: Record<string, string>
  runner: RunSession
  /** Runs steps once on the session's target with these variables, apart from the session (a participant's check); nothing of it is kept. */
  runApart(steps: readonly Step<any>[], call: { vars: Vars; signal?: AbortSignal; onEvent?: (event: RunEvent) => void }): Promise<RunResult>
  /** Removes what the session created, the --isolate namespace last, then what opening made (a lab). */
  close(onEvent?: (event: RunEvent) => void): Promise<CleanupResult[]>
}

/** Opens the target as a replay does (requirements, namespace, lab) and keeps a runner session on it. */
export async function openReplaySession(plan: ReplayPlan, cx: CommandContext): Promise<ReplaySession> {
  const on = await openTarget(plan, cx)
  try {
    await on.ready
    const options = runOptionsOf(plan, on, plan.walkthrough.steps)
    const runner = await openSession({ ...options, teardown: on.takeTeardown() })
    return {
      plan,
      cluster: on.cluster,
      namespace: on.namespace,
      secrets: on.secrets,
      env: { ...on.env },
      runner,
      runApart: (steps, call) =>
        run({
          ...options,
          steps,
          vars: call.vars,
          ...(call.signal ? { signal: call.signal } : {}),
          ...(call.onEvent ? { onEvent: call.onEvent } : {}),
        }),
      close: async (onEvent) => {
        try {
          return await runner.close(onEvent ? { onEvent } : {})
        } finally {
          await on.close()
        }
      },
    }
  } catch (e) {
    await on.close()
    throw e
  }
}
