// What a `kubectl apply|create|replace -f` call would touch, read by the kubewalk process instead of a server dry run
// (a kubectl start, ~30 ms of a core, on the path of the line): when every object its input names is a built-in kind
// given by name (BUILT_IN_KINDS), the objects it touches are those, in the namespace kubectl would use. Anything this reading is not sure
// of (a kind it does not know, a folder, a URL, `-k`, a name YAML 1.1 would not read as text, two namespaces) is the
// dry run's, as before.
import { readFileSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { BUILT_IN_KINDS } from '../../platform/direct-read.js'
import { classify, fileArgs, flagValue, hasFlag, positionals } from './rules.mjs'

/** An object a call names: kind, API group, name, and namespace (none when cluster-scoped). */
export interface NamedRef {
  kind: string
  group: string
  name: string
  namespace?: string
}

// Flags after which the objects touched are not just the input's named objects, or the input is not read as given.
const OTHER_INPUT = ['-k', '--kustomize', '--raw', '--subresource', '--prune-allowlist']

/** The bytes of each `-f` input of a call: the buffered stdin for `-`, a regular file's content; undefined for any other. */
function inputsOf(argv: readonly string[], input: Buffer | undefined, cwd: string): string[] | undefined {
  const files = fileArgs(argv)
  if (files.length === 0) return undefined
  const out: string[] = []
  for (const { file } of files) {
    if (file === '-') {
      if (input === undefined) return undefined
      out.push(input.toString('utf8'))
      continue
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file)) return undefined
    try {
      const path = resolve(cwd, file)
      if (!statSync(path).isFile()) return undefined
      out.push(readFileSync(path, 'utf8'))
    } catch {
      return undefined
    }
  }
  return out
}

/**
 * The objects an `apply`, `create` or `replace` from files (no sub-verb) names, in the namespace kubectl would send
 * each to: the manifest's own, else `-n`, else the context's (`contextNamespace`), else `default`. Undefined when this
 * reading is not sure: the caller then asks the server's dry run.
 */
export function namedRefs(
  argv: readonly string[],
  input: Buffer | undefined,
  cwd: string,
  contextNamespace: string | undefined,
): NamedRef[] | undefined {
  const c = classify(argv)
  if (c.how !== 'dry-json' || !['apply', 'create', 'replace'].includes(c.verb ?? '')) return undefined
  // Only the verb: a sub-verb (`create secret`, `apply edit-last-applied`) or a stray word is the dry run's.
  if (positionals(argv).length !== 1 || argv.includes('--')) return undefined
  if (argv.some((a) => OTHER_INPUT.some((f) => a === f || a.startsWith(`${f}=`))) || hasFlag(argv, ['--edit', '--prune'])) return undefined
  const texts = inputsOf(argv, input, cwd)
  if (texts === undefined) return undefined
  const flagNs = flagValue(argv, ['-n', '--namespace'])
  if (flagNs === '') return undefined
  const refs: NamedRef[] = []
  for (const text of texts) {
    // YAML 1.1, as kubectl's decoder reads it: `name: on` or `name: 0123` is not text there, so not a name here.
    const docs = parseAllDocuments(text, { version: '1.1' })
    if (!Array.isArray(docs)) return undefined
    for (const doc of docs) {
      if (doc.errors.length > 0) return undefined
      const o: unknown = doc.toJS()
      if (o === null || o === undefined) continue
      const ref = refOfManifest(o, flagNs, contextNamespace)
      if (ref === undefined) return undefined
      refs.push(ref)
    }
  }
  return refs.length > 0 ? refs : undefined
}

function refOfManifest(o: unknown, flagNs: string | undefined, contextNamespace: string | undefined): NamedRef | undefined {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return undefined
  const m = o as { apiVersion?: unknown; kind?: unknown; metadata?: unknown }
  const kind = typeof m.kind === 'string' && Object.hasOwn(BUILT_IN_KINDS, m.kind) ? BUILT_IN_KINDS[m.kind] : undefined
  if (kind === undefined || typeof m.kind !== 'string' || m.apiVersion !== kind.apiVersion) return undefined
  const meta = m.metadata
  if (typeof meta !== 'object' || meta === null) return undefined
  const { name, namespace } = meta as { name?: unknown; namespace?: unknown }
  if (typeof name !== 'string' || name === '' || (namespace !== undefined && typeof namespace !== 'string')) return undefined
  const group = kind.apiVersion.includes('/') ? (kind.apiVersion.split('/')[0] ?? '') : ''
  if (!kind.namespaced) return namespace === undefined ? { kind: m.kind, group, name } : undefined
  // kubectl refuses a manifest whose namespace is not the one `-n` names: its own words, from the dry run.
  if (namespace !== undefined && namespace !== '' && flagNs !== undefined && namespace !== flagNs) return undefined
  const ns = (namespace || undefined) ?? flagNs ?? (contextNamespace || undefined) ?? 'default'
  return { kind: m.kind, group, name, namespace: ns }
}
