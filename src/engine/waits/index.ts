// Waits a reader does by eye, before a line that reads a Pod the run created: the runner's one entry point here.
import type { Cleanup } from '../../core/step.js'
import { firstLine } from '../../core/text.js'
import { quote } from '../../platform/shell.js'
import type { Kernel, LineOptions } from '../kernel.js'
import type { LedgerObject } from '../guard/ledger.js'
import { podReads, type PodRead } from './argv.js'
import { waitForPod, type Getter, type PodWait } from './pod.js'

export type { PodRead } from './argv.js'
export { waitNote, type PodWait } from './pod.js'

/** How long a line that reads a Pod the run created waits for it by default (--wait sets it). */
export const POD_WAIT_MS = 30_000

/** Reads objects through the run's shell, as its lines would (its kubectl, kubeconfig copy, context); a failed read never ends the shell (`|| :`). */
export function kernelGetter(kernel: Pick<Kernel, 'run'>, line: Pick<LineOptions, 'timeoutMs' | 'signal'>): Getter {
  return async (args) => {
    const r = await kernel.run(`kubectl get ${args.map((a) => quote(a)).join(' ')} -o json || :`, line)
    if (r.stdout.trim() !== '') {
      try {
        return { found: JSON.parse(r.stdout) as unknown }
      } catch {
        return { error: 'its answer was not JSON' }
      }
    }
    if (/\bNotFound\b|\bnot found\b/.test(r.stderr)) return { missing: true }
    return { error: firstLine(r.stderr) || (r.timedOut ? 'no answer' : 'no output') }
  }
}

/** What the run knows it created: its pending cleanups, and the objects the guard saw its lines create. */
export interface RunObjects {
  cleanups: Iterable<Pick<Cleanup, 'describe' | 'command'>>
  ledger?: readonly Pick<LedgerObject, 'kind' | 'name' | 'namespace'>[]
}

// Kinds whose Pods are named after them (`web-7d9c…-x2k4q`, `pi-abcde`): a Pod of one the run created is the run's.
const OWNERS = ['deployment', 'replicaset', 'statefulset', 'daemonset', 'job', 'cronjob', 'replicationcontroller']

/** Whether the object a line reads is one the run created (or a Pod of a workload it created). */
export function createdByRun(read: Pick<PodRead, 'kind' | 'name' | 'namespace'>, known: RunObjects): boolean {
  const texts = [...known.cleanups].map((c) => `${c.describe}\n${c.command}`.toLowerCase())
  const ledger = known.ledger ?? []
  const named = (kind: string, name: (n: string) => boolean): boolean => {
    const re = new RegExp(`\\b${kind}s?(?:\\.[a-z0-9.-]+)?(?:/|\\s+)([a-z0-9][a-z0-9.-]*)`, 'g')
    if (texts.some((t) => [...t.matchAll(re)].some((m) => name(m[1] as string)))) return true
    return ledger.some(
      (o) =>
        o.kind.toLowerCase() === kind &&
        name(o.name) &&
        (read.namespace === undefined || o.namespace === undefined || o.namespace === read.namespace),
    )
  }
  if (named(read.kind, (n) => n === read.name)) return true
  return read.kind === 'pod' && OWNERS.some((k) => named(k, (n) => read.name.startsWith(`${n}-`)))
}

// Cheap test before reading the line's words: most lines read no Pod.
const READS_POD = /\bkubectl\b[^\n]*\s(?:logs|exec|attach|port-forward)\s/

/** Whether a line may read a Pod (a cheap look at its text: nothing is read from the shell for the other lines). */
export const mayReadPod = (line: string): boolean => READS_POD.test(line)

/** The `$NAME`s a line refers to, to read their values from the shell before reading its words. */
export function variablesIn(line: string): string[] {
  return [...new Set([...line.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] as string))]
}

export interface LineWaitOptions {
  /** The line's variables (the run's, and the shell's for the names `variablesIn` gives). */
  vars: Readonly<Record<string, string | undefined>>
  known: RunObjects
  get: Getter
  /** The bound for each Pod (--wait). */
  timeoutMs: number
  signal?: AbortSignal
  onWaiting?: (attempt: number, elapsedMs: number, awaited: string) => void
}

/** The Pod reads of a line that wait: those of objects the run created, each once. */
export function readsToWaitFor(line: string, vars: LineWaitOptions['vars'], known: RunObjects): PodRead[] {
  if (!mayReadPod(line)) return []
  const seen = new Set<string>()
  return podReads(line, vars).filter((r) => {
    const key = `${r.verb === 'logs' ? 'logs' : 'run'} ${r.namespace ?? ''} ${r.kind}/${r.name} ${r.container ?? ''}`
    if (seen.has(key) || !createdByRun(r, known)) return false
    seen.add(key)
    return true
  })
}

/** Waits, one Pod after the other, before a line that reads Pods the run created; what each wait did. */
export async function waitBeforeLine(line: string, o: LineWaitOptions): Promise<PodWait[]> {
  const out: PodWait[] = []
  for (const read of readsToWaitFor(line, o.vars, o.known)) {
    out.push(
      await waitForPod(read, {
        get: o.get,
        timeoutMs: o.timeoutMs,
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.onWaiting ? { onWaiting: o.onWaiting } : {}),
      }),
    )
    if (o.signal?.aborted === true) break
  }
  return out
}
