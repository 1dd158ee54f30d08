// The Step type and its helpers. A step is data: a command line, the variables it reads and writes,
// how to parse what it prints and what to check. The runner does everything else. Nothing here knows
// a particular walkthrough: variables and cleanups are values a walkthrough declares and its steps share.
import { WalkthroughError } from './errors.js'

/** A shell variable a walkthrough's lines share (`X=$(…)` in one, `$X` in a later one). */
export interface Var<N extends string = string> {
  readonly name: N
  /** Its values are masked wherever kubewalk prints or writes them (unless --show-secrets). */
  readonly secret: boolean
  /** One line for --help and `kubewalk list`. */
  readonly describe: string
  /** false when only an earlier step may set it; by default a user's exported value seeds a step run alone. */
  readonly fromEnvironment?: boolean
  /**
   * 'server-url': it holds an API server's URL. A value exported by the user must then be the target
   * cluster's server when the run sets a secret variable, or a token minted here would go elsewhere.
   */
  readonly holds?: 'server-url'
}

/** Identity helper for a variable declaration. */
export function defineVar<const N extends string>(v: Var<N>): Var<N> {
  return v
}

/** Variable values by name, as they stand at some point in a run. */
export type Vars = Record<string, string | undefined>

/** Something a step may create that must be removed if the run ends before a later step removes it. */
export interface Cleanup {
  readonly describe: string
  /** The command that removes it (runs in the run's environment, so in the run's namespace); shown to the user when it fails. */
  readonly command: string
  /** The script that runs instead of `command` when it says more on failure (e.g. why it is still there). */
  readonly script?: string
  /** Its own limit, when removing it may take longer than a command (a namespace's finalizers). */
  readonly timeoutMs?: number
  /**
   * The one object it removes, as kubectl named it when it said it created it (`configmap/app`, `deployment.apps/web`),
   * with the namespace the line gave, if any: where the guard recorded that object (its namespace, kubeconfig, context
   * and uid), the run deletes it from that record instead.
   */
  readonly object?: { readonly name: string; readonly namespace?: string }
}

/** Identity helper for a cleanup declaration; steps link to it by reference (`creates.cleanup`, `deletes`). */
export function defineCleanup(c: Cleanup): Cleanup {
  return c
}

/** A number a walkthrough's checks depend on that a user may change (`--token-lifetime 7200`). */
export interface Setting {
  /** The flag's name without dashes, and the key in `ctx.settings`. */
  readonly name: string
  readonly describe: string
  readonly default: number
}

/** One check on a step's result. */
export interface Assertion {
  name: string
  ok: boolean
  expected?: unknown
  actual?: unknown
  /** When this check fails the cluster is not fit for the replay (exit 2); says why, in a sentence. */
  precondition?: string
}

/** What a command printed, and the variable the line assigned (for `X=$(…)` lines). */
export interface StepOutput {
  stdout: string
  stderr: string
  exitCode: number | null
  /** Value of the step's `writes` variable after the line ran; absent when the line never got to set it. */
  captured?: string
  /** A block's commands, each as it ran on its own, in order (absent for a single command). */
  parts?: readonly CommandOutput[]
}

/** What one command of a block printed, and how it ended. */
export interface CommandOutput {
  command: string
  stdout: string
  stderr: string
  exitCode: number | null
}

/** One cluster as the kubeconfig names it. */
export interface KubeconfigCluster {
  name: string
  server: string
  /** The name the server's certificate is checked against, when not the server's host (`tls-server-name`). */
  tlsServerName?: string
  /** The proxy kubectl reaches the server through (`proxy-url`). */
  proxyUrl?: string
}

/** Read-only facts every step may use. */
export interface StepContext {
  /** The walkthrough's variables as they stand before this step. */
  vars: Readonly<Vars>
  /** The cluster the run targets (the current context's, or --cluster). */
  cluster: KubeconfigCluster
  /** Every cluster the kubeconfig lists, in its order. */
  clusters: readonly KubeconfigCluster[]
  /** The namespace the run's kubectl lines act in (the context's, else `default`). */
  namespace: string
  /** The walkthrough's settings, defaults overridden by flags. */
  settings: Readonly<Record<string, number>>
  /** Parsed values of earlier steps in this run, by step id. */
  values: ReadonlyMap<string, unknown>
  /** The time to judge expiry by (recordings are judged at their own time). */
  now: Date
}

/** How `kubewalk check` verifies a participant's own work: a read-only line and its checks. */
export interface ParticipantCheck<V = unknown> {
  command: string
  reads: readonly Var[]
  /** Secret values in what the line printed, for masking. */
  secrets?(output: StepOutput): string[]
  parse(output: StepOutput, ctx: StepContext): V
  check(value: V, ctx: StepContext): Assertion[]
  /** Eventual consistency the participant's work may still be settling into (kept short by `check`). */
  wait?: StepWait
}

/** Rerun the line until its checks pass, at most this long. */
export interface StepWait {
  /** What is awaited, for the message when it does not come ("the token controller to fill …"). */
  for: string
  timeoutMs: number
  intervalMs: number
}

/** A line whose output can refuse the step before it runs (exit 2): it would touch what the run does not own. */
export interface Guard {
  /** A command that only reads what stands in the step's way: it may run beside the line before, when that line only reads too. */
  command: string
  /** The reason to refuse, in a sentence without the final period, or undefined to go on. */
  refuse(output: StepOutput, ctx: StepContext): string | undefined
}

/** What a step's command line may depend on: the target, the variables as they stand and what earlier steps of the run made of their output (absent for a listing). */
export type CommandContext = Pick<StepContext, 'cluster' | 'namespace'> & { vars?: Readonly<Vars>; values?: StepContext['values'] }

/** A file a step's line uses (`kubectl apply -f pod.yaml`), by its name relative to the scratch folder. */
export interface StepFile {
  name: string
  /** The file's text, or made for the run from its values (a page's `<placeholder>` given with --set). */
  content: string | ((ctx: CommandContext) => string)
}

/** A step that stays running; the run goes on once it is ready. */
export interface Background {
  /** Ready once its output shows this text; else once `port` answers on loopback; else at its first output line. */
  ready?: string
  port?: number
  /** Ready once what it printed so far is enough (a watch whose output covers the recording). */
  shows?(output: StepOutput): boolean
  /** How long to wait for it to be ready (default: the run's limit for one command, --timeout). */
  timeoutMs?: number
}

/** A line that does not end by itself (`kubectl get pods -w`, `kubectl logs -f`): run a while, then stopped; what it printed is its answer. */
export interface Watch {
  /** How long it runs at most (kept within the run's limit for one command). */
  forMs: number
  /** Whether what it printed so far is enough (covers the recording): it is stopped then, before forMs. */
  enough?(output: StepOutput): boolean
  /** It waits for objects to reach a state (a Pod to run): the run's bound for waits (--wait) sets forMs when given. */
  awaits?: true
}

/** What one line's output says it created (cleanups, keyed by `describe`) and deleted (their `describe`s). */
export interface Tracked {
  created: Cleanup[]
  deleted: string[]
}

/** A step of a walkthrough. */
export interface Step<T = unknown> {
  /** Stable id, part of the CLI (`--only <id>`). */
  id: string
  /** Two-digit position in the walkthrough. */
  number: string
  title: string
  /** The command line; a function only where the prose leaves a value to the reader. */
  command: string | ((ctx: CommandContext) => string)
  /**
   * The line with the cluster's CA (`--cacert "$KUBEWALK_CACERT"`) in place of `--insecure`, for --strict-tls.
   * When the cluster sets tls-server-name, its program (the first word) is wrapped: URLs on the server
   * name tls-server-name instead, with curl's `--connect-to` to the server's address.
   */
  strictTlsCommand?: string
  /** Variables the line expands; the runner refuses to run it without them. */
  reads: readonly Var[]
  /** The variable the line assigns (`X=$(…)`). */
  writes?: Var
  /** Turns output into a typed value; throws ParseError on output it cannot read. */
  parse(output: StepOutput, ctx: StepContext): T
  /** The expectations about that value. */
  check(value: T, ctx: StepContext): Assertion[]
  guard?: Guard
  /**
   * Exit codes that are an answer rather than a failure (`kubectl auth can-i` exits 1 for "no"); default [0].
   * A non-zero one is an answer only when the line printed something on standard output; with nothing
   * there it is the failure its standard error says (can-i's Forbidden on --as is not a "no").
   */
  exitCodes?: readonly number[]
  /** Exit codes the author declared answers (a Markdown `exit N`): an answer whichever stream it went to. */
  answerCodes?: readonly number[]
  /**
   * An error the walkthrough shows as the line's answer (a Forbidden its recording expects): a non-zero exit
   * whose output (one command's, standard error then standard output) this accepts is an answer, not a failure.
   */
  answersWithError?(text: string): boolean
  /** Eventual consistency: rerun the line until the checks pass, at most this long. */
  wait?: StepWait
  /** What the line creates: its cleanup is registered once `createdIf` finds the output says so (or the line was cut short). */
  creates?: { cleanup: Cleanup; createdIf(output: StepOutput): boolean }
  /** What an earlier step created and this step deletes itself: its cleanup is done once this step passes. */
  deletes?: Cleanup
  /** Secret values in what the line printed (beyond secret variables and tokens found by shape), for masking. */
  secrets?(output: StepOutput): string[]
  /** Files written into the run's scratch folder (its working directory) before the line runs. */
  files?: readonly StepFile[]
  /** More variables the line assigns (a block of several commands), read back after it like `writes`. */
  sets?: readonly Var[]
  /**
   * A block of several commands: the 0-based line where each starts. Each runs on its own in the run's shell,
   * in order, as a reader pasting the block sees each one end; one that fails (not an answer) fails the step
   * there. parse gets all they printed (`parts`, command by command).
   */
  blockCommands?: readonly number[]
  /** The line runs until stopped (a watch): it runs this long at most, then stops, and is judged on what it printed. */
  watch?: Watch
  /** The line keeps running while later steps run (`cmd &`); stopped at the end of the run. */
  background?: Background
  /** Objects the output says the line created and deleted (kubectl's `kind/name created`): cleaned up unless deleted later. */
  tracks?(output: StepOutput): Tracked
  /**
   * Where `tracks` learns what the line created, in a few words for `run --dry-run`, which runs nothing
   * (`kubectl's "kind/name created"`, a declared cleanup). Absent: the line creates nothing it tracks.
   */
  tracksCreated?: string
  /** What standard error holds when it is a log rather than a complaint (a transcript folds it under this label). */
  stderrLabel?: string
  /**
   * For `kubewalk check <id>`: 'rerun' when the step changes nothing on the cluster (running it again is
   * the check), else a read-only check that looks at what the participant did, never doing it for them.
   */
  participantCheck?: 'rerun' | ParticipantCheck<any>
  /** What the report says about the step beyond its checks (what it does not check, and why), one sentence each. */
  notes?: readonly string[]
  /** What to try when a participant's check fails. */
  hint?: string
  /**
   * Typed inside a container's shell (a docs page's `/ # ls` after `kubectl exec -it POD -- sh`): the line runs
   * in the run's session in that container (`kubectl exec -i`, one per container), never on the host.
   */
  container?: StepContainer
  /** Not run unattended, for this reason (it opens an editor, it waits for the reader's keys): reported as skipped with it. */
  manual?: string
}

/** The container a step's line is typed in. */
export interface StepContainer {
  pod: string
  container?: string
}

const STEP_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/

/** What is wrong with a step on its own (id, number, waits), or undefined. */
export function stepProblem(step: Step<any>): string | undefined {
  if (!STEP_ID.test(step.id)) return `step id ${JSON.stringify(step.id)} is not lower-case words joined by '-'`
  if (!/^\d{2}$/.test(step.number)) return `step ${step.id}: number ${JSON.stringify(step.number)} is not two digits`
  for (const f of step.files ?? []) {
    if (f.name === '' || f.name.startsWith('/') || f.name.split('/').includes('..'))
      return `step ${step.id}: file ${JSON.stringify(f.name)} must be a path inside the run's scratch folder`
  }
  const waits = [
    ['wait', step.wait],
    ['participantCheck.wait', typeof step.participantCheck === 'object' ? step.participantCheck.wait : undefined],
  ] as const
  for (const [what, wait] of waits) {
    if (wait === undefined) continue
    for (const key of ['timeoutMs', 'intervalMs'] as const) {
      if (!(Number.isFinite(wait[key]) && wait[key] > 0))
        return `step ${step.id}: ${what}.${key} must be a positive number of milliseconds, got ${wait[key]}`
    }
  }
  return undefined
}

/**
 * Identity helper: exists so TypeScript infers T from parse() and checks check() against it. A step
 * that is wrong on its own (id, number, a non-positive wait) is a one-line WalkthroughError.
 */
export function defineStep<T>(step: Step<T>): Step<T> {
  const problem = stepProblem(step as Step<any>)
  if (problem !== undefined) throw new WalkthroughError(`${problem}.`)
  return step
}

/** The parsed value an earlier step of this run produced, typed by that step (undefined when it did not run). */
export function valueOf<T>(ctx: Pick<StepContext, 'values'>, step: Step<T>): T | undefined {
  return ctx.values.get(step.id) as T | undefined
}

/** Resolves a step's command line for a cluster, and its --strict-tls variant when asked. */
export function commandOf(step: Step<any>, ctx: CommandContext, opts: { strictTls?: boolean } = {}): string {
  if (opts.strictTls && step.strictTlsCommand !== undefined) return step.strictTlsCommand
  return typeof step.command === 'function' ? step.command(ctx) : step.command
}

/** A file's text for this run. */
export function fileContent(file: StepFile, ctx: CommandContext): string {
  return typeof file.content === 'function' ? file.content(ctx) : file.content
}

/** An assertion that two values are equal (compared as JSON, so arrays and objects work). */
export function equal(name: string, expected: unknown, actual: unknown): Assertion {
  return { name, ok: JSON.stringify(expected) === JSON.stringify(actual), expected, actual }
}

/** An assertion on a condition, with the value it looked at. */
export function truthy(name: string, ok: boolean, actual?: unknown, expected?: unknown): Assertion {
  const a: Assertion = { name, ok }
  if (expected !== undefined) a.expected = expected
  if (actual !== undefined) a.actual = actual
  return a
}
