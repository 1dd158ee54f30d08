// What the guard wrote while a run's lines ran: objects created and deleted (kubewalk deletes what is
// still there at cleanup), declared changes to objects the run did not make (restored at cleanup from
// the state saved before), and refusals (each fails its step with exit 2, even inside a pipe or list).
import { statSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { quote } from '../../platform/shell.js'
import type { Cleanup } from '../../core/step.js'
import { commandsOf } from '../waits/argv.js'
import { nameOf, placeOf, type ObjectRef } from './rules.mjs'

/** Where a call talked to: the kubeconfig (its `--kubeconfig`, else `KUBECONFIG`) and its `--context`, when it gave them. */
export interface CallTarget {
  kubeconfig?: string
  context?: string
}

/** An object a kubectl call created or deleted. */
export interface LedgerObject extends ObjectRef, CallTarget {
  uid: string
  verb: string
  at: string
}

/** An object the run changed by declaration (`--allow-changes`, a walkthrough's declared changes), with its state before. */
export interface ChangedObject extends LedgerObject {
  /** The object as it was, without uid, version or status: what `replace` (or `create`, if the run deleted it) sends back. */
  file: string
  deleting: boolean
}

/** A call the guard refused. */
export interface Refusal {
  message: string
  argv: string[]
  object?: ObjectRef
  at: string
}

export interface Ledger {
  created: LedgerObject[]
  deleted: LedgerObject[]
  changed: ChangedObject[]
  refusals: Refusal[]
}

type Entry = ({ type: 'created' | 'deleted' } & LedgerObject) | ({ type: 'changed' } & ChangedObject) | ({ type: 'refusal' } & Refusal)

async function lines(file: string): Promise<Entry[]> {
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return ''
    throw e
  })
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Entry)
}

/** Everything the guard recorded in a run, in order. */
export async function readLedger(stateDir: string): Promise<Ledger> {
  const ledger: Ledger = { created: [], deleted: [], changed: [], refusals: [] }
  for (const { type, ...e } of await lines(join(stateDir, 'ledger.jsonl'))) {
    if (type === 'refusal') ledger.refusals.push(e as Refusal)
    else if (type === 'changed') ledger.changed.push(e as ChangedObject)
    else ledger[type].push(e as LedgerObject)
  }
  return ledger
}

/** The refusals since the last call, emptied (read after each line: any refusal fails that line's step with exit 2). */
export async function takeRefusals(stateDir: string): Promise<Refusal[]> {
  const file = join(stateDir, 'refusals')
  // Asked after every line, and almost always empty: a stat, not a read queued behind the thread pool's other work.
  if ((statSync(file, { throwIfNoEntry: false })?.size ?? 0) === 0) return []
  const found = (await lines(file)).map(({ type: _, ...e }) => e as Refusal)
  if (found.length > 0) await writeFile(file, '')
  return found
}

/** The kubectl plugins the line's calls ran (`kubectl-foo`), each once, and forgets them. */
export async function takePlugins(stateDir: string): Promise<string[]> {
  const file = join(stateDir, 'plugins')
  if ((statSync(file, { throwIfNoEntry: false })?.size ?? 0) === 0) return []
  const found = [...new Set((await readFile(file, 'utf8')).split('\n').filter((l) => l !== ''))]
  await writeFile(file, '')
  return found
}

function targetFlags(t: CallTarget, except?: string): string {
  const kubeconfig = t.kubeconfig !== undefined && t.kubeconfig !== except ? t.kubeconfig : undefined
  return `${kubeconfig ? ` --kubeconfig ${quote(kubeconfig)}` : ''}${t.context ? ` --context ${quote(t.context)}` : ''}`
}

/** The run's created objects not deleted since (by uid), newest first: what cleanup deletes. */
export function leftOver(ledger: Ledger): LedgerObject[] {
  const gone = new Set(ledger.deleted.map((d) => d.uid))
  return ledger.created.filter((c) => !gone.has(c.uid)).reverse()
}

/**
 * Whether a cleanup command already deletes this object: it names it word for word, as `kind/name` or as a kind
 * word and the name (`secret app`), and no other namespace. A word merely containing the name
 * (`app-config` for `app`) is not it: taking it for one would leave the object on the cluster.
 */
export function deletesObject(command: string, o: ObjectRef): boolean {
  const kind = o.kind.toLowerCase()
  const plural = kind.endsWith('s') ? `${kind}es` : kind.endsWith('y') ? `${kind.slice(0, -1)}ies` : `${kind}s`
  const kinds = new Set([kind, plural, ...(o.group ? [`${kind}.${o.group}`, `${plural}.${o.group}`] : [])])
  return commandsOf(command).some((words) => {
    const lower = words.map((w) => w.toLowerCase())
    const at = lower.findIndex((w) => w === '-n' || w === '--namespace')
    const ns = at >= 0 ? words[at + 1] : words.find((w) => w.startsWith('--namespace='))?.slice('--namespace='.length)
    if (ns !== undefined && o.namespace !== undefined && ns !== o.namespace) return false
    const slashed = words.some((w) => {
      const cut = w.indexOf('/')
      return (
        cut > 0 &&
        w.slice(cut + 1) === o.name &&
        w
          .slice(0, cut)
          .split(',')
          .some((k) => kinds.has(k.toLowerCase()))
      )
    })
    return slashed || (words.includes(o.name) && lower.some((w) => w.split(',').some((k) => kinds.has(k))))
  })
}

/**
 * Deletes an object the run created, on the cluster the call used, only while it is the same object (its uid): another
 * one of that name is not the run's. `runCopy`: the run's own copy of the kubeconfig, gone after the run; the command
 * shown (to run by hand, when the cleanup fails) leaves it out for the user's own kubeconfig, which it copies.
 */
export function deletionCommand(o: LedgerObject, runCopy?: string): Cleanup {
  const object = `${quote(nameOf(o))}${o.namespace ? ` -n ${quote(o.namespace)}` : ''}`
  const args = `${object}${targetFlags(o)}`
  return {
    describe: `delete ${placeOf(o)}`,
    command: `kubectl delete ${object}${targetFlags(o, runCopy)} --ignore-not-found --wait=false`,
    script: `uid=$(kubectl get ${args} --ignore-not-found -o jsonpath='{.metadata.uid}') || exit; [ "$uid" != ${quote(o.uid)} ] || kubectl delete ${args} --ignore-not-found --wait=false`,
  }
}

/**
 * Restores each declared change, last change first: the saved object goes back with `replace` (its
 * labels, annotations and spec as they were), or with `create` when the run deleted it.
 */
export function restoreCommands(changed: readonly ChangedObject[]): Cleanup[] {
  return [...changed].reverse().map((c) => ({
    describe: `restore ${placeOf(c)} as it was before the run`,
    command: `kubectl ${c.deleting ? 'create' : 'replace'} -f ${quote(c.file)}${targetFlags(c)}`,
  }))
}
