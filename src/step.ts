// The Step type and defineStep. A step is data: the article's line, what it reads and writes, how to
// parse what it prints and what to check. The runner does everything else.

/** The article's shell variables, the only state its command lines share. */
export type VarName = 'CLUSTER_NAME' | 'APISERVER' | 'TOKEN'
export type Vars = Partial<Record<VarName, string>>

/** One check on a step's result. */
export interface Assertion {
  name: string
  ok: boolean
  expected?: unknown
  actual?: unknown
  /** When this check fails the cluster is not fit for the replay (exit 2); says why, in a sentence. */
  precondition?: string
}

/** What a command printed, and the variable the line assigned (for `TOKEN=$(…)` lines). */
export interface StepOutput {
  stdout: string
  stderr: string
  exitCode: number | null
  /** Value of the step's `writes` variable after the line ran. */
  captured?: string
}

/** One cluster as the kubeconfig names it. */
export interface KubeconfigCluster {
  name: string
  server: string
}

/** Read-only facts every step may use. */
export interface StepContext {
  /** The article's variables as they stand before this step. */
  vars: Readonly<Vars>
  /** The cluster the run targets (the current context's, or --cluster). */
  cluster: KubeconfigCluster
  /** Every cluster the kubeconfig lists, in its order. */
  clusters: readonly KubeconfigCluster[]
  /** The token lifetime a stock API server gives when none is asked for. */
  expectedTokenLifetimeSeconds: number
  /** Parsed values of earlier steps in this run, by step id. */
  values: ReadonlyMap<string, unknown>
  /** The time to judge token expiry by (the article's recordings are judged at their own time). */
  now: Date
}

/** Something a step created that must be removed if the run ends early. */
export interface CleanupSpec {
  /** Identifies the object, so a later step that deletes it can settle it. */
  key: string
  describe: string
  command: string
}

/** How `kubewalk check` verifies a participant's own work: a read-only line and its checks. */
export interface Exercise<V = any> {
  command: string
  reads: readonly VarName[]
  /** Secret values in what the line printed, for masking. */
  secrets?(output: StepOutput): string[]
  parse(output: StepOutput, ctx: StepContext): V
  check(value: V, ctx: StepContext): Assertion[]
}

/** A step of the article. */
export interface Step<T = unknown> {
  /** Stable id, part of the CLI (`--only call-api`). */
  id: string
  /** Two-digit position in the article. */
  number: string
  title: string
  /** The article's command line; a function only where the article leaves a value to the reader. */
  command: string | ((ctx: Pick<StepContext, 'cluster'>) => string)
  /** The line with the cluster's CA (`--cacert`) in place of `--insecure`, for --strict-tls. */
  strictTlsCommand?: string
  /** Variables the line expands; the runner refuses to run it without them. */
  reads: readonly VarName[]
  /** The variable the line assigns (`TOKEN=$(…)`). */
  writes?: VarName
  /** Turns output into a typed value; throws ParseError on output it cannot read. */
  parse(output: StepOutput, ctx: StepContext): T
  /** The article's expectations about that value. */
  check(value: T, ctx: StepContext): Assertion[]
  /**
   * Runs before the line: a command whose output can refuse the step (a PreconditionError, exit 2)
   * because running it would touch something this run does not own.
   */
  guard?: { command: string; refuse(output: StepOutput): string | undefined }
  /** Eventual consistency: rerun the line until the checks pass, at most this long. */
  wait?: { for: string; timeoutMs: number; intervalMs: number }
  /** Cleanup to register once the line reports it created something. */
  cleanup?: CleanupSpec & { when(output: StepOutput): boolean }
  /** Secret values in what the line printed (beyond tokens, which are found by shape), for masking. */
  secrets?(output: StepOutput): string[]
  /**
   * For `kubewalk check <id>`: 'self' when the step changes nothing on the cluster (running it is the
   * check), else a read-only exercise that looks at what the participant did, never doing it for them.
   */
  exercise?: 'self' | Exercise
  /** What to try when a participant's check fails. */
  hint?: string
  /** Key of a cleanup this step performs itself when it passes. */
  settles?: string
}

/** Identity helper: exists so TypeScript infers T from parse() and checks check() against it. */
export function defineStep<T>(step: Step<T>): Step<T> {
  return step
}

/** Resolves a step's command line for a cluster, and its --strict-tls variant when asked. */
export function commandOf(step: Step<unknown>, ctx: Pick<StepContext, 'cluster'>, opts: { strictTls?: boolean } = {}): string {
  if (opts.strictTls && step.strictTlsCommand !== undefined) return step.strictTlsCommand
  return typeof step.command === 'function' ? step.command(ctx) : step.command
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
