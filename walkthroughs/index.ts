// The registry: every walkthrough kubewalk ships, the default first. The only place that imports them;
// each loads when chosen, so a command pays only for the walkthrough it runs.
import type { WalkthroughEntry } from '../src/core/walkthrough.js'

export const walkthroughs: readonly WalkthroughEntry[] = [
  {
    id: 'article',
    title: 'Calling the Kubernetes API with curl using a ServiceAccount token (the article)',
    load: async () => (await import('../steps/index.js')).article,
  },
  {
    id: 'rbac-pods',
    title: 'From 403 to 200: let the default ServiceAccount list pods with a Role and a RoleBinding',
    load: async () => (await import('./rbac-pods/index.js')).rbacPods,
  },
  {
    id: 'pod-token',
    title: 'The token inside a Pod, bound to it, calling the API from in the cluster (runs Pods: needs a node)',
    load: async () => (await import('./pod-token/index.js')).podToken,
  },
]
