// kubewalk run | drift | check: the command-line face of the replay. It parses and checks every
// option before anything touches a cluster, into a ReplayPlan that src/faces/replay carries out.
import { stat } from 'node:fs/promises'
import { resolve as resolvePath } from 'node:path'
import type { CommandContext } from '../context.js'
import { EXIT, parse, type Flags } from '../args.js'
import { KubewalkError, UsageError, WalkthroughError, errorMessage } from '../../core/errors.js'
import type { WalkthroughSection } from '../../sources/prose.js'
import { exerciseStep } from '../../core/exercise.js'
import { checkKubectlCommand } from '../../platform/kubectl.js'
import { resolveTarget } from '../../platform/kubeconfig.js'
import { PROGRESS_NAME, forgetProgress } from '../../engine/progress.js'
import { NAMESPACE_DELETE_TIMEOUT_MS, checkNamespaceName } from '../../engine/namespaces.js'
import { checkOutputFile, sameFile } from '../outfile.js'
import { reporterNamed, reporters } from '../report/index.js'
import { runnerDefaults } from '../../engine/defaults.js'
import type { ReplayMode, ReplayPlan } from '../replay/index.js'
import { commandOf, fileContent, type Step } from '../../core/step.js'
import { settingsOf, type Walkthrough } from '../../core/walkthrough.js'
import { RUN_FLAGS } from './flags.js'
import { EXAMPLES_NOTE } from '../../sources/load/examples.js'
import { CHANGE } from '../../core/walkthrough.js'
import { limitSeconds, loadWalkthrough, positiveNumber, selectSteps, sourceArgs, stepNamed, walkthroughArg } from './common.js'

export type RunMode = ReplayMode
/** What run, drift and check were asked to do (the replay's plan). */
export type RunPlan = ReplayPlan

// A participant's check looks at work already done: a short wait covers a controller still catching up,
// and a check that cannot pass says so in seconds, not after the replay's full wait.
const CHECK_WAIT_MS = 10_000

/** The flags of run, drift and check: the shared ones, and one per setting of the walkthrough. */
function flagsFor(w: Walkthrough): Flags {
  const flags: Flags = { ...RUN_FLAGS }
  for (const s of w.settings ?? []) flags[s.name] = { type: 'string' }
  return flags
}

/** `--set NAME=VALUE`s: each names a variable the walkthrough declares; a UsageError (exit 2) otherwise. */
function parseSets(given: readonly string[], w: Walkthrough): Record<string, string> {
  const sets: Record<string, string> = {}
  for (const item of given) {
    const eq = item.indexOf('=')
    const name = eq < 0 ? item : item.slice(0, eq)
    if (eq < 0 || name === '') throw new UsageError(`--set takes NAME=VALUE, got ${JSON.stringify(item)}.`)
    const known = [...w.vars.map((v) => v.name), ...(w.placeholders ?? []).map((p) => p.name)]
    if (!known.includes(name))
      throw new UsageError(
        `--set ${name}: walkthrough ${w.id} has no variable ${w.placeholders?.length ? 'or placeholder ' : ''}${name} (it has ${known.join(', ') || 'none'}).`,
      )
    sets[name] = item.slice(eq + 1)
  }
  return sets
}

/** What `run --dry-run` prints: every line that would run, and what would be cleaned up; nothing runs. */
export function dryRunText(plan: Pick<RunPlan, 'walkthrough' | 'steps' | 'cluster' | 'sets' | 'isolate' | 'namespace' | 'allowChanges'>): string {
  const ctx = {
    cluster: { name: plan.cluster ?? "(the context's cluster)", server: '' },
    namespace: plan.namespace ?? "(the context's namespace)",
    vars: plan.sets,
  }
  const lines = [
    `${plan.walkthrough.id}: ${plan.steps.length} step(s) would run${plan.isolate ? ' in a fresh namespace (deleted at the end)' : ''}; nothing has run.`,
    '',
  ]
  const cleanups: string[] = []
  for (const s of plan.steps) {
    lines.push(`${s.number} ${s.id}${s.background ? ' (in the background, stopped at the end)' : ''}`)
    for (const f of s.files ?? []) lines.push(`   writes ${f.name} (${fileContent(f, ctx).split('\n').length} lines) into the run's scratch folder`)
    commandOf(s, ctx)
      .split('\n')
      .forEach((l, i) => lines.push(`   ${i === 0 ? '$' : ' '} ${l}`))
    for (const n of s.notes ?? []) if (n.startsWith(EXAMPLES_NOTE)) lines.push(`   ${n}`)
    if (s.creates) cleanups.push(`${s.creates.cleanup.describe}  (${s.creates.cleanup.command})`)
    if (s.tracks && s.tracksCreated !== undefined) cleanups.push(`what step ${s.number} creates (${s.tracksCreated}), unless a later step deletes it`)
  }
  lines.push(
    '',
    cleanups.length === 0 && !plan.isolate ? 'Cleanup: nothing this walkthrough declares.' : 'Cleanup, newest first, of what the run created:',
  )
  for (const c of cleanups.reverse()) lines.push(`   ${c}`)
  if (plan.isolate) lines.push('   delete the fresh namespace')
  const changes = [...(plan.walkthrough.changes ?? []), ...plan.allowChanges]
  if (changes.length > 0) {
    lines.push('', 'Changes allowed to objects the run did not create (each saved first, restored at cleanup):')
    for (const c of changes) lines.push(`   ${c}`)
  }
  return `${lines.join('\n')}\n`
}

/** --allow-changes PATTERN[,PATTERN]: each a declared change (kind/name or namespace/kind/name, `*` for any part). */
function allowChangesOf(given: string | undefined, mode: RunMode): string[] {
  if (given === undefined) return []
  if (mode === 'check') throw new UsageError("--allow-changes goes with run, drift, record and serve: a participant's check changes nothing.")
  const patterns = given.split(',').map((p) => p.trim())
  const bad = patterns.find((p) => !CHANGE.test(p))
  if (bad !== undefined)
    throw new UsageError(
      `--allow-changes takes kind/name or namespace/kind/name patterns, * for any part (e.g. node/*,serviceaccount/default); got ${JSON.stringify(bad)}.`,
    )
  return patterns
}

/** Parses and checks the options; `check ID --solution` needs no cluster and is answered here. */
export async function planRun(args: string[], cx: CommandContext, mode: RunMode): Promise<RunPlan | { solution: string } | { forget: TargetFlags }> {
  const { io } = cx
  const walkthrough = await loadWalkthrough(cx.walkthroughs, walkthroughArg(args), cx.io.env, sourceArgs(args))
  const { values: v, positionals } = parse(args, flagsFor(walkthrough))
  const values = v as Record<string, string | boolean | string[] | undefined>
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined)
  const on = (k: string): boolean => values[k] === true
  let participantCheck: Step | undefined
  if (on('forget')) {
    if (mode !== 'check' || positionals.length > 0)
      throw new UsageError('--forget goes with kubewalk check alone (no step id): it removes your kubewalk-progress ConfigMap.')
    if (on('report-progress')) throw new UsageError('--forget removes the progress --report-progress records; give one.')
    return {
      forget: {
        ...optionalFlag('kubeconfig', str('kubeconfig')),
        ...optionalFlag('context', str('context')),
        ...optionalFlag('namespace', str('namespace')),
      },
    }
  }
  if (on('report-progress') && mode === 'drift') throw new UsageError('--report-progress goes with run, check and serve, not drift.')
  // The run's namespace is deleted at its end, and the record with it: the board would never see it.
  if (on('report-progress') && mode === 'run' && on('isolate'))
    throw new UsageError(
      '--report-progress records in your namespace, and --isolate deletes that namespace at the end of the run; drop one (kubewalk serve --isolate keeps it while it serves).',
    )
  if (mode === 'serve') {
    // The page shows every step, downloads its own transcript and is its own interactive mode.
    const not = ['from', 'to', 'only', 'reporter', 'out', 'transcript', 'interactive', 'solution'].find((f) => values[f] !== undefined)
    if (not !== undefined)
      throw new UsageError(`serve shows every step as a cell and writes no report (the page downloads the transcript); drop --${not}.`)
  }
  if (mode === 'check') {
    const [id, extra] = positionals
    if (id === undefined) throw new UsageError(`check needs a step id (${walkthrough.steps.map((s) => s.id).join(', ')}).`)
    if (extra !== undefined) throw new UsageError(`check takes one step id, got also ${extra}.`)
    const step = stepNamed(walkthrough.steps, 'check', id)
    // A line that leaves a value to the reader shows the participant's own, when exported, else a placeholder.
    if (on('solution'))
      return {
        solution: commandOf(step, {
          cluster: { name: (step.writes && io.env[step.writes.name]) || 'some_server_name', server: '' },
          namespace: 'default',
        }),
      }
    participantCheck = exerciseStep(step, { maxWaitMs: CHECK_WAIT_MS })
    const selection = (['from', 'to', 'only'] as const).find((f) => values[f] !== undefined)
    if (selection) throw new UsageError(`check runs the one step it is given; drop --${selection}.`)
  } else if (positionals.length > 0) throw new UsageError(`${mode} takes no arguments, got ${positionals[0]}.`)
  else if (on('solution')) throw new UsageError('--solution goes with kubewalk check <id>.')
  const out = str('out')
  const transcript = str('transcript')
  for (const [flag, file] of [
    ['--out', out],
    ['--transcript', transcript],
  ] as const)
    if (file !== undefined) checkOutputFile(flag, file)
  if (out !== undefined && transcript !== undefined && sameFile(out, transcript)) throw new UsageError('--out and --transcript name the same file.')
  // A file is not a terminal: it gets no colours or progress frames unless asked for.
  const plainDefault = !io.isTTY || (io.env.NO_COLOR ?? '') !== '' || out !== undefined
  // drift prints its findings, not a run's report: the test-report formats have nothing to carry them.
  const reporter = reporterNamed(
    str('reporter') ?? (plainDefault ? 'plain' : 'pretty'),
    mode === 'drift' ? ['pretty', 'plain', 'json'] : undefined,
    mode === 'drift' ? 'drift --reporter' : '--reporter',
  )
  const steps = participantCheck ? [participantCheck] : selectSteps(walkthrough.steps, { from: str('from'), to: str('to'), only: str('only') })
  const interactive = on('interactive')
  if (interactive && (mode !== 'run' || reporters[reporter].kind !== 'live' || out !== undefined)) {
    throw new UsageError('--interactive goes with kubewalk run and a terminal reporter (pretty or plain), without --out.')
  }
  if (interactive && io.stdin?.isTTY !== true) throw new UsageError('--interactive needs a terminal on standard input.')
  const commandTimeoutMs = limitSeconds('--timeout', str('timeout'), runnerDefaults.commandTimeoutMs / 1000) * 1000
  const waitTimeoutMs = str('wait') === undefined ? undefined : limitSeconds('--wait', str('wait'), 30) * 1000
  const given: Record<string, number> = {}
  for (const s of walkthrough.settings ?? []) if (str(s.name) !== undefined) given[s.name] = positiveNumber(`--${s.name}`, str(s.name), s.default)
  if (on('lab') && (str('kubeconfig') !== undefined || str('context') !== undefined))
    throw new UsageError('--lab brings its own kubeconfig; drop --kubeconfig and --context.')
  const namespaceTimeoutMs = limitSeconds('--namespace-timeout', str('namespace-timeout'), NAMESPACE_DELETE_TIMEOUT_MS / 1000) * 1000
  if (on('strict-tls') && !steps.some((s) => s.strictTlsCommand !== undefined))
    throw new UsageError(
      `--strict-tls: no step of walkthrough ${walkthrough.id} that this run selects has a line that verifies the server's certificate.`,
    )
  const ns = str('namespace')
  if (ns !== undefined) checkNamespaceName('--namespace', ns)
  const kubectl = str('kubectl')
  if (kubectl !== undefined) await checkKubectlCommand(kubectl, io.env)
  const workdir = str('workdir')
  if (
    workdir !== undefined &&
    !(await stat(workdir).then(
      (st) => st.isDirectory(),
      () => false,
    ))
  )
    throw new UsageError(`--workdir ${workdir}: no such folder.`)
  const sets = parseSets((values.set as string[] | undefined) ?? [], walkthrough)
  const allowChanges = allowChangesOf(str('allow-changes'), mode)
  if (on('dry-run') && mode !== 'run') throw new UsageError('--dry-run goes with kubewalk run.')
  // Read now, so a prose that does not parse is exit 2 before anything touches a cluster.
  const prose = interactive || transcript !== undefined ? readProse(walkthrough) : []
  const optional = <K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> =>
    value === undefined ? {} : ({ [key]: value } as Record<K, string>)
  return {
    mode,
    walkthrough,
    steps,
    ...(participantCheck ? { participantCheck } : {}),
    reporter,
    interactive,
    commandTimeoutMs,
    ...(waitTimeoutMs !== undefined ? { waitTimeoutMs } : {}),
    namespaceTimeoutMs,
    settings: settingsOf(walkthrough, given),
    lab: on('lab'),
    node: on('node'),
    ...optional('labVersion', str('lab-version')),
    ...optional('kubectl', kubectl),
    ...optional('workdir', workdir === undefined ? undefined : resolvePath(workdir)),
    ...optional('namespace', ns),
    isolate: on('isolate'),
    allowChanges,
    ...optional('kubeconfig', str('kubeconfig')),
    ...optional('context', str('context')),
    ...optional('cluster', str('cluster')),
    strictTls: on('strict-tls'),
    showSecrets: on('show-secrets'),
    useKuberc: on('use-kuberc'),
    reportProgress: on('report-progress'),
    ...optional('transcript', transcript),
    ...optional('out', out),
    prose,
    sets,
    dryRun: on('dry-run'),
  }
}

/** The walkthrough's prose; one that does not parse (an author's own reader included) breaks the contract: exit 2. */
function readProse(w: Walkthrough): WalkthroughSection[] {
  try {
    return w.prose?.() ?? []
  } catch (e) {
    if (e instanceof KubewalkError) throw e
    throw new WalkthroughError(`walkthrough ${w.id}: its prose does not parse: ${errorMessage(e)}`, { cause: e })
  }
}

/** Where `check --forget` acts: the target flags it was given. */
export interface TargetFlags {
  kubeconfig?: string
  context?: string
  namespace?: string
}

const optionalFlag = <K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> =>
  value === undefined ? {} : ({ [key]: value } as Record<K, string>)

/** `run` replays with a reporter; `drift` replays quietly and prints only how the run differs from the recording; `check` runs one participant check. */
export async function cmdRun(args: string[], cx: CommandContext, mode: RunMode): Promise<number> {
  const plan = await planRun(args, cx, mode)
  if ('solution' in plan) {
    cx.io.stdout(`${plan.solution}\n`)
    return EXIT.ok
  }
  if ('forget' in plan) return forget(plan.forget, cx)
  if (plan.dryRun) {
    cx.io.stdout(dryRunText(plan))
    return EXIT.ok
  }
  // Loaded here, not with the command: serve plans a run too, and serves its page before it needs the runner.
  const { replay } = await import('../replay/index.js')
  return replay(plan, cx)
}

/** `check --forget`: removes the participant's kubewalk-progress ConfigMap (every walkthrough's record). */
async function forget(flags: TargetFlags, cx: CommandContext): Promise<number> {
  const target = await resolveTarget({ env: cx.io.env, ...flags })
  try {
    const r = await forgetProgress({ ...cx.io.env, ...target.env, KUBERC: 'off' }, target.namespace)
    if (!r.ok) {
      cx.io.stderr(`kubewalk: could not remove configmap/${PROGRESS_NAME} in namespace ${target.namespace}: ${r.why}\n`)
      return EXIT.failed
    }
    cx.io.stdout(`removed configmap/${PROGRESS_NAME} in namespace ${target.namespace} (if it was there): the board no longer sees your progress\n`)
    return EXIT.ok
  } finally {
    await target.dispose()
  }
}
