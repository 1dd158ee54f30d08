import { runIfMain } from '../../../src/faces/standalone.js'
import { defineStep, equal, truthy } from '../../../src/core/step.js'
import { parseKubeObject } from '../../../src/core/parse/yaml.js'
import { refuseExisting } from '../lib/guards.js'
import { NAMESPACE, roleBinding } from '../lib/vars.js'

interface Subject {
  kind?: string
  name?: string
  namespace?: string
}

interface RoleBinding {
  roleRef?: { kind?: string; name?: string }
  subjects?: Subject[]
}

export const createRoleBinding = defineStep({
  id: 'create-rolebinding',
  number: '07',
  title: 'Bind the Role to the default ServiceAccount',
  command: 'kubectl create rolebinding pod-reader --role=pod-reader --serviceaccount=$NAMESPACE:default',
  reads: [NAMESPACE],
  parse: (out) => out.stdout.trim(),
  check: (line) => [equal('kubectl created it', 'rolebinding.rbac.authorization.k8s.io/pod-reader created', line)],
  guard: refuseExisting('rolebinding', 'RoleBinding'),
  creates: { cleanup: roleBinding, createdIf: (out) => /^rolebinding\.rbac\.authorization\.k8s\.io\/pod-reader created$/m.test(out.stdout) },
  participantCheck: {
    command: 'kubectl get rolebinding pod-reader -o yaml',
    reads: [],
    parse: (out) => parseKubeObject<RoleBinding>('create-rolebinding', out.stdout),
    check: (b, ctx) => [
      equal('a RoleBinding', 'RoleBinding', b.kind),
      equal('to the Role pod-reader', { kind: 'Role', name: 'pod-reader' }, { kind: b.roleRef?.kind, name: b.roleRef?.name }),
      truthy(
        `for the ServiceAccount default in ${ctx.namespace}`,
        (b.subjects ?? []).some((s: Subject) => s.kind === 'ServiceAccount' && s.name === 'default' && s.namespace === ctx.namespace),
        b.subjects,
      ),
    ],
  },
  hint: 'kubectl create rolebinding pod-reader --role=pod-reader --serviceaccount=$NAMESPACE:default (NAMESPACE from step 02).',
})
export default createRoleBinding

void runIfMain(import.meta.url, createRoleBinding, 'rbac-pods')
