// Arguments → one of: run, list, lab. Prints, picks the exit code; everything else lives below it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { steps as allSteps } from '../steps/index.js'
import { KubewalkError, LabError, PreconditionError, UsageError, errorMessage } from './errors.js'
import { clusterCaPem, probeServer, resolveTarget, type Target } from './kubeconfig.js'
import { which } from './shell.js'
import { Secrets, redact, redactDeep } from './redact.js'
import { run, runnerDefaults, type RunResult } from './runner.js'
import { createConsoleReporter } from './report/console.js'
import { renderJson, type ClusterInfo } from './report/json.js'
import { renderJunit } from './report/junit.js'
import { renderTap } from './report/tap.js'
import { cmdToken } from './commands/token.js'
import { cmdLab, startThrowawayLab, type ThrowawayLab } from './commands/lab.js'
import { renderTranscript } from './report/transcript.js'
import { walkthrough } from './walkthrough.js'
import { checkOutputFile, sameFile, writeWhole } from './outfile.js'
import { packagePath } from './paths.js'
import { driftCounts, driftOf } from './drift.js'
import { defaultIo, parse, type Io } from './args.js'
import { exerciseStep } from './exercise.js'
import { keyPrompt } from './interactive.js'
import { commandOf, type Step, type VarName, type Vars } from './step.js'

import { EXIT } from './args.js'

export { EXIT, type Io }

const REPORTERS = ['pretty', 'plain', 'json', 'junit', 'tap'] as const
type Reporter = (typeof REPORTERS)[number]

const HELP = `kubewalk — replay "Calling the Kubernetes API with curl using a ServiceAccount token" against a real cluster

Usage:
  kubewalk run [options]        replay the article's 14 steps, with checks, then clean up
  kubewalk drift [options]      replay quietly, then print only how this cluster differs from the
                                article: expected (tokens, times, ids, addresses), newer versions, real
  kubewalk check ID [--solution] [options]
                                workshops: verify that you did step ID in your own shell (reads
                                $CLUSTER_NAME, $APISERVER, $TOKEN; never does the step for you);
                                a failed check prints a hint; --solution prints the article's line
  kubewalk list [--json]        list the steps and their commands
  kubewalk token [--token T] [--kubeconfig F] [--context C] [--no-verify] [--json] [--show-secrets]
                                decode a ServiceAccount token (default: $TOKEN): kind, claims, local
                                times, remaining lifetime; verify its signature against the cluster's keys
  kubewalk lab build            build the lab's etcd, kube-apiserver, kube-controller-manager, kubectl (cached)
  kubewalk lab up [--dir DIR] [--cluster-name NAME] [--no-controller-manager]
                                start a local control plane; prints its kubeconfig path
  kubewalk lab status [--dir DIR] [--json]
  kubewalk lab down [--dir DIR] stop it and remove DIR
  kubewalk help | --help | --version

Options for run (drift and check take them too):
  --kubeconfig FILE     kubeconfig to use (default: $KUBECONFIG, else ~/.kube/config); never written
  --context NAME        kubeconfig context to use (default: the current context)
  --cluster NAME        the cluster name for CLUSTER_NAME (default: the context's cluster; another
                        cluster is refused, since the token would be minted on one and sent to another)
  --lab                 start a throwaway local control plane, replay against it, stop it (with the
                        lab's own kubectl when none is on PATH)
  --from ID, --to ID    run a range of steps; --only ID runs one (ids: kubewalk list)
  --reporter NAME       pretty (default on a terminal), plain (default otherwise, or with NO_COLOR),
                        json, junit (JUnit XML), tap (TAP 13)
  --out FILE            write the report to FILE instead of standard output (any reporter)
  --timeout SECONDS     limit for each command (default ${runnerDefaults.commandTimeoutMs / 1000})
  --wait SECONDS        limit for each bounded wait: the token controller filling the Secret (steps
                        09, 11) and the API server refusing the deleted token (14) (default 30)
  --token-lifetime SECONDS
                        the lifetime the server gives a token without --duration (default ${runnerDefaults.expectedTokenLifetimeSeconds})
  --transcript FILE     also write an executable-notebook transcript: the walkthrough with this run's
                        output, checks, timing and drift, in Markdown (a standalone HTML page when
                        FILE ends in .html)
  --interactive         step through: show each step's explanation and command, then wait for a key:
                        Enter runs it, s skips it, q quits (what the run created is still cleaned up)
  --show-secrets        print tokens and Secret data as the article does (masked by default)
  --strict-tls          call the API with curl --cacert (the kubeconfig's CA) instead of the article's
                        --insecure; reported as a variant of the article's line

Steps that read $CLUSTER_NAME, $APISERVER or $TOKEN take them from earlier steps, or from the
environment when run alone (kubewalk run --only call-api).

Exit codes: 0 all steps passed, 1 a step failed, 2 usage or precondition error, 130 interrupted;
drift also exits 1 when it finds a real difference.
`

function stepIndex(steps: readonly Step[], flag: string, id: string): number {
  const i = steps.findIndex((s) => s.id === id || s.number === id)
  if (i < 0) throw new UsageError(`${flag} ${id}: no such step (ids: ${steps.map((s) => s.id).join(', ')}).`)
  return i
}

/** Picks the steps for --from/--to/--only. */
export function selectSteps(steps: readonly Step[], sel: { from?: string; to?: string; only?: string }): Step[] {
  if (sel.only !== undefined) {
    if (sel.from !== undefined || sel.to !== undefined) throw new UsageError('--only cannot be combined with --from or --to.')
    return [steps[stepIndex(steps, '--only', sel.only)] as Step]
  }
  const from = sel.from === undefined ? 0 : stepIndex(steps, '--from', sel.from)
  const to = sel.to === undefined ? steps.length - 1 : stepIndex(steps, '--to', sel.to)
  if (from > to) throw new UsageError(`--from ${sel.from} comes after --to ${sel.to}.`)
  return steps.slice(from, to + 1)
}

function positiveNumber(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} takes a positive number of seconds, got ${JSON.stringify(value)}.`)
  return n
}

// A day: beyond it nothing in the article is just slow, and timers overflow past ~24.8 days.
const MAX_LIMIT_SECONDS = 86_400

/** --timeout and --wait: limits that become timers. */
function limitSeconds(flag: string, value: string | undefined, fallback: number): number {
  const n = positiveNumber(flag, value, fallback)
  if (n > MAX_LIMIT_SECONDS) throw new UsageError(`${flag} takes at most ${MAX_LIMIT_SECONDS} seconds (a day), got ${value}.`)
  return n
}

async function cmdList(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } })
  if (positionals.length > 0) throw new UsageError(`list takes no arguments, got ${positionals[0]}.`)
  const cluster = { name: 'some_server_name', server: '' }
  if (values.json) {
    io.stdout(`${JSON.stringify(allSteps.map((s) => ({ id: s.id, number: s.number, title: s.title, command: commandOf(s, { cluster }), strictTlsCommand: s.strictTlsCommand ?? null, reads: s.reads, writes: s.writes ?? null })), null, 2)}\n`)
    return EXIT.ok
  }
  for (const s of allSteps) {
    io.stdout(`${s.number}  ${s.id.padEnd(22)} ${s.title}\n`)
    commandOf(s, { cluster }).split('\n').forEach((l, i) => io.stdout(`    ${i === 0 ? '$' : ' '} ${l}\n`))
    if (s.strictTlsCommand !== undefined) io.stdout(`    $ ${s.strictTlsCommand}   (--strict-tls)\n`)
  }
  return EXIT.ok
}

const RUN_OPTIONS = {
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
  'token-lifetime': { type: 'string' },
  'show-secrets': { type: 'boolean' },
  'strict-tls': { type: 'boolean' },
  transcript: { type: 'string' },
  solution: { type: 'boolean' },
  interactive: { type: 'boolean' },
} as const

type RunMode = 'run' | 'drift' | 'check'

/** What run, drift and check were asked to do, validated before anything touches a cluster. */
interface RunPlan {
  mode: RunMode
  steps: Step[]
  /** check: the step whose exercise is run instead of the article's line. */
  exercise?: Step
  reporter: Reporter
  interactive: boolean
  commandTimeoutMs: number
  waitTimeoutMs?: number
  lifetime: number
  lab: boolean
  kubeconfig?: string
  context?: string
  cluster?: string
  strictTls: boolean
  showSecrets: boolean
  transcript?: string
  out?: string
}

/** Parses and checks the options; `check ID --solution` needs no cluster and is answered here. */
function planRun(args: string[], io: Io, mode: RunMode): RunPlan | { solution: string } {
  const { values, positionals } = parse(args, RUN_OPTIONS)
  let exercise: Step | undefined
  if (mode === 'check') {
    const [id, extra] = positionals
    if (id === undefined) throw new UsageError(`check needs a step id (${allSteps.map((s) => s.id).join(', ')}).`)
    if (extra !== undefined) throw new UsageError(`check takes one step id, got also ${extra}.`)
    const step = allSteps[stepIndex(allSteps, 'check', id)] as Step
    if (values.solution) return { solution: commandOf(step, { cluster: { name: io.env.CLUSTER_NAME || 'some_server_name', server: '' } }) }
    exercise = exerciseStep(step)
  } else if (positionals.length > 0) throw new UsageError(`${mode} takes no arguments, got ${positionals[0]}.`)
  else if (values.solution) throw new UsageError('--solution goes with kubewalk check <id>.')
  if (exercise) {
    const selection = (['from', 'to', 'only'] as const).find((f) => values[f] !== undefined)
    if (selection) throw new UsageError(`check runs the one step it is given; drop --${selection}.`)
  }
  for (const [flag, file] of [['--out', values.out], ['--transcript', values.transcript]] as const) if (file !== undefined) checkOutputFile(flag, file)
  if (values.out !== undefined && values.transcript !== undefined && sameFile(values.out, values.transcript)) throw new UsageError('--out and --transcript name the same file.')
  // A file is not a terminal: it gets no colours or progress frames unless asked for.
  const plainDefault = !io.isTTY || (io.env.NO_COLOR ?? '') !== '' || values.out !== undefined
  const reporter = (values.reporter ?? (plainDefault ? 'plain' : 'pretty')) as Reporter
  if (!REPORTERS.includes(reporter)) throw new UsageError(`--reporter takes one of ${REPORTERS.join(', ')}, got ${JSON.stringify(values.reporter)}.`)
  const steps = exercise ? [exercise] : selectSteps(allSteps, values)
  const interactive = values.interactive === true
  if (interactive && (mode !== 'run' || reporter === 'json' || reporter === 'junit' || reporter === 'tap' || values.out !== undefined)) {
    throw new UsageError('--interactive goes with kubewalk run and a terminal reporter (pretty or plain), without --out.')
  }
  if (interactive && io.stdin?.isTTY !== true) throw new UsageError('--interactive needs a terminal on standard input.')
  const commandTimeoutMs = limitSeconds('--timeout', values.timeout, runnerDefaults.commandTimeoutMs / 1000) * 1000
  const waitTimeoutMs = values.wait === undefined ? undefined : limitSeconds('--wait', values.wait, 30) * 1000
  const lifetime = positiveNumber('--token-lifetime', values['token-lifetime'], runnerDefaults.expectedTokenLifetimeSeconds)
  if (values.lab && (values.kubeconfig !== undefined || values.context !== undefined)) throw new UsageError('--lab brings its own kubeconfig; drop --kubeconfig and --context.')
  return {
    mode,
    steps,
    ...(exercise ? { exercise } : {}),
    reporter,
    interactive,
    commandTimeoutMs,
    ...(waitTimeoutMs !== undefined ? { waitTimeoutMs } : {}),
    lifetime,
    lab: values.lab === true,
    ...(values.kubeconfig !== undefined ? { kubeconfig: values.kubeconfig } : {}),
    ...(values.context !== undefined ? { context: values.context } : {}),
    ...(values.cluster !== undefined ? { cluster: values.cluster } : {}),
    strictTls: values['strict-tls'] === true,
    showSecrets: values['show-secrets'] === true,
    ...(values.transcript !== undefined ? { transcript: values.transcript } : {}),
    ...(values.out !== undefined ? { out: values.out } : {}),
  }
}

/** A participant's own exported variables seed steps run alone (--only call-api); their TOKEN is masked. */
function seedVars(plan: RunPlan, env: NodeJS.ProcessEnv, target: Target, secrets: Secrets): Vars {
  const vars: Vars = {}
  for (const v of ['CLUSTER_NAME', 'APISERVER', 'TOKEN'] as VarName[]) {
    const value = env[v]
    if (value !== undefined && value !== '') {
      vars[v] = value
      if (v === 'TOKEN') secrets.add(value)
    }
  }
  // A token minted by this run must not be sent to a server the shell remembers from elsewhere.
  const writes = new Set(plan.steps.map((s) => s.writes))
  if (vars.APISERVER !== undefined && !writes.has('APISERVER') && writes.has('TOKEN') && vars.APISERVER !== target.cluster.server) {
    throw new UsageError(`$APISERVER is ${vars.APISERVER}, but this run mints its token on ${target.cluster.name} (${target.cluster.server}): the token would be sent to another server; unset APISERVER or start from apiserver-url.`)
  }
  return vars
}

/** `run` replays with a reporter; `drift` replays quietly and prints only how the run differs from the article; `check` runs one exercise. */
async function cmdRun(args: string[], io: Io, signal: AbortSignal, cleaning: (what: string[] | undefined) => void, mode: RunMode = 'run'): Promise<number> {
  const plan = planRun(args, io, mode)
  if ('solution' in plan) {
    io.stdout(`${plan.solution}\n`)
    return EXIT.ok
  }
  const progress = (line: string): void => io.stderr(`${line}\n`)
  let lab: ThrowawayLab | undefined
  let target: Target | undefined
  let workDir: string | undefined
  try {
    if (plan.lab) {
      // While the lab starts, Ctrl-C stops it: a second one is explained, like during cleanup.
      cleaning(['the throwaway lab, still starting'])
      lab = await startThrowawayLab(progress, signal)
      cleaning(undefined)
    }
    target = await resolveTarget({
      env: io.env,
      // A fresh machine may have no kubectl: the lab brings its own, built with it.
      ...(lab ? { kubectlDir: lab.binDir } : {}),
      ...(lab ? { kubeconfig: lab.kubeconfig } : {}),
      ...(plan.kubeconfig !== undefined ? { kubeconfig: plan.kubeconfig } : {}),
      ...(plan.context !== undefined ? { context: plan.context } : {}),
      ...(plan.cluster !== undefined ? { cluster: plan.cluster } : {}),
    })
    if (lab && target.env.PATH !== undefined) progress(`kubectl is not on PATH: the article's kubectl is the lab's own, ${join(lab.binDir, 'kubectl')}`)
    if ((await which('curl', io.env)) === undefined) throw new PreconditionError('curl is not on PATH; install curl (the article calls the API with it).')
    const serverVersion = await probeServer(target, { env: io.env, timeoutMs: plan.commandTimeoutMs })
    let strictTlsCaFile: string | undefined
    if (plan.strictTls) {
      workDir = await mkdtemp(join(tmpdir(), 'kubewalk-ca-'))
      strictTlsCaFile = join(workDir, 'ca.crt')
      await writeFile(strictTlsCaFile, await clusterCaPem(target, io.env), { mode: 0o600 })
    }
    const cluster: ClusterInfo = { name: target.cluster.name, server: target.cluster.server, version: serverVersion, context: target.context }
    const secrets = new Secrets()
    const vars = seedVars(plan, io.env, target, secrets)
    return await replay(plan, io, signal, cleaning, { target, cluster, secrets, vars, ...(strictTlsCaFile !== undefined ? { strictTlsCaFile } : {}) })
  } finally {
    await target?.dispose()
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true })
    if (lab) {
      cleaning(['the throwaway lab'])
      await lab.stop()
    }
    cleaning(undefined)
  }
}

/** Runs the planned steps against a resolved cluster, then writes every report the plan asked for. */
async function replay(plan: RunPlan, io: Io, signal: AbortSignal, cleaning: (what: string[] | undefined) => void, on: { target: Target; cluster: ClusterInfo; secrets: Secrets; vars: Vars; strictTlsCaFile?: string }): Promise<number> {
  const { reporter, showSecrets, exercise } = plan
  const { target, cluster, secrets } = on
  const chunks: string[] = []
  const toReport = plan.out !== undefined ? (t: string) => void chunks.push(t) : io.stdout
  const explain = plan.interactive ? new Map(walkthrough().map((w) => [w.id, w.explanation])) : undefined
  const human = (reporter !== 'pretty' && reporter !== 'plain') || plan.mode === 'drift' ? undefined : createConsoleReporter({ write: toReport, pretty: reporter === 'pretty', secrets, showSecrets, ...(explain ? { explain } : {}) })
  human?.header(cluster)
  const result: RunResult = await run({
    steps: plan.steps,
    cluster: target.cluster,
    clusters: target.clusters,
    env: { ...target.env },
    vars: on.vars,
    expectedTokenLifetimeSeconds: plan.lifetime,
    commandTimeoutMs: plan.commandTimeoutMs,
    ...(plan.waitTimeoutMs !== undefined ? { waitTimeoutMs: plan.waitTimeoutMs } : {}),
    ...(on.strictTlsCaFile !== undefined ? { strictTlsCaFile: on.strictTlsCaFile } : {}),
    signal,
    secrets,
    ...(plan.interactive && io.stdin ? { beforeStep: keyPrompt(io.stdin, io.stdout, signal) } : {}),
    onEvent: (e) => {
      if (e.type === 'cleanup-start') cleaning(e.pending.map((p) => p.describe))
      human?.onEvent(e)
    },
  })
  cleaning(undefined)
  // A check's exercise is not the article's line, so it has nothing to compare with the article.
  const drift = exercise ? [] : driftOf(result, plan.steps)
  if (drift.some((d) => d.items.some((i) => i.kind !== 'expected'))) human?.drift(drift)
  human?.summary(result)
  if (plan.mode === 'drift') {
    if (reporter === 'json') toReport(`${JSON.stringify(showSecrets ? drift : redactDeep(drift, secrets), null, 2)}\n`)
    else {
      const r = createConsoleReporter({ write: toReport, pretty: reporter === 'pretty', secrets, showSecrets })
      r.drift(drift)
      r.summary(result)
    }
  } else if (reporter === 'json') toReport(renderJson(result, cluster, { secrets, showSecrets, drift }))
  else if (reporter === 'junit') toReport(renderJunit(result, cluster, { secrets, showSecrets }))
  else if (reporter === 'tap') toReport(renderTap(result, cluster, { secrets, showSecrets }))
  // Each file on its own: one that cannot be written (checked before the run, so rare) spoils no other.
  const files: [string, string, string][] = []
  if (plan.transcript !== undefined) {
    const markdown = renderTranscript(result, cluster, walkthrough(), { secrets, showSecrets, drift })
    // HTML by the file's name; marked loads only then, so plain runs do not pay for it.
    const html = /\.html?$/i.test(plan.transcript) ? (await import('./report/html.js')).transcriptHtml(markdown) : undefined
    files.push(['transcript', plan.transcript, html ?? markdown])
  }
  if (plan.out !== undefined) files.push(['report', plan.out, chunks.join('')])
  let unwritten = false
  for (const [what, file, text] of files) {
    try {
      await writeWhole(file, text)
      io.stderr(`${what} written to ${file}\n`)
    } catch (e) {
      unwritten = true
      io.stderr(`kubewalk: could not write the ${what} to ${file}: ${errorMessage(e)}\n`)
    }
  }
  if (unwritten && result.ok) return EXIT.failed
  if (plan.mode === 'drift' && result.ok) return driftCounts(drift).real > 0 ? EXIT.failed : EXIT.ok
  if (exercise && !result.ok) {
    const hint = allSteps.find((s) => s.id === exercise.id)?.hint
    io.stderr(`${hint ? `hint: ${hint}\n` : ''}the article's line: kubewalk check ${exercise.id} --solution\n`)
  }
  return exitCodeOf(result)
}

// A step refused before changing anything (a Secret that is not ours, RBAC, a variable no one set)
// is the cluster or the invocation, not the article: exit 2 like any precondition.
const PRECONDITION_CODES = new Set(['E_PRECONDITION', 'E_FORBIDDEN', 'E_MISSING_VAR'])

export function exitCodeOf(result: RunResult): number {
  if (result.status === 'passed') return EXIT.ok
  if (result.status === 'interrupted') return EXIT.interrupted
  const failed = result.steps.find((s) => s.status === 'failed')
  return PRECONDITION_CODES.has(failed?.error?.code ?? '') ? EXIT.usage : EXIT.failed
}

/** Runs the CLI; resolves with the exit code. Never throws. */
export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  const ac = new AbortController()
  let cleaningUp: string[] | undefined
  const setCleaning = (what: string[] | undefined): void => void (cleaningUp = what)
  let signals = 0
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++
    if (signals === 1) {
      io.stderr(`\n${sig}: stopping the current step, then removing what this run created…\n`)
      ac.abort()
    } else if (cleaningUp !== undefined && signals === 2) {
      io.stderr(`\nstill cleaning up (${cleaningUp.join(', ')}); leaving now would leave it on the cluster. Press Ctrl-C again to leave anyway.\n`)
    } else {
      io.stderr(`\nleaving without finishing cleanup${cleaningUp ? `; left behind: ${cleaningUp.join(', ')}` : ''}.\n`)
      process.exit(EXIT.interrupted)
    }
  }
  const [command, ...rest] = argv
  const listen = command === 'run' || command === 'drift' || command === 'check' || command === 'lab'
  if (listen) {
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  }
  try {
    // `kubewalk run --help`, `lab up -h`: the one help text covers them (token has its own).
    if (['run', 'drift', 'check', 'list', 'lab'].includes(command ?? '') && rest.some((a) => a === '--help' || a === '-h')) {
      io.stdout(HELP)
      return EXIT.ok
    }
    switch (command) {
      case undefined:
        io.stderr(HELP)
        return EXIT.usage
      case 'help':
      case '--help':
      case '-h':
        io.stdout(HELP)
        return EXIT.ok
      case '--version':
      case 'version':
        io.stdout(`kubewalk ${await packageVersion()}\n`)
        return EXIT.ok
      case 'list':
        return await cmdList(rest, io)
      case 'run':
      case 'drift':
      case 'check':
        return await cmdRun(rest, io, ac.signal, setCleaning, command)
      case 'lab':
        return await cmdLab(rest, io, ac.signal, setCleaning)
      case 'token':
        return await cmdToken(rest, io)
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}; see kubewalk --help.`)
    }
  } catch (e) {
    const code = ac.signal.aborted ? EXIT.interrupted : e instanceof UsageError || e instanceof PreconditionError ? EXIT.usage : EXIT.failed
    const msg = e instanceof KubewalkError ? e.message : `unexpected error: ${errorMessage(e)}`
    io.stderr(`kubewalk: ${redact(msg)}${e instanceof LabError && e.logFile ? ` (log: ${e.logFile})` : ''}\n`)
    return code
  } finally {
    if (listen) {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }
}

async function packageVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises')
  const pkg = JSON.parse(await readFile(packagePath('package.json'), 'utf8')) as { version: string }
  return pkg.version
}
