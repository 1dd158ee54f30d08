// Objects read from this process over HTTPS (no kubectl start, ~30 ms of a core each): built-in kinds only, whose API
// paths are fixed. Any other kind, and any answer but the object or NotFound, is kubectl's to read (it knows the
// server's kinds, and says a failure in its own words).
import { directGet, type DirectCredentials } from './version-probe.js'

/** Built-in kinds whose API version and scope are fixed, by kind: kubewalk reads these itself, and knows where each is. */
export const BUILT_IN_KINDS: Readonly<Record<string, { apiVersion: string; namespaced: boolean }>> = {
  ConfigMap: { apiVersion: 'v1', namespaced: true },
  Secret: { apiVersion: 'v1', namespaced: true },
  ServiceAccount: { apiVersion: 'v1', namespaced: true },
  Service: { apiVersion: 'v1', namespaced: true },
  Pod: { apiVersion: 'v1', namespaced: true },
  PersistentVolumeClaim: { apiVersion: 'v1', namespaced: true },
  LimitRange: { apiVersion: 'v1', namespaced: true },
  ResourceQuota: { apiVersion: 'v1', namespaced: true },
  Namespace: { apiVersion: 'v1', namespaced: false },
  Node: { apiVersion: 'v1', namespaced: false },
  PersistentVolume: { apiVersion: 'v1', namespaced: false },
  Deployment: { apiVersion: 'apps/v1', namespaced: true },
  StatefulSet: { apiVersion: 'apps/v1', namespaced: true },
  DaemonSet: { apiVersion: 'apps/v1', namespaced: true },
  ReplicaSet: { apiVersion: 'apps/v1', namespaced: true },
}

// kubectl's printed kind (`configmap`, `deployment.apps`) of each, with its API prefix and plural (every one adds an s).
const PRINTED = new Map(
  Object.entries(BUILT_IN_KINDS).map(([kind, k]) => {
    const group = k.apiVersion.includes('/') ? k.apiVersion.split('/')[0] : undefined
    const prefix = group === undefined ? `api/${k.apiVersion}` : `apis/${k.apiVersion}`
    return [`${kind.toLowerCase()}${group === undefined ? '' : `.${group}`}`, { prefix, plural: `${kind.toLowerCase()}s`, namespaced: k.namespaced }]
  }),
)

/** The API path of an object printed as kubectl prints it (`serviceaccount/default`) in a namespace, for a built-in kind; undefined for any other. */
export function objectPath(object: string, namespace: string): string | undefined {
  const at = object.indexOf('/')
  const k = PRINTED.get(object.slice(0, at))
  if (k === undefined) return undefined
  const name = encodeURIComponent(object.slice(at + 1))
  return `${k.prefix}/${k.namespaced ? `namespaces/${encodeURIComponent(namespace)}/` : ''}${k.plural}/${name}`
}

/** The API path of an object named by its kind (`Secret`), API group (`''`, `apps`), name and namespace; undefined for any other kind. */
export function refPath(ref: { kind: string; group: string; name: string; namespace?: string }): string | undefined {
  const kind = `${ref.kind.toLowerCase()}${ref.group === '' ? '' : `.${ref.group}`}`
  const scoped = PRINTED.get(kind)?.namespaced
  if (ref.name === '' || scoped === undefined || (ref.namespace !== undefined) !== scoped) return undefined
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
