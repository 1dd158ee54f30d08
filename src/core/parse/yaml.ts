// YAML through yaml's parseDocument, failing on its errors rather than guessing.
import { type Document, parseDocument } from 'yaml'
import { ParseError } from '../errors.js'

// A step parses its output and masks the Secrets in it (`parse` and `secrets`): one text, parsed once. Each caller
// gets its own objects from toJS(), so none sees what another changed.
let last: { text: string; doc: Document.Parsed } | undefined
function documentOf(text: string): Document.Parsed {
  if (last?.text !== text) last = { text, doc: parseDocument(text) }
  return last.doc
}

/** A Kubernetes object as `kubectl get -o yaml` prints it (only the fields the steps read). */
export interface KubeObject {
  apiVersion?: string
  kind?: string
  type?: string
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string>; resourceVersion?: string; uid?: string }
  data?: Record<string, string>
}

/** Parses `kubectl get KIND NAME -o yaml`: one object with a kind. */
export function parseKubeObject<T extends object = KubeObject>(stepId: string, stdout: string): T & { kind: string } {
  const doc = documentOf(stdout)
  if (doc.errors.length > 0) throw new ParseError(stepId, `kubectl printed YAML that does not parse: ${doc.errors[0]?.message ?? ''}`.trim(), stdout)
  const value: unknown = doc.toJS()
  if (typeof value !== 'object' || value === null || typeof (value as { kind?: unknown }).kind !== 'string')
    throw new ParseError(stepId, 'expected a YAML mapping with a kind', stdout)
  return value as T & { kind: string }
}

/** Parses `kubectl get … -o yaml` of a collection: a `kind: List` with items. */
export function parseKubeList(stepId: string, stdout: string): { kind: string; items: KubeObject[] } {
  const doc = documentOf(stdout)
  if (doc.errors.length > 0) throw new ParseError(stepId, `kubectl printed YAML that does not parse: ${doc.errors[0]?.message ?? ''}`.trim(), stdout)
  const value: unknown = doc.toJS()
  if (typeof value !== 'object' || value === null) throw new ParseError(stepId, 'expected a YAML mapping with kind and items', stdout)
  const { kind, items } = value as { kind?: unknown; items?: unknown }
  if (typeof kind !== 'string') throw new ParseError(stepId, 'the YAML has no kind', stdout)
  if (!Array.isArray(items)) throw new ParseError(stepId, `expected items in a ${kind}`, stdout)
  return { kind, items: items as KubeObject[] }
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration'

const stringValues = (d: unknown): string[] =>
  d !== null && typeof d === 'object' ? Object.values(d).filter((x): x is string => typeof x === 'string') : []

/**
 * Every Secret value in `kubectl get … -o yaml` output, whatever the Secret (a namespace's other
 * Secrets are printed too, and must be masked like the article's): `data` and `stringData`, and
 * `kubectl apply`'s last-applied annotation when it holds them, since that copy keeps `stringData`
 * in plain text. Never throws: it also runs on the output of a line that failed or was cut short.
 */
export function secretDataValues(stdout: string): string[] {
  let value: unknown
  let broken = false
  try {
    const doc = documentOf(stdout)
    broken = doc.errors.length > 0
    value = doc.toJS()
  } catch {
    broken = true
  }
  // YAML cut short (a timeout mid-print) may parse in part: scan its lines as well.
  const scanned = broken ? base64Lines(stdout) : []
  if (typeof value !== 'object' || value === null) return scanned
  const v = value as { items?: unknown }
  const objects = Array.isArray(v.items) ? v.items : [value]
  return scanned.concat(
    objects.flatMap((o) => {
      const { data, stringData, metadata } = (o ?? {}) as {
        data?: unknown
        stringData?: unknown
        metadata?: { annotations?: Record<string, unknown> }
      }
      const applied = metadata?.annotations?.[LAST_APPLIED]
      return [...stringValues(data), ...stringValues(stringData), ...(typeof applied === 'string' ? appliedSecrets(applied) : [])]
    }),
  )
}

/** The secret parts of a last-applied annotation: the whole annotation if it carries data, and each value. */
function appliedSecrets(annotation: string): string[] {
  let applied: { data?: unknown; stringData?: unknown }
  try {
    applied = JSON.parse(annotation) as typeof applied
  } catch {
    return [annotation]
  }
  if (applied?.data === undefined && applied?.stringData === undefined) return []
  const values = [...stringValues(applied.data), ...stringValues(applied.stringData)]
  // Inside the annotation a value appears JSON-escaped.
  return [annotation.trim(), ...values, ...values.map((x) => JSON.stringify(x).slice(1, -1))]
}

/** Every indented `key: <long base64>` value, for output that does not parse as YAML. */
function base64Lines(stdout: string): string[] {
  return [...stdout.matchAll(/^\s+[\w.-]+: ([A-Za-z0-9+/]{16,}={0,2})\s*$/gm)].map((m) => m[1] as string)
}
