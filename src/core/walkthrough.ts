// The walkthrough contract: a walkthrough is a value the engine runs. It declares its steps, its shell
// variables (and which are secret), its settings, its prose, its recordings and drift rules; the engine
// knows none of them by name. defineWalkthrough checks the whole value once, with one-line errors.
import { WalkthroughError } from './errors.js'
import type { DriftItem, DriftRule } from './drift.js'
import type { WalkthroughSection } from '../sources/prose.js'
import { stepProblem, type Cleanup, type KubeconfigCluster, type Setting, type Step, type StepOutput, type Var } from './step.js'

/** Where a walkthrough comes from, and what it was recorded on (the baseline for drift). */
export interface WalkthroughSource {
  title: string
  url?: string
  /** When it was published, YYYY-MM-DD. */
  date?: string
  /** The Kubernetes and kubectl versions its recordings show. */
  kubernetes?: string
  kubectl?: string
  /** The cluster its recordings name, and the time their tokens are judged at. */
  cluster?: KubeconfigCluster
  recordedAt?: Date
}

/** What a step leaves on the cluster that an instructor can see (`kubewalk class`). */
export interface Trace {
  /** The step whose work this shows. */
  step: string
  /** A read-only line run in a participant's namespace (through `kubectl -n "$KUBEWALK_NAMESPACE"`). */
  command: string
  /** Whether the output shows the step done. */
  done(output: StepOutput): boolean
}

/** What a walkthrough needs of the cluster and the machine, checked before its first step. */
export interface Requirements {
  /** The oldest Kubernetes server its lines work against, as MAJOR.MINOR ('1.24'). */
  kubernetes?: string
  /** Commands its lines run besides bash and kubectl, looked up on PATH ('curl'). */
  tools?: readonly string[]
  /** Objects in the run's namespace its lines expect, waited for (bounded) before the first step, as kubectl names them ('serviceaccount/default'). */
  objects?: readonly string[]
  /** Its lines run Pods: the cluster needs a Ready node (a lab has one with --node). */
  node?: boolean
  /** What its lines ask of the cluster beyond the API (a LoadBalancer, the metrics API, …), checked where it can be. */
  needs?: readonly Need[]
}

/** Something a walkthrough's lines ask of the cluster beyond the API. */
export type NeedKind = 'load-balancer' | 'metrics' | 'default-storage' | 'internet' | 'terminal'

export interface Need {
  kind: NeedKind
  /** Where the page asks for it (file:line). */
  at: string
  /** What there asks for it, in a few words (the line, or the object). */
  because: string
}

/** A walkthrough, as the engine sees it. */
export interface Walkthrough {
  /** Stable id, part of the CLI (`--walkthrough <id>`). */
  id: string
  title: string
  source?: WalkthroughSource
  /** Every shell variable its lines share. */
  vars: readonly Var[]
  steps: readonly Step<any>[]
  settings?: readonly Setting[]
  /** The prose, one section per step (shown by --interactive and the transcript). */
  prose?: () => WalkthroughSection[]
  /** What the source printed at each step, by step id, as the step's parser reads it. */
  recorded?: () => Record<string, StepOutput>
  /** How drift classifies this walkthrough's differences from its recordings (first match wins, before the engine's). */
  drift?: readonly DriftRule[]
  /** How drift compares one step's recorded value with its live one, where a path-by-path diff is not how to read it (undefined: the engine's diff and rules). */
  compare?(step: Step<any>, recorded: unknown, live: unknown): DriftItem[] | undefined
  /** What its steps leave on the cluster, for the instructor's board (`kubewalk class`). */
  traces?: readonly Trace[]
  /** What it needs before its first step; nothing is assumed beyond bash, kubectl and a reachable server. */
  requires?: Requirements
  /**
   * Changes its lines make to objects they did not create, as `kind/name` or `namespace/kind/name` with `*` for any
   * part (`node/*`, `serviceaccount/default`): the guard allows them, saves each object first, and cleanup restores it.
   */
  changes?: readonly string[]
}

/** A registry entry: enough to list and choose a walkthrough without loading it. */
export interface WalkthroughEntry {
  id: string
  title: string
  load(): Promise<Walkthrough>
}

const ID = /^[a-z0-9]+(-[a-z0-9]+)*$/

/** Everything wrong with a walkthrough, one sentence each (empty when it keeps the contract). */
export function walkthroughProblems(w: Walkthrough): string[] {
  const problems: string[] = []
  if (!ID.test(w.id)) problems.push(`id ${JSON.stringify(w.id)} is not lower-case words joined by '-'`)
  if (w.steps.length === 0) problems.push('it has no steps')
  const declared = new Map<string, Var>()
  for (const v of w.vars) {
    if (declared.has(v.name)) problems.push(`variable ${v.name} is declared twice`)
    // Pages use lower-case names too (`name=web`): any shell name is a variable.
    else if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.name)) problems.push(`variable ${JSON.stringify(v.name)} is not a shell name`)
    declared.set(v.name, v)
  }
  for (const s of w.settings ?? []) {
    if (!ID.test(s.name)) problems.push(`setting ${JSON.stringify(s.name)} is not lower-case words joined by '-'`)
    if (!(Number.isFinite(s.default) && s.default > 0)) problems.push(`setting ${s.name}: default must be a positive number, got ${s.default}`)
  }
  const ids = new Set<string>()
  const numbers = new Set<string>()
  const written = new Set<string>()
  const registered = new Set<Cleanup>()
  for (const step of w.steps) {
    const local = stepProblem(step)
    if (local) problems.push(local)
    if (ids.has(step.id)) problems.push(`step id ${step.id} is used twice`)
    if (numbers.has(step.number)) problems.push(`step number ${step.number} is used twice`)
    ids.add(step.id)
    numbers.add(step.number)
    const reads = [...step.reads, ...(typeof step.participantCheck === 'object' ? step.participantCheck.reads : [])]
    for (const v of reads) {
      if (declared.get(v.name) !== v) problems.push(`step ${step.id} reads ${v.name}, which the walkthrough does not declare`)
      else if (!written.has(v.name) && v.fromEnvironment === false)
        problems.push(`step ${step.id} reads ${v.name}, which no earlier step sets and the environment may not supply`)
    }
    if (step.writes !== undefined) {
      if (declared.get(step.writes.name) !== step.writes)
        problems.push(`step ${step.id} writes ${step.writes.name}, which the walkthrough does not declare`)
      written.add(step.writes.name)
    }
    if (step.deletes !== undefined && !registered.has(step.deletes))
      problems.push(`step ${step.id} deletes "${step.deletes.describe}", which no earlier step creates`)
    if (step.creates !== undefined) registered.add(step.creates.cleanup)
  }
  for (const t of w.traces ?? []) if (!ids.has(t.step)) problems.push(`a trace names step ${t.step}, which it does not have`)
  const req = w.requires
  if (req?.kubernetes !== undefined && !/^\d+\.\d+$/.test(req.kubernetes))
    problems.push(`requires.kubernetes must be MAJOR.MINOR (e.g. "1.27"), got ${JSON.stringify(req.kubernetes)}`)
  for (const tool of req?.tools ?? [])
    if (!/^[A-Za-z0-9._+-]+$/.test(tool)) problems.push(`requires.tools names commands, got ${JSON.stringify(tool)}`)
  for (const o of req?.objects ?? [])
    if (!/^[a-z0-9.-]+\/[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(o))
      problems.push(`requires.objects entries are kind/name as kubectl prints them (e.g. "configmap/settings"), got ${JSON.stringify(o)}`)
  for (const c of w.changes ?? [])
    if (!CHANGE.test(c)) problems.push(`changes entries are kind/name or namespace/kind/name (e.g. "node/*"), got ${JSON.stringify(c)}`)
  return problems
}

/** A declared change: kind/name or namespace/kind/name, each part a name in which `*` stands for any characters (the guard's glob). */
export const CHANGE = /^(?:[a-z0-9.*-]+\/)?[A-Za-z0-9.*-]+\/[a-z0-9.:*-]+$/

/** Identity helper for a walkthrough, checked whole: the first problem is a one-line WalkthroughError naming it. */
export function defineWalkthrough(w: Walkthrough): Walkthrough {
  const [first] = walkthroughProblems(w)
  if (first !== undefined) throw new WalkthroughError(`walkthrough ${w.id}: ${first}.`)
  return w
}

/** Settings with their defaults, overridden by what the user gave. */
export function settingsOf(w: Walkthrough, given: Readonly<Record<string, number>> = {}): Record<string, number> {
  return Object.fromEntries((w.settings ?? []).map((s) => [s.name, given[s.name] ?? s.default]))
}
