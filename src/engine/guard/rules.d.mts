// Types of rules.mjs (the guard's pure rules, plain JavaScript so the hook runs without a build).

/** How the guard learns what a call changes: `pass` runs the real kubectl at once. */
export type How = 'pass' | 'dry-json' | 'dry-select' | 'select' | 'kubeconfig'

/** An object's identity as the guard records it. */
export interface ObjectRef {
  kind: string
  /** API group, '' for the core group. */
  group: string
  name: string
  /** Absent for cluster-scoped objects. */
  namespace?: string
  uid?: string
  /** Set when the name is the server's to choose (the dry run's name is not the real one). */
  generateName?: string
}

/** An object as kubectl prints it with `-o json`. */
export interface KubeObject {
  apiVersion?: string
  kind: string
  metadata?: { name?: string; namespace?: string; uid?: string; generateName?: string; [k: string]: unknown }
  [k: string]: unknown
}

export interface Verdict {
  ref: ObjectRef
  action: 'allow' | 'record' | 'refuse'
  why: 'lab' | 'new' | 'own' | 'namespace' | 'declared' | 'not-own'
}

/** What decides ownership: the run's mode and the uids it created. */
export interface DecideContext {
  lab: boolean
  namespaces: readonly string[]
  allow: readonly string[]
  ownUids: Iterable<string>
}

export declare const VALUED: string[]
/** The single-letter flags of VALUED, by letter (pflag takes their value attached too: `-nfoo`). */
export declare const VALUED_SHORT: ReadonlySet<string>
export declare const CHANGING: Record<string, How>
export declare const CREATES_OR_DELETES: string[]
export declare function positionals(argv: readonly string[]): { word: string; at: number }[]
export declare function flagValue(argv: readonly string[], names: readonly string[]): string | undefined
export declare function hasFlag(argv: readonly string[], names: readonly string[]): boolean
export declare function classify(argv: readonly string[]): { verb: string | undefined; sub: string | undefined; how: How }
export declare function insertArgs(argv: readonly string[], flags: readonly string[]): string[]
export declare function holdsInput(argv: readonly string[]): boolean
export declare function dryRunArgv(argv: readonly string[], json: boolean): string[]
export declare function connectionFlags(argv: readonly string[]): string[]
export declare function selectionArgv(argv: readonly string[], c?: ReturnType<typeof classify>): string[] | undefined
export declare function jsonValues(text: string): unknown[]
export declare function objectsOf(text: string): KubeObject[]
export declare function refOf(o: KubeObject): ObjectRef
export declare function nameOf(ref: ObjectRef): string
export declare function placeOf(ref: ObjectRef): string
export declare function matches(pattern: string, ref: ObjectRef): boolean
export declare function decide(
  targets: readonly { ref: ObjectRef; current: KubeObject | null }[],
  ctx: DecideContext,
): { verdicts: Verdict[]; refusal: string | undefined }
export declare function refusalMessage(ref: ObjectRef, why?: string): string
export declare function noDryRun(stderr: string): boolean
export declare function restorable(o: KubeObject): KubeObject
export declare function fileArgs(argv: readonly string[]): { at: number; prefix: string; file: string }[]

/** The `kubectl config` subcommands that write a kubeconfig file. */
export declare const CONFIG_WRITES: readonly string[]
