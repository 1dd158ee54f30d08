// What a kubectl line creates and deletes, as kubectl's own output says (`kind/name created`, `kind "name" deleted`).
// Whether a line may change an object at all is the guard's (src/engine/guard/), at kubectl's arguments.
import { parseAllDocuments } from 'yaml'
import { quote } from '../../platform/shell.js'
import type { Cleanup, StepOutput, Tracked } from '../../core/step.js'
import { firstLineOf, splitCommands } from './lines.js'

const CREATING = /^kubectl\s+(?:(?:-n|--namespace|--context|--kubeconfig)(?:=|\s+)\S+\s+)*(create|apply|run|expose|replace)\b/

/** The creating verb of a line that is one kubectl create/apply/run/expose/replace command, else undefined (`create token` stores nothing). */
export function creatingVerb(command: string): string | undefined {
  const m = CREATING.exec(command.trim())
  if (m === null || /^kubectl\s+(?:\S+\s+)*?create\s+token\b/.test(command.trim())) return undefined
  return m[1]
}

/** Whether any command of the block creates (so the report can say what it could not check beforehand). */
export function mayCreate(block: string): boolean {
  return splitCommands(block).some(
    (c) =>
      /\bkubectl\s+(?:\S+\s+)*?(?:create|apply|run|expose|replace)\b/.test(firstLineOf(c.text)) &&
      !/\bkubectl\s+(?:\S+\s+)*?create\s+token\b/.test(firstLineOf(c.text)),
  )
}

/** The `-n NS` / `--namespace NS` a kubectl line gives, if any. */
export function namespaceFlag(line: string): string | undefined {
  return /(?:^|\s)(?:-n|--namespace)(?:=|\s+)([a-z0-9][a-z0-9-]*)(?=\s|$)/.exec(line)?.[1]
}

/** `kind/name` of each `kind/name created` line (kubectl create, apply, run, expose). */
export function createdNames(text: string): string[] {
  return [...text.matchAll(/^([a-z0-9.-]+\/[a-z0-9][a-z0-9.:-]*) created\b/gm)].map((m) => m[1] as string)
}

/** `kind/name` of each `kind "name" deleted` line (kubectl delete; 1.37 adds "from NS namespace"). */
export function deletedNames(text: string): string[] {
  return [...text.matchAll(/^([a-z0-9.-]+) "([a-z0-9][a-z0-9.:-]*)" deleted\b/gm)].map((m) => `${m[1]}/${m[2]}`)
}

/** An object a manifest names: `kind/name` (lower-case kind, as kubectl names it), and its own namespace if it gives one. */
export interface ManifestObject {
  name: string
  namespace?: string
}

/** The objects in YAML manifests. */
export function manifestObjects(yaml: string): ManifestObject[] {
  const out: ManifestObject[] = []
  try {
    for (const doc of parseAllDocuments(yaml)) {
      if (!('errors' in doc) || doc.errors.length > 0) continue
      const v = doc.toJS() as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null
      if (typeof v?.kind !== 'string' || typeof v.metadata?.name !== 'string') continue
      out.push({
        name: `${v.kind.toLowerCase()}/${v.metadata.name}`,
        ...(typeof v.metadata.namespace === 'string' ? { namespace: v.metadata.namespace } : {}),
      })
    }
  } catch {
    // not a manifest
  }
  return out
}

/** The namespace a manifest gives `created` (kubectl's `kind[.group]/name`), if one of `objects` is it and gives one. */
export function manifestNamespace(created: string, objects: readonly ManifestObject[]): string | undefined {
  const [kind = '', name] = created.split('/')
  return objects.find((o) => o.name === `${kind.split('.')[0]}/${name}`)?.namespace
}

/** The cleanup of one created object (deleted in the namespace the line named, else the run's). */
export function deletion(name: string, ns: string | undefined): Cleanup {
  return {
    describe: ns ? `delete ${name} in namespace ${ns}` : `delete ${name}`,
    command: `kubectl delete ${quote(name)}${ns ? ` -n ${quote(ns)}` : ''} --ignore-not-found`,
    object: { name, ...(ns ? { namespace: ns } : {}) },
  }
}

/** What a kubectl line's output says it created and deleted (in the namespace its manifest gives, else the line's), plus cleanups an annotation declares. */
export function tracker(command: string, declared: readonly string[], manifests: readonly ManifestObject[] = []): (out: StepOutput) => Tracked {
  const ns = namespaceFlag(firstLineOf(command))
  const annotated = declared.map((c) => ({ describe: c, command: c }))
  const nsOf = (name: string): string | undefined => manifestNamespace(name, manifests) ?? ns
  return (out) => ({
    created: [...createdNames(out.stdout).map((n) => deletion(n, nsOf(n))), ...annotated],
    deleted: deletedNames(out.stdout).map((n) => deletion(n, nsOf(n)).describe),
  })
}
