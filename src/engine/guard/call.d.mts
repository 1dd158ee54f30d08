// Types of call.mjs (the guard's check of one changing call, shared by the hook and the kubewalk process).

/** A file argument the call reads once: its index in the argv, the `--filename=` prefix it had, the file. */
export interface ReadOnce {
  at: number
  prefix: string
  file: string
}

export declare function readOnce(argv: readonly string[], cwd: string): ReadOnce[]

/** The kubeconfig files a `kubectl config` call may write: its --kubeconfig, else each of KUBECONFIG's, else ~/.kube/config. */
export declare function kubeconfigFiles(argv: readonly string[], env: Record<string, string | undefined>, cwd: string): string[]

export interface GuardedCall {
  /** The real kubectl. */
  real: string
  /** Before the real call: a refusal (it must not run), a failed read (exit with it), or nothing (run it). */
  check(): Promise<{ refusal?: string; failed?: { status: number; stderr: string } }>
  /** After the real call (its exit status, when known): what it created and deleted, to the ledger. */
  record(status?: number): Promise<void>
}

export declare function guardCall(o: {
  state: string
  call: string[]
  input: Buffer | undefined
  env: Record<string, string | undefined>
  cwd: string
  /** The caller gone: the check's reads are killed and it rejects (it writes no refusal). */
  signal?: AbortSignal
  /** Each kubectl read's bound (none in the hook, whose line's timeout bounds it): a read with no answer is an error, never "not there". */
  timeoutMs?: number
  /**
   * Reads an object from the calling process (the object, null when it is not there, undefined for "ask kubectl"),
   * with the call's own kubeconfig and credentials: the kubewalk process's, where they allow it.
   */
  readDirect?: (ref: { kind: string; group: string; name: string; namespace?: string }) => Promise<object | null | undefined>
  /**
   * The objects a `create`, `apply` or `replace` from files names, each as it stands now (null: not there), read by the
   * calling process; undefined when it cannot tell (the server's dry run then says). Used only when each is new or the run's.
   */
  named?: () => Promise<{ ref: { kind: string; group: string; name: string; namespace?: string }; current: object | null }[] | undefined>
  /** The call as kubectl will run it under the user's kuberc (kuberc.mjs's kubectlView): decided on, and its reads run with it. */
  view?: { argv: string[]; env: Record<string, string | undefined> }
}): GuardedCall

/** A failure of the guard itself, as a refusal (before the call ran) or a notice (after): its message, also in the refusals file. */
export declare function broken(state: string, call: readonly string[], e: unknown, ran: boolean): string
