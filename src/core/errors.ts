/** Evidence of one finished command: what ran, how it ended, what it printed. */
export interface CommandEvidence {
  command: string
  exitCode: number | null
  signal: string | null
  stdout: string
  stderr: string
  durationMs: number
}

/** How a command ends: 0 done, 1 a step or cleanup failed, 2 usage or precondition (nothing changed), 130 interrupted. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const
type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/** Every error code kubewalk gives, and the exit code a command that ends on it exits with. */
export const ERROR_EXIT = {
  // Refused before anything changed: the invocation, the environment, the walkthrough, RBAC, a variable no one set.
  E_USAGE: EXIT.usage,
  E_PRECONDITION: EXIT.usage,
  E_WALKTHROUGH: EXIT.usage,
  E_FORBIDDEN: EXIT.usage,
  E_MISSING_VAR: EXIT.usage,
  E_COMMAND: EXIT.failed,
  E_TIMEOUT: EXIT.failed,
  E_PARSE: EXIT.failed,
  E_ASSERTION: EXIT.failed,
  E_UNREACHABLE: EXIT.failed,
  E_LAB: EXIT.failed,
  E_CLEANUP: EXIT.failed,
  E_CLOSED: EXIT.failed,
  E_FAILED: EXIT.failed,
  E_INTERNAL: EXIT.failed,
  // The run's shell could not be started or died before it answered.
  E_KERNEL: EXIT.failed,
  E_INTERRUPTED: EXIT.interrupted,
} as const satisfies Record<`E_${string}`, ExitCode>

/** The closed set of error codes. */
export type ErrorCode = keyof typeof ERROR_EXIT

/** The exit code for an error code; a code from elsewhere (an older report) is a failure. */
export function exitCodeFor(code: string | undefined): ExitCode {
  return code !== undefined && Object.hasOwn(ERROR_EXIT, code) ? ERROR_EXIT[code as ErrorCode] : EXIT.failed
}

/** Base class: a fixed name, a typed code, and a one-sentence message that says what to do. */
export class KubewalkError extends Error {
  override readonly name: string = 'KubewalkError'
  readonly code: ErrorCode
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/** A command exited non-zero, was killed, or timed out. */
export class CommandError extends KubewalkError {
  override readonly name = 'CommandError'
  readonly evidence: CommandEvidence
  readonly timedOut: boolean
  constructor(message: string, evidence: CommandEvidence, options?: { cause?: unknown; timedOut?: boolean; code?: ErrorCode }) {
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
