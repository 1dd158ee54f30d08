// YAML through yaml's parseDocument, failing on its errors rather than guessing.
import { parseDocument } from 'yaml'
import { ParseError } from '../errors.js'

/** A Kubernetes object as `kubectl get -o yaml` prints it (only the fields the steps read). */
export interface KubeObject {
  apiVersion?: string
  kind?: string
  type?: string
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string>; resourceVersion?: string; uid?: string }
  data?: Record<string, string>
}

/** Parses `kubectl get … -o yaml` of a collection: a `kind: List` with items. */
export function parseKubeList(stepId: string, stdout: string): { kind: string; items: KubeObject[] } {
  const doc = parseDocument(stdout)
  if (doc.errors.length > 0) throw new ParseError(stepId, `kubectl printed YAML that does not parse: ${doc.errors[0]?.message ?? ''}`.trim(), stdout)
  const value: unknown = doc.toJS()
  if (typeof value !== 'object' || value === null) throw new ParseError(stepId, 'expected a YAML mapping with kind and items', stdout)
  const { kind, items } = value as { kind?: unknown; items?: unknown }
  if (typeof kind !== 'string') throw new ParseError(stepId, 'the YAML has no kind', stdout)
  if (!Array.isArray(items)) throw new ParseError(stepId, `expected items in a ${kind}`, stdout)
  return { kind, items: items as KubeObject[] }
}

/**
 * Every Secret `data` and `stringData` value in `kubectl get … -o yaml` output, whatever the Secret:
 * a namespace's other Secrets are printed too, and must be masked like the article's.
 */
export function secretDataValues(stdout: string): string[] {
  const value: unknown = parseDocument(stdout).toJS()
  if (typeof value !== 'object' || value === null) return []
  const v = value as { items?: unknown }
  const objects = Array.isArray(v.items) ? v.items : [value]
  return objects.flatMap((o) => {
    const { data, stringData } = (o ?? {}) as { data?: unknown; stringData?: unknown }
    return [data, stringData].flatMap((d) => (d !== null && typeof d === 'object' ? Object.values(d).filter((x): x is string => typeof x === 'string') : []))
  })
}
