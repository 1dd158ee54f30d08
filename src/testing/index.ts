// kubewalk/testing: the checks `kubewalk test` makes, for an author's own tests. All offline: no
// cluster, no kubectl. A walkthrough keeps the contract (validation), its prose shows each line, each
// recording passes its step's checks, and every check fails on some output: a mutation of the
// recording (mutations.ts) that makes that assertion fail, which is the rule kubewalk's own
// walkthroughs are held to with hand-made failing outputs.
import { errorMessage } from '../core/errors.js'
import { show } from '../core/text.js'
import { commandOf, type Assertion, type KubeconfigCluster, type Step, type StepContext, type StepOutput } from '../core/step.js'
import { settingsOf, walkthroughProblems, type Walkthrough } from '../core/walkthrough.js'
import { mutationsOf } from './mutations.js'

export { mutationsOf, changedWord, type OutputMutation } from './mutations.js'

/** What a shortfall is about. */
export type ShortfallKind = 'contract' | 'prose' | 'recording' | 'rejected' | 'cannot-fail'

/** One thing a walkthrough falls short in, naming its step and check where there is one. */
export interface Shortfall {
  kind: ShortfallKind
  step?: string
  check?: string
  message: string
}

/** How one assertion of a step was shown to fail: the mutation of the recording that fails it, and what else failed with it. */
export interface CheckCoverage {
  step: string
  check: string
  /** The mutation that fails it (undefined: none does). */
  failedBy?: string
  alsoFails?: string[]
}

/** The outcome of `testWalkthrough`. */
export interface WalkthroughTest {
  ok: boolean
  shortfalls: Shortfall[]
  checks: CheckCoverage[]
  /** Steps whose recording was judged. */
  recorded: number
  /** Steps whose recording meets no check of theirs: they check only their exit code (said, not a shortfall). */
  exitCodeOnly: string[]
  /** Steps with a read-only participant check, which reads the cluster and is not tested here. */
  participantChecks: number
}

/** Options for testWalkthrough. */
export interface TestOptions {
  /** How many words of each output field are changed one at a time (default 2000). */
  wordLimit?: number
}

/** The placeholder cluster a line that leaves a value to the reader is shown with (as `kubewalk list` shows it). */
const PLACEHOLDER = { cluster: { name: 'some_server_name', server: '' }, namespace: 'default' }

const label = (s: Pick<Step, 'number' | 'id'>): string => `step ${s.number} ${s.id}`

/** Contract problems (walkthroughProblems), as shortfalls. */
export function contractShortfalls(w: Walkthrough): Shortfall[] {
  return walkthroughProblems(w).map((p) => ({ kind: 'contract', message: `${p}.` }))
}

const squash = (s: string): string => s.replace(/\s+/g, ' ').trim()

/** Steps whose line the prose does not show (one section per step, by id, whose block is the line). */
export function proseShortfalls(w: Walkthrough): Shortfall[] {
  if (w.prose === undefined) return [{ kind: 'prose', message: 'the walkthrough has no prose: a reader cannot see its lines.' }]
  let sections
  try {
    sections = w.prose()
  } catch (e) {
    return [{ kind: 'prose', message: `its prose does not parse: ${errorMessage(e)}` }]
  }
  const out: Shortfall[] = []
  for (const step of w.steps) {
    const section = sections.find((s) => s.id === step.id)
    const line = commandOf(step, PLACEHOLDER)
    if (section === undefined) out.push({ kind: 'prose', step: step.id, message: `${label(step)}: the prose has no section for it.` })
    else if (squash(section.command) !== squash(line))
      out.push({
        kind: 'prose',
        step: step.id,
        message: `${label(step)}: the prose shows ${JSON.stringify(section.command)}, the step runs ${JSON.stringify(line)}.`,
      })
  }
  return out
}

/** A step's recording and the context it had in the recorded run. */
export interface RecordedStep {
  step: Step<any>
  output?: StepOutput
  ctx: StepContext
}

/** Walks the recordings in order as a run would: each step sees the values and variables earlier recordings gave. */
export function recordedRun(w: Walkthrough): RecordedStep[] {
  const recorded = w.recorded?.() ?? {}
  const cluster: KubeconfigCluster = w.source?.cluster ?? { name: 'recorded', server: 'https://127.0.0.1:6443' }
  const values = new Map<string, unknown>()
  const vars: Record<string, string> = {}
  const now = w.source?.recordedAt ?? new Date()
  const settings = settingsOf(w)
  return w.steps.map((step) => {
    const ctx: StepContext = { vars: { ...vars }, cluster, clusters: [cluster], namespace: 'default', settings, values: new Map(values), now }
    const output = recorded[step.id]
    if (output !== undefined) {
      try {
        values.set(step.id, step.parse(output, ctx))
      } catch {
        // judged (and reported) by recordingShortfalls
      }
      if (step.writes && output.captured !== undefined) vars[step.writes.name] = output.captured
    }
    return { step, ...(output !== undefined ? { output } : {}), ctx }
  })
}

/** The step's assertions on an output, or the parser's error. */
export function judge(step: Step<any>, output: StepOutput, ctx: StepContext): Assertion[] | Error {
  try {
    return step.check(step.parse(output, ctx), ctx)
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e))
  }
}

/** Steps with no recording, recordings their own parser or checks reject. */
export function recordingShortfalls(run: readonly RecordedStep[]): Shortfall[] {
  const out: Shortfall[] = []
  for (const { step, output, ctx } of run) {
    if (output === undefined) {
      out.push({
        kind: 'recording',
        step: step.id,
        message: `${label(step)}: no recording, so its checks are never tried (kubewalk record writes one).`,
      })
      continue
    }
    const exitCodes = step.exitCodes ?? [0]
    if (output.exitCode !== null && !exitCodes.includes(output.exitCode))
      out.push({
        kind: 'rejected',
        step: step.id,
        message: `${label(step)}: its recording exited ${output.exitCode}, which the step does not accept (${exitCodes.join(', ')}).`,
      })
    const result = judge(step, output, ctx)
    if (result instanceof Error) {
      out.push({ kind: 'rejected', step: step.id, message: `${label(step)}: its parser rejects its recording: ${errorMessage(result)}` })
      continue
    }
    for (const a of result.filter((x) => !x.ok)) {
      const detail = 'expected' in a || 'actual' in a ? ` (expected ${show(a.expected)}, got ${show(a.actual)})` : ''
      out.push({ kind: 'rejected', step: step.id, check: a.name, message: `${label(step)}: its recording fails its check "${a.name}"${detail}.` })
    }
  }
  return out
}

/**
 * For each assertion a step makes on its (good) recording, a mutation of the recording that fails it,
 * preferring one that fails it alone. An assertion none fails is reported as a shortfall.
 */
export function checkCoverage(run: readonly RecordedStep[], opts: TestOptions = {}): CheckCoverage[] {
  const coverage: CheckCoverage[] = []
  for (const { step, output, ctx } of run) {
    if (output === undefined) continue
    const good = judge(step, output, ctx)
    if (good instanceof Error || good.some((a) => !a.ok)) continue
    const names = [...new Set(good.map((a) => a.name))]
    const best = new Map<string, { how: string; failed: string[] }>()
    const others = run
      .filter((r) => r.output !== undefined && r.step !== step)
      .map((r) => ({ how: `the recording of ${label(r.step)}`, output: r.output! }))
    for (const m of mutationsOf(output, { ...opts, others })) {
      const result = judge(step, m.output, ctx)
      // A parser that throws fails the step, but not by any one check.
      if (result instanceof Error) continue
      // A check fails when it says so, or when it is gone from a result that fails (a check may
      // name what went wrong instead: "the output matches its recording" becomes one per difference).
      const bad = result.filter((a) => !a.ok).map((a) => a.name)
      const gone = bad.length > 0 ? names.filter((n) => !result.some((a) => a.name === n)) : []
      const failed = [...new Set([...bad, ...gone])]
      for (const name of failed) {
        if (!names.includes(name)) continue
        const had = best.get(name)
        if (had === undefined || failed.length < had.failed.length) best.set(name, { how: m.how, failed })
      }
      if (names.every((n) => best.get(n)?.failed.length === 1)) break
    }
    for (const name of names) {
      const b = best.get(name)
      const also = b?.failed.filter((n) => n !== name) ?? []
      coverage.push({ step: step.id, check: name, ...(b ? { failedBy: b.how } : {}), ...(also.length > 0 ? { alsoFails: also } : {}) })
    }
  }
  return coverage
}

/** Every offline check of a walkthrough: contract, prose, recordings, and that each check can fail. */
export function testWalkthrough(w: Walkthrough, opts: TestOptions = {}): WalkthroughTest {
  const shortfalls = [...contractShortfalls(w), ...proseShortfalls(w)]
  const run = recordedRun(w)
  shortfalls.push(...recordingShortfalls(run))
  const checks = checkCoverage(run, opts)
  const byId = new Map(w.steps.map((s) => [s.id, s]))
  for (const c of checks) {
    if (c.failedBy !== undefined) continue
    const step = byId.get(c.step)!
    shortfalls.push({
      kind: 'cannot-fail',
      step: c.step,
      check: c.check,
      message: `${label(step)}: no change to its recording fails its check "${c.check}" (a check that cannot fail proves nothing).`,
    })
  }
  return {
    ok: shortfalls.length === 0,
    shortfalls,
    checks,
    recorded: run.filter((r) => r.output !== undefined).length,
    exitCodeOnly: run.filter((r) => r.output !== undefined && (judge(r.step, r.output, r.ctx) as Assertion[]).length === 0).map((r) => r.step.id),
    participantChecks: w.steps.filter((s) => typeof s.participantCheck === 'object').length,
  }
}
