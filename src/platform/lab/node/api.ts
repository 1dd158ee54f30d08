// What the node's wait and status read from the API server: the Node's Ready condition, its Pods, a Deployment's readiness.
import { errorMessage } from '../../../core/errors.js'
import { httpsGet, type TlsFiles } from '../health.js'

/** A Pod as `lab status` shows it. */
export interface PodSummary {
  namespace: string
  name: string
  phase: string
  ready: boolean
  restarts: number
}

interface Condition {
  type?: string
  status?: string
  reason?: string
  message?: string
}

/** The Ready condition of a Node object: true, or why not. */
export function nodeReadiness(node: { status?: { conditions?: Condition[] } }): true | string {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready')
  if (!ready) return 'no Ready condition yet'
  return ready.status === 'True' ? true : `Ready=${ready.status ?? '?'}: ${ready.reason ?? ''} ${ready.message ?? ''}`.trim()
}

/** Pods of a PodList, sorted by namespace and name. */
export function podSummaries(list: {
  items?: {
    metadata?: { namespace?: string; name?: string }
    status?: { phase?: string; containerStatuses?: { ready?: boolean; restartCount?: number }[] }
  }[]
}): PodSummary[] {
  return (list.items ?? [])
    .map((p) => {
      const statuses = p.status?.containerStatuses ?? []
      return {
        namespace: p.metadata?.namespace ?? '',
        name: p.metadata?.name ?? '',
        phase: p.status?.phase ?? 'Unknown',
        ready: statuses.length > 0 && statuses.every((s) => s.ready === true),
        restarts: statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0),
      }
    })
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name))
}

async function getJson(url: string, tls: TlsFiles): Promise<{ status: number; json?: unknown; body: string }> {
  const { status, body } = await httpsGet(url, tls)
  try {
    return { status, json: JSON.parse(body) as unknown, body }
  } catch {
    return { status, body }
  }
}

export async function nodeReady(server: string, tls: TlsFiles, name: string): Promise<true | string> {
  try {
    const r = await getJson(`${server}/api/v1/nodes/${encodeURIComponent(name)}`, tls)
    if (r.status === 404) return `node/${name} not registered yet`
    if (r.status !== 200 || !r.json) return `node/${name}: ${r.status}`
    return nodeReadiness(r.json as Parameters<typeof nodeReadiness>[0])
  } catch (error) {
    return `node/${name}: ${errorMessage(error)}`
  }
}

export async function deploymentAvailable(server: string, tls: TlsFiles, namespace: string, name: string): Promise<true | string> {
  try {
    const r = await getJson(`${server}/apis/apps/v1/namespaces/${namespace}/deployments/${name}`, tls)
    if (r.status !== 200 || !r.json) return `deployment/${name}: ${r.status}`
    const ready = (r.json as { status?: { readyReplicas?: number } }).status?.readyReplicas ?? 0
    return ready > 0 ? true : `deployment/${name}: no ready replica yet`
  } catch (error) {
    return `deployment/${name}: ${errorMessage(error)}`
  }
}

export async function listPods(server: string, tls: TlsFiles): Promise<PodSummary[] | string> {
  try {
    const r = await getJson(`${server}/api/v1/pods`, tls)
    if (r.status !== 200 || !r.json) return `pods: ${r.status}`
    return podSummaries(r.json as Parameters<typeof podSummaries>[0])
  } catch (error) {
    return `pods: ${errorMessage(error)}`
  }
}
