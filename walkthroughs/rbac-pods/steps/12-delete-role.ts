import { runIfMain } from '../../../src/faces/standalone.js'
import { defineStep, truthy } from '../../../src/core/step.js'
import { role } from '../lib/vars.js'

export const deleteRole = defineStep({
  id: 'delete-role',
  number: '12',
  title: 'Delete the Role',
  command: 'kubectl delete role pod-reader',
  reads: [],
  parse: (out) => out.stdout.trim(),
  check: (line) => [
    truthy(
      'kubectl deleted it',
      /^role\.rbac\.authorization\.k8s\.io "pod-reader" deleted( from \S+ namespace)?$/.test(line),
      line,
      'role.rbac.authorization.k8s.io "pod-reader" deleted',
    ),
  ],
  deletes: role,
  participantCheck: {
    command: 'kubectl get roles -o name',
    reads: [],
    parse: (out) => out.stdout.split('\n').filter((l) => l !== ''),
    check: (names) => [truthy('Role pod-reader is gone', !names.includes('role.rbac.authorization.k8s.io/pod-reader'), names)],
  },
  hint: 'kubectl delete role pod-reader, in your namespace.',
})
export default deleteRole

void runIfMain(import.meta.url, deleteRole, 'rbac-pods')
