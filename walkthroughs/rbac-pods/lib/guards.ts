// The guard before rbac-pods creates an object: one of that name already in the namespace is someone
// else's, and the run neither changes nor deletes it.
import type { Guard } from '../../../src/core/step.js'

export function refuseExisting(kind: 'role' | 'rolebinding', label: 'Role' | 'RoleBinding'): Guard {
  return {
    command: `kubectl get ${kind} pod-reader --ignore-not-found -o name`,
    refuse: (out, ctx) =>
      out.stdout.trim() !== ''
        ? `a ${label} pod-reader already exists in namespace ${ctx.namespace} and is not this run's; kubewalk leaves it as it is (delete it, or replay in another namespace with --isolate)`
        : undefined,
  }
}
