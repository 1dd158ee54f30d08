/** Evidence of one finished command: what ran, how it ended, what it printed. */
export interface CommandEvidence {
  command: string
  exitCode: number | null
  signal: string | null
  stdout: string
  stderr: string
  durationMs: number
}

/** Base class: a fixed name, a string code, and a one-sentence message that says what to do. */
export class KubewalkError extends Error {
  override readonly name: string = 'KubewalkError'
  readonly code: string
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/** A command exited non-zero, was killed, or timed out. */
export class CommandError extends KubewalkError {
  override readonly name = 'CommandError'
  readonly evidence: CommandEvidence
  readonly timedOut: boolean
  constructor(message: string, evidence: CommandEvidence, options?: { cause?: unknown; timedOut?: boolean; code?: string }) {
    super(options?.code ?? (options?.timedOut ? 'E_TIMEOUT' : 'E_COMMAND'), message, options)
    this.evidence = evidence
    this.timedOut = options?.timedOut ?? false
  }
}

/** A command's output did not have the shape the step expects. */
export class ParseError extends KubewalkError {
  override readonly name = 'ParseError'
  readonly stepId: string
  readonly input: string
  /** The output is not of the expected kind at all (JSON where a table belongs): waiting will not change it. */
  readonly wrongShape: boolean
  constructor(stepId: string, message: string, input: string, options?: { cause?: unknown; wrongShape?: boolean }) {
    super('E_PARSE', `${stepId}: ${message}`, options)
    this.stepId = stepId
    this.input = input
    this.wrongShape = options?.wrongShape ?? false
  }
}

/** Bad arguments or a cluster that cannot run the walkthrough: exit code 2, nothing changed. */
export class UsageError extends KubewalkError {
  override readonly name = 'UsageError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_USAGE', message, options)
  }
}

/** The environment cannot run the replay (no kubectl, unreachable server, …): exit code 2. */
export class PreconditionError extends KubewalkError {
  override readonly name = 'PreconditionError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_PRECONDITION', message, options)
  }
}

/** The lab could not be built, started or stopped. */
export class LabError extends KubewalkError {
  override readonly name = 'LabError'
  readonly logFile?: string
  constructor(message: string, options?: { cause?: unknown; logFile?: string }) {
    super('E_LAB', message, options)
    if (options?.logFile !== undefined) this.logFile = options.logFile
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** A walkthrough (or one of its steps) breaks the contract: exit code 2, before anything touches a cluster. */
export class WalkthroughError extends KubewalkError {
  override readonly name = 'WalkthroughError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_WALKTHROUGH', message, options)
  }
}
