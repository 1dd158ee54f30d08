import { runIfMain } from '../../../src/faces/standalone.js'
import { defineStep, truthy } from '../../../src/core/step.js'
import { roleBinding } from '../lib/vars.js'

export const deleteRoleBinding = defineStep({
  id: 'delete-rolebinding',
  number: '10',
  title: 'Delete the RoleBinding',
  command: 'kubectl delete rolebinding pod-reader',
  reads: [],
  parse: (out) => out.stdout.trim(),
  // kubectl 1.33+ adds " from <namespace> namespace".
  check: (line) => [
    truthy(
      'kubectl deleted it',
      /^rolebinding\.rbac\.authorization\.k8s\.io "pod-reader" deleted( from \S+ namespace)?$/.test(line),
      line,
      'rolebinding.rbac.authorization.k8s.io "pod-reader" deleted',
    ),
  ],
  deletes: roleBinding,
  participantCheck: {
    command: 'kubectl get rolebindings -o name',
    reads: [],
    parse: (out) => out.stdout.split('\n').filter((l) => l !== ''),
    check: (names) => [truthy('RoleBinding pod-reader is gone', !names.includes('rolebinding.rbac.authorization.k8s.io/pod-reader'), names)],
  },
  hint: 'kubectl delete rolebinding pod-reader, in your namespace.',
})
export default deleteRoleBinding

void runIfMain(import.meta.url, deleteRoleBinding, 'rbac-pods')
