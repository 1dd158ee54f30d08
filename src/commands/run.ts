// kubewalk run | drift | check: plan (every option checked before anything touches a cluster), find
// the target, replay the walkthrough through the runner, then report and write the files asked for.
import { constants, existsSync } from 'node:fs'
import { access, mkdtemp, realpath, rm, stat, writeFile } from 'node:fs/promises'
import { homedir, tmpdir } from 'node:os'
import { join, resolve as resolvePath } from 'node:path'
import { EXIT, parse, type Flags } from '../args.js'
import { driftCounts, driftOf } from '../drift.js'
import { PreconditionError, UsageError, errorMessage } from '../errors.js'
import { exerciseStep } from '../exercise.js'
import { keyPrompt } from '../interactive.js'
import { clusterCaPem, kubectlClientVersion, probeVersions, resolveTarget, type Target } from '../kubeconfig.js'
import { checkOutputFile, sameFile, writeWhole } from '../outfile.js'
import { Secrets, redactDeep } from '../redact.js'
import { createConsoleReporter } from '../report/console.js'
import { reporterNamed, reporters, type ReporterName } from '../report/index.js'
import type { ClusterInfo, WalkthroughInfo } from '../report/json.js'
import type { Cleanup } from '../step.js'
import { renderTranscript } from '../report/transcript.js'
import { run, runnerDefaults, type RunResult } from '../runner.js'
import { runScript, which } from '../shell.js'
import { awaitNamespace, checkNamespaceName, createIsolatedNamespace, isolatedName, namespaceCleanup } from '../namespaces.js'
import { commandOf, type Step, type Vars } from '../step.js'
import { settingsOf, type Walkthrough } from '../walkthrough.js'
import { limitSeconds, loadWalkthrough, positiveNumber, selectSteps, stepNamed, walkthroughArg, type CommandContext } from './common.js'
import { startThrowawayLab, type ThrowawayLab } from './lab.js'

export type RunMode = 'run' | 'drift' | 'check'

export const RUN_FLAGS = {
  walkthrough: { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  cluster: { type: 'string' },
  lab: { type: 'boolean' },
  from: { type: 'string' },
  to: { type: 'string' },
  only: { type: 'string' },
  reporter: { type: 'string' },
  out: { type: 'string' },
  timeout: { type: 'string' },
  wait: { type: 'string' },
  'show-secrets': { type: 'boolean' },
  'strict-tls': { type: 'boolean' },
  transcript: { type: 'string' },
  solution: { type: 'boolean' },
  interactive: { type: 'boolean' },
  'use-kuberc': { type: 'boolean' },
  namespace: { type: 'string' },
  isolate: { type: 'boolean' },
  kubectl: { type: 'string' },
  'lab-version': { type: 'string' },
} as const satisfies Flags

// A participant's check looks at work already done: a short wait covers a controller still catching up,
// and a check that cannot pass says so in seconds, not after the replay's full wait.
const CHECK_WAIT_MS = 10_000

/** What run, drift and check were asked to do, validated before anything touches a cluster. */
export interface RunPlan {
  mode: RunMode
  walkthrough: Walkthrough
  steps: Step[]
  /** check: the step whose exercise runs instead of the walkthrough's line. */
  exercise?: Step
  reporter: ReporterName
  interactive: boolean
  commandTimeoutMs: number
  waitTimeoutMs?: number
  settings: Record<string, number>
  lab: boolean
  labVersion?: string
  /** The binary that plays `kubectl` (--kubectl; with --lab, the lab's own by default). */
  kubectl?: string
  namespace?: string
  isolate: boolean
  kubeconfig?: string
  context?: string
  cluster?: string
  strictTls: boolean
  showSecrets: boolean
  useKuberc: boolean
  transcript?: string
  out?: string
}

/** The flags of run, drift and check: the shared ones, and one per setting of the walkthrough. */
function flagsFor(w: Walkthrough): Flags {
  const flags: Flags = { ...RUN_FLAGS }
  for (const s of w.settings ?? []) flags[s.name] = { type: 'string' }
  return flags
}

/** Parses and checks the options; `check ID --solution` needs no cluster and is answered here. */
export async function planRun(args: string[], cx: CommandContext, mode: RunMode): Promise<RunPlan | { solution: string }> {
  const { io } = cx
  const walkthrough = await loadWalkthrough(cx.walkthroughs, walkthroughArg(args))
  const { values: v, positionals } = parse(args, flagsFor(walkthrough))
  const values = v as Record<string, string | boolean | undefined>
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined)
  const on = (k: string): boolean => values[k] === true
  let exercise: Step | undefined
  if (mode === 'check') {
    const [id, extra] = positionals
    if (id === undefined) throw new UsageError(`check needs a step id (${walkthrough.steps.map((s) => s.id).join(', ')}).`)
    if (extra !== undefined) throw new UsageError(`check takes one step id, got also ${extra}.`)
    const step = stepNamed(walkthrough.steps, 'check', id)
    // A line that leaves a value to the reader shows the participant's own, when exported, else a placeholder.
    if (on('solution')) return { solution: commandOf(step, { cluster: { name: (step.writes && io.env[step.writes.name]) || 'some_server_name', server: '' }, namespace: 'default' }) }
    exercise = exerciseStep(step, { maxWaitMs: CHECK_WAIT_MS })
    const selection = (['from', 'to', 'only'] as const).find((f) => values[f] !== undefined)
    if (selection) throw new UsageError(`check runs the one step it is given; drop --${selection}.`)
  } else if (positionals.length > 0) throw new UsageError(`${mode} takes no arguments, got ${positionals[0]}.`)
  else if (on('solution')) throw new UsageError('--solution goes with kubewalk check <id>.')
  const out = str('out')
  const transcript = str('transcript')
  for (const [flag, file] of [['--out', out], ['--transcript', transcript]] as const) if (file !== undefined) checkOutputFile(flag, file)
  if (out !== undefined && transcript !== undefined && sameFile(out, transcript)) throw new UsageError('--out and --transcript name the same file.')
  // A file is not a terminal: it gets no colours or progress frames unless asked for.
  const plainDefault = !io.isTTY || (io.env.NO_COLOR ?? '') !== '' || out !== undefined
  // drift prints its findings, not a run's report: the test-report formats have nothing to carry them.
  const reporter = reporterNamed(str('reporter') ?? (plainDefault ? 'plain' : 'pretty'), mode === 'drift' ? ['pretty', 'plain', 'json'] : undefined, mode === 'drift' ? 'drift --reporter' : '--reporter')
  const steps = exercise ? [exercise] : selectSteps(walkthrough.steps, { from: str('from'), to: str('to'), only: str('only') })
  const interactive = on('interactive')
  if (interactive && (mode !== 'run' || reporters[reporter].kind !== 'live' || out !== undefined)) {
    throw new UsageError('--interactive goes with kubewalk run and a terminal reporter (pretty or plain), without --out.')
  }
  if (interactive && io.stdin?.isTTY !== true) throw new UsageError('--interactive needs a terminal on standard input.')
  const commandTimeoutMs = limitSeconds('--timeout', str('timeout'), runnerDefaults.commandTimeoutMs / 1000) * 1000
  const waitTimeoutMs = str('wait') === undefined ? undefined : limitSeconds('--wait', str('wait'), 30) * 1000
  const given: Record<string, number> = {}
  for (const s of walkthrough.settings ?? []) if (str(s.name) !== undefined) given[s.name] = positiveNumber(`--${s.name}`, str(s.name), s.default)
  if (on('lab') && (str('kubeconfig') !== undefined || str('context') !== undefined)) throw new UsageError('--lab brings its own kubeconfig; drop --kubeconfig and --context.')
  if (str('lab-version') !== undefined && !on('lab')) throw new UsageError('--lab-version goes with --lab.')
  if (str('namespace') !== undefined && on('isolate')) throw new UsageError('--namespace and --isolate both choose the namespace; give one.')
  const ns = str('namespace')
  if (ns !== undefined) checkNamespaceName('--namespace', ns)
  const kubectl = str('kubectl')
  if (kubectl !== undefined) await checkKubectl(kubectl)
  const optional = <K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> => (value === undefined ? {} : ({ [key]: value } as Record<K, string>))
  return {
    mode,
    walkthrough,
    steps,
    ...(exercise ? { exercise } : {}),
    reporter,
    interactive,
    commandTimeoutMs,
    ...(waitTimeoutMs !== undefined ? { waitTimeoutMs } : {}),
    settings: settingsOf(walkthrough, given),
    lab: on('lab'),
    ...optional('labVersion', str('lab-version')),
    ...optional('kubectl', kubectl),
    ...optional('namespace', ns),
    isolate: on('isolate'),
    ...optional('kubeconfig', str('kubeconfig')),
    ...optional('context', str('context')),
    ...optional('cluster', str('cluster')),
    strictTls: on('strict-tls'),
    showSecrets: on('show-secrets'),
    useKuberc: on('use-kuberc'),
    ...optional('transcript', transcript),
    ...optional('out', out),
  }
}

/**
 * A participant's own exported variables seed steps run alone (--only <id>); secret ones are masked.
 * A server URL the shell remembers must be the target's when the run sets a secret: it would be sent there.
 */
export function seedVars(plan: Pick<RunPlan, 'walkthrough' | 'steps'>, env: Readonly<Record<string, string | undefined>>, target: Pick<Target, 'cluster'>, secrets: Secrets): Vars {
  const vars: Vars = {}
  for (const decl of plan.walkthrough.vars) {
    const value = env[decl.name]
    if (decl.fromEnvironment === false || value === undefined || value === '') continue
    vars[decl.name] = value
    if (decl.secret) secrets.add(value)
  }
  const writes = new Set(plan.steps.map((s) => s.writes).filter((w) => w !== undefined))
  const mintsSecret = [...writes].some((w) => w.secret)
  for (const decl of plan.walkthrough.vars) {
    const seeded = vars[decl.name]
    if (decl.holds !== 'server-url' || seeded === undefined || writes.has(decl) || !mintsSecret || seeded === target.cluster.server) continue
    const secret = [...writes].find((w) => w.secret)?.name
    throw new UsageError(`$${decl.name} is ${seeded}, but this run sets $${secret} on ${target.cluster.name} (${target.cluster.server}): it would be sent to another server; unset ${decl.name} or start from the step that sets it.`)
  }
  return vars
}

/** --kubectl must name an executable that answers as kubectl: a UsageError (exit 2) otherwise, before any cluster is touched. */
async function checkKubectl(file: string): Promise<void> {
  if (file === '') throw new UsageError('--kubectl needs a file name.')
  const path = resolvePath(file)
  try {
    if (!(await stat(path)).isFile()) throw new UsageError(`--kubectl ${file}: not a file.`)
    await access(path, constants.X_OK)
  } catch (e) {
    if (e instanceof UsageError) throw e
    throw new UsageError(`--kubectl ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not executable'} (${path}).`)
  }
  const version = await kubectlClientVersion(path, 10_000)
  if (version === undefined) throw new UsageError(`--kubectl ${file}: not a kubectl (\`${file} version --client -o json\` printed no client version).`)
}

/** kubectl 1.34+ reads the user's kuberc (aliases, default flags), which can change what a line prints. */
function kubercNote(plan: RunPlan, env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (plan.useKuberc) return undefined
  const file = env.KUBERC !== undefined && env.KUBERC !== 'off' ? env.KUBERC : join(env.HOME ?? homedir(), '.kube', 'kuberc')
  return existsSync(file) ? `kubectl's kuberc (${file}) is off for this run (KUBERC=off), so it cannot change what the lines print; --use-kuberc honours it` : undefined
}

/** `run` replays with a reporter; `drift` replays quietly and prints only how the run differs from the recording; `check` runs one exercise. */
export async function cmdRun(args: string[], cx: CommandContext, mode: RunMode): Promise<number> {
  const { io, signal, cleaning } = cx
  const plan = await planRun(args, cx, mode)
  if ('solution' in plan) {
    io.stdout(`${plan.solution}\n`)
    return EXIT.ok
  }
  const progress = (line: string): void => io.stderr(`${line}\n`)
  let lab: ThrowawayLab | undefined
  let target: Target | undefined
  let workDir: string | undefined
  // An --isolate namespace, until the runner has it as teardown (then the runner deletes it, whatever happens).
  let isolated: Cleanup | undefined
  try {
    if (plan.lab) {
      // While the lab starts, Ctrl-C stops it: a second one is explained, like during cleanup.
      cleaning(['the throwaway lab, still starting'])
      lab = await startThrowawayLab(progress, signal, plan.labVersion !== undefined ? { version: plan.labVersion } : {})
      cleaning(undefined)
    }
    const isolateAs = plan.isolate ? isolatedName() : undefined
    // With --lab the walkthrough's kubectl is the lab's own, of the server's version (what `minikube kubectl` gives).
    const kubectl = plan.kubectl ?? (lab ? join(lab.binDir, 'kubectl') : undefined)
    target = await resolveTarget({
      env: io.env,
      ...(lab ? { kubeconfig: lab.kubeconfig } : {}),
      ...(kubectl !== undefined ? { kubectl } : {}),
      ...(plan.kubeconfig !== undefined ? { kubeconfig: plan.kubeconfig } : {}),
      ...(plan.context !== undefined ? { context: plan.context } : {}),
      ...(plan.cluster !== undefined ? { cluster: plan.cluster } : {}),
      ...(plan.namespace !== undefined ? { namespace: plan.namespace } : {}),
      ...(isolateAs !== undefined ? { namespace: isolateAs } : {}),
    })
    if (lab && plan.kubectl === undefined) progress(`the walkthrough's kubectl is the lab's own, ${kubectl} (${lab.version})`)
    if ((await which('curl', io.env)) === undefined) throw new PreconditionError('curl is not on PATH; install curl (the walkthroughs call the API with it).')
    const note = kubercNote(plan, io.env)
    if (note) progress(note)
    const env: Record<string, string> = { ...target.env, ...(plan.useKuberc ? {} : { KUBERC: 'off' }) }
    const probe = probeVersions({ ...target, env }, { env: io.env, timeoutMs: plan.commandTimeoutMs })
    probe.catch(() => undefined)
    // When nothing is shown or created before the steps, the probe (a kubectl start, ~100 ms) overlaps
    // the opening lines that need no server; the first line that does, and the report, wait for it.
    const overlap = isolateAs === undefined && plan.namespace === undefined && !plan.interactive && !(reporters[plan.reporter].kind === 'live' && plan.mode !== 'drift')
    const versions = overlap ? undefined : await probe
    const k = { env: { ...process.env, ...io.env, ...env }, timeoutMs: plan.commandTimeoutMs, signal }
    if (isolateAs !== undefined) {
      cleaning([`namespace ${isolateAs}, being created`])
      await createIsolatedNamespace(isolateAs, k)
      isolated = namespaceCleanup(isolateAs, plan.commandTimeoutMs)
      progress(`isolated: the run acts in namespace ${isolateAs}, deleted at the end`)
    }
    if (isolateAs !== undefined || plan.namespace !== undefined) await awaitNamespace(target.namespace, { ...k, waitMs: plan.waitTimeoutMs ?? 30_000 })
    let strictTlsCaFile: string | undefined
    if (plan.strictTls) {
      workDir = await mkdtemp(join(tmpdir(), 'kubewalk-ca-'))
      strictTlsCaFile = join(workDir, 'ca.crt')
      await writeFile(strictTlsCaFile, await clusterCaPem(target, io.env), { mode: 0o600 })
    }
    const kubectlPath = (await which('kubectl', { PATH: env.PATH ?? io.env.PATH ?? '' })) ?? 'kubectl'
    const cluster: ClusterInfo = {
      name: target.cluster.name,
      server: target.cluster.server,
      version: versions?.server ?? '',
      context: target.context,
      namespace: target.namespace,
      kubectl: { path: kubectl !== undefined ? resolvePath(kubectl) : await realpath(kubectlPath).catch(() => kubectlPath), version: versions?.client ?? '' },
    }
    const secrets = new Secrets()
    const vars = seedVars(plan, io.env, target, secrets)
    const teardown = isolated ? [isolated] : []
    isolated = undefined
    return await replay(plan, cx, { target, env, namespace: target.namespace, cluster, secrets, vars, teardown, ...(strictTlsCaFile !== undefined ? { strictTlsCaFile } : {}), ...(versions === undefined ? { versions: probe } : {}) })
  } finally {
    // Created, but the run never started: remove it here, and say so.
    if (isolated !== undefined && target !== undefined) {
      const r = await runScript(isolated.command, { env: { ...io.env, ...target.env }, timeoutMs: plan.commandTimeoutMs })
      io.stderr(r.exitCode === 0 ? `${isolated.describe}: done\n` : `kubewalk: could not ${isolated.describe}; remove it with: ${isolated.command}\n`)
    }
    await target?.dispose()
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true })
    if (lab) {
      cleaning(['the throwaway lab'])
      await lab.stop()
    }
    cleaning(undefined)
  }
}

interface Resolved {
  target: Target
  env: Record<string, string>
  namespace: string
  cluster: ClusterInfo
  secrets: Secrets
  vars: Vars
  teardown: Cleanup[]
  strictTlsCaFile?: string
  /** The version probe, when it overlaps the opening lines (cmdRun): it fills cluster's versions. */
  versions?: Promise<{ server: string; client: string }>
}

/** A line that calls neither curl nor kubectl beyond `kubectl config` reads only the kubeconfig. */
const needsServer = (command: string): boolean => /\bcurl\b|\bkubectl\b(?!\s+config\b)/.test(command)

export function walkthroughInfo(w: Walkthrough): WalkthroughInfo {
  const s = w.source
  return { id: w.id, title: w.title, ...(s?.kubernetes ? { recordedOn: `Kubernetes ${s.kubernetes}${s.kubectl ? `, kubectl ${s.kubectl}` : ''}` } : {}) }
}

/** Runs the planned steps against a resolved cluster, then writes every report the plan asked for. */
async function replay(plan: RunPlan, cx: CommandContext, on: Resolved): Promise<number> {
  const { io, signal, cleaning } = cx
  const { reporter, showSecrets, exercise, walkthrough } = plan
  const { target, cluster, secrets } = on
  const chunks: string[] = []
  const toReport = plan.out !== undefined ? (t: string) => void chunks.push(t) : io.stdout
  const info = walkthroughInfo(walkthrough)
  const prose = plan.interactive || plan.transcript !== undefined ? walkthrough.prose?.() ?? [] : []
  const explain = plan.interactive ? new Map(prose.map((w) => [w.id, w.explanation])) : undefined
  const r = reporters[reporter]
  const human = r.kind === 'live' && plan.mode !== 'drift' ? createConsoleReporter({ write: toReport, pretty: r.pretty, secrets, showSecrets, walkthrough: info, ...(exercise ? { check: true } : {}), ...(explain ? { explain, columns: () => io.columns?.() } : {}) }) : undefined
  human?.header(cluster)
  const probed = on.versions?.then((v) => {
    cluster.version = v.server
    if (cluster.kubectl) cluster.kubectl.version = v.client
  })
  probed?.catch(() => undefined)
  const result: RunResult = await run({
    steps: plan.steps,
    cluster: target.cluster,
    clusters: target.clusters,
    namespace: on.namespace,
    settings: plan.settings,
    env: { ...on.env },
    vars: on.vars,
    commandTimeoutMs: plan.commandTimeoutMs,
    ...(plan.waitTimeoutMs !== undefined ? { waitTimeoutMs: plan.waitTimeoutMs } : {}),
    ...(on.strictTlsCaFile !== undefined ? { strictTlsCaFile: on.strictTlsCaFile } : {}),
    signal,
    secrets,
    teardown: on.teardown,
    ...(plan.interactive && io.stdin ? { beforeStep: keyPrompt(io.stdin, io.stdout, signal) } : {}),
    ...(probed ? { beforeStep: async (step: Step) => {
      if (needsServer(commandOf(step, { cluster: target.cluster, namespace: on.namespace }))) await probed
      return 'run' as const
    } } : {}),
    onEvent: (e) => {
      if (e.type === 'cleanup-start') cleaning(e.pending.map((p) => p.describe))
      human?.onEvent(e)
    },
  })
  cleaning(undefined)
  // An unreachable server is said as the probe says it, even when only opening lines ran.
  await probed
  // A check's exercise is not the walkthrough's line, so it has nothing to compare with the recording.
  const drift = exercise ? [] : driftOf(result, walkthrough, { namespace: on.namespace })
  if (drift.some((d) => d.items.some((i) => i.kind !== 'expected'))) human?.drift(drift)
  human?.summary(result)
  const opts = { secrets, showSecrets, drift, walkthrough: info }
  if (plan.mode === 'drift') {
    if (reporter === 'json') toReport(`${JSON.stringify(showSecrets ? drift : redactDeep(drift, secrets), null, 2)}\n`)
    else {
      const c = createConsoleReporter({ write: toReport, pretty: reporter === 'pretty', secrets, showSecrets, walkthrough: info })
      c.drift(drift)
      c.summary(result)
    }
  } else if (r.kind === 'document') toReport(r.render(result, cluster, opts))
  const unwritten = await writeFiles(plan, io, result, cluster, chunks, opts)
  if (unwritten && result.ok) return EXIT.failed
  if (plan.mode === 'drift' && result.ok) return driftCounts(drift).real > 0 ? EXIT.failed : EXIT.ok
  if (exercise && !result.ok) {
    const hint = walkthrough.steps.find((s) => s.id === exercise.id)?.hint
    const which = walkthrough.id === cx.walkthroughs[0]?.id ? '' : ` --walkthrough ${walkthrough.id}`
    io.stderr(`${hint ? `hint: ${hint}\n` : ''}the walkthrough's line: kubewalk check${which} ${exercise.id} --solution\n`)
  }
  return exitCodeOf(result)
}

/** The transcript and the --out report, each on its own: one that cannot be written spoils no other. */
async function writeFiles(plan: RunPlan, io: CommandContext['io'], result: RunResult, cluster: ClusterInfo, chunks: string[], opts: { secrets: Secrets; showSecrets: boolean; drift: ReturnType<typeof driftOf>; walkthrough: WalkthroughInfo }): Promise<boolean> {
  const files: [string, string, string][] = []
  if (plan.transcript !== undefined) {
    const markdown = renderTranscript(result, cluster, plan.walkthrough.prose?.() ?? [], { ...opts, stderrLabels: new Map(plan.walkthrough.steps.filter((s) => s.stderrLabel !== undefined).map((s) => [s.id, s.stderrLabel as string])) })
    // HTML by the file's name; marked loads only then, so plain runs do not pay for it.
    const html = /\.html?$/i.test(plan.transcript) ? (await import('../report/html.js')).transcriptHtml(markdown) : undefined
    files.push(['transcript', plan.transcript, html ?? markdown])
  }
  if (plan.out !== undefined) files.push(['report', plan.out, chunks.join('')])
  let unwritten = false
  for (const [what, file, text] of files) {
    try {
      // A file with unmasked secrets is created 0600; an existing wider one is kept, and said so.
      const { warning } = await writeWhole(file, text, { secret: plan.showSecrets })
      io.stderr(`${what} written to ${file}\n`)
      if (warning) io.stderr(`kubewalk: warning: ${warning}\n`)
    } catch (e) {
      unwritten = true
      io.stderr(`kubewalk: could not write the ${what} to ${file}: ${errorMessage(e)}\n`)
    }
  }
  return unwritten
}

// A step refused before changing anything (an object that is not ours, RBAC, a variable no one set)
// is the cluster or the invocation, not the walkthrough: exit 2 like any precondition.
const PRECONDITION_CODES = new Set(['E_PRECONDITION', 'E_FORBIDDEN', 'E_MISSING_VAR'])

/** 0 passed; 130 interrupted; 2 refused before anything changed; 1 otherwise, a failed cleanup included. */
export function exitCodeOf(result: RunResult): number {
  if (result.status === 'passed') return EXIT.ok
  if (result.status === 'interrupted') return EXIT.interrupted
  if (result.cleanup.some((c) => c.status === 'failed')) return EXIT.failed
  const failed = result.steps.find((s) => s.status === 'failed')
  return PRECONDITION_CODES.has(failed?.error?.code ?? '') ? EXIT.usage : EXIT.failed
}
