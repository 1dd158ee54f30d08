// Objects read from this process over HTTPS (no kubectl start, ~30 ms of a core each): built-in kinds only, whose API
// paths are fixed. Any other kind, and any answer but the object or NotFound, is kubectl's to read (it knows the
// server's kinds, and says a failure in its own words).
import { directGet, type DirectCredentials } from './version-probe.js'

// kubectl's printed names (`kind/name`, `kind.group/name`) of built-in kinds, and where the API serves each.
const CORE = ['configmap', 'secret', 'serviceaccount', 'service', 'pod', 'persistentvolumeclaim', 'limitrange', 'resourcequota']
const APPS = ['deployment', 'statefulset', 'daemonset', 'replicaset']
const CLUSTER_CORE = ['namespace', 'node', 'persistentvolume']

/** The API path of an object printed as kubectl prints it (`serviceaccount/default`) in a namespace, for a built-in kind; undefined for any other. */
export function objectPath(object: string, namespace: string): string | undefined {
  const at = object.indexOf('/')
  const kind = object.slice(0, at)
  const name = encodeURIComponent(object.slice(at + 1))
  const ns = `namespaces/${encodeURIComponent(namespace)}`
  if (CORE.includes(kind)) return `api/v1/${ns}/${kind}s/${name}`
  if (CLUSTER_CORE.includes(kind)) return `api/v1/${kind}s/${name}`
  if (kind.endsWith('.apps') && APPS.includes(kind.slice(0, -5))) return `apis/apps/v1/${ns}/${kind.slice(0, -5)}s/${name}`
  return undefined
}

/** The API path of an object named by its kind (`Secret`), API group (`''`, `apps`), name and namespace; undefined for any other kind. */
export function refPath(ref: { kind: string; group: string; name: string; namespace?: string }): string | undefined {
  const kind = `${ref.kind.toLowerCase()}${ref.group === '' ? '' : `.${ref.group}`}`
  if (ref.name === '' || (ref.namespace === undefined) !== CLUSTER_CORE.includes(kind)) return undefined
  return objectPath(`${kind}/${ref.name}`, ref.namespace ?? '')
}

/** The object at `path` (null when the server says NotFound), or undefined for any other answer, or none. */
export async function readObject(c: DirectCredentials, path: string, timeoutMs: number, signal?: AbortSignal): Promise<object | null | undefined> {
  const r = await directGet(c, path, timeoutMs, signal)
  if (r?.status === 404 && /"reason"\s*:\s*"NotFound"/.test(r.body)) return null
  if (r?.status !== 200) return undefined
  try {
    const o: unknown = JSON.parse(r.body)
    return typeof o === 'object' && o !== null && !Array.isArray(o) ? o : undefined
  } catch {
    return undefined
  }
}

/**
 * Whether the server answers a dry run of any write: no admission webhook says it has side effects on one (`Unknown`
 * or `Some`, which admissionregistration/v1 no longer accepts but an upgraded cluster may still store). False when the
 * lists cannot be read (a user who may not list them): the caller then asks the server's own dry run.
 */
export async function dryRunsAnswered(c: DirectCredentials, timeoutMs: number): Promise<boolean> {
  const lists = await Promise.all(
    ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations'].map((kind) =>
      readObject(c, `apis/admissionregistration.k8s.io/v1/${kind}`, timeoutMs),
    ),
  )
  return lists.every((list) => {
    const items = (list as { items?: unknown } | null | undefined)?.items
    if (!Array.isArray(items)) return false
    return items.every((config: { webhooks?: { sideEffects?: unknown }[] }) =>
      (config.webhooks ?? []).every((w) => w.sideEffects === 'None' || w.sideEffects === 'NoneOnDryRun'),
    )
  })
}
