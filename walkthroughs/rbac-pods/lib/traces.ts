// What rbac-pods leaves on the cluster, for the instructor's board (`kubewalk class`): the Role and
// the RoleBinding while they exist. Reads, tokens and deletions leave nothing to see.
import type { Trace } from '../../../src/core/walkthrough.js'

const OBJECTS = 'kubectl -n "$KUBEWALK_NAMESPACE" get role/pod-reader rolebinding/pod-reader --ignore-not-found -o name'

export const rbacTraces: readonly Trace[] = [
  { step: 'create-role', command: OBJECTS, done: (out) => /^role\.rbac\.authorization\.k8s\.io\/pod-reader$/m.test(out.stdout) },
  { step: 'create-rolebinding', command: OBJECTS, done: (out) => /^rolebinding\.rbac\.authorization\.k8s\.io\/pod-reader$/m.test(out.stdout) },
]
