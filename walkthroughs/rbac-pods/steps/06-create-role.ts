import { runIfMain } from '../../../src/faces/standalone.js'
import { defineStep, equal, truthy } from '../../../src/core/step.js'
import { parseKubeObject } from '../../../src/core/parse/yaml.js'
import { refuseExisting } from '../lib/guards.js'
import { role } from '../lib/vars.js'

interface Rule {
  apiGroups?: string[]
  resources?: string[]
  verbs?: string[]
}

interface Role {
  rules?: Rule[]
}

export const createRole = defineStep({
  id: 'create-role',
  number: '06',
  title: 'Create a Role that may get and list pods',
  command: 'kubectl create role pod-reader --verb=get --verb=list --resource=pods',
  reads: [],
  parse: (out) => out.stdout.trim(),
  check: (line) => [equal('kubectl created it', 'role.rbac.authorization.k8s.io/pod-reader created', line)],
  guard: refuseExisting('role', 'Role'),
  creates: { cleanup: role, createdIf: (out) => /^role\.rbac\.authorization\.k8s\.io\/pod-reader created$/m.test(out.stdout) },
  participantCheck: {
    command: 'kubectl get role pod-reader -o yaml',
    reads: [],
    parse: (out) => parseKubeObject<Role>('create-role', out.stdout),
    check: (r) => {
      const rule = r.rules?.find((x: Rule) => x.resources?.includes('pods'))
      return [
        equal('a Role', 'Role', r.kind),
        truthy('a rule for pods in the core group', rule !== undefined && (rule.apiGroups ?? []).includes(''), r.rules),
        truthy(
          'its verbs include get and list',
          ['get', 'list'].every((v) => rule?.verbs?.includes(v)),
          rule?.verbs,
          ['get', 'list'],
        ),
      ]
    },
  },
  hint: 'kubectl create role pod-reader --verb=get --verb=list --resource=pods, in your namespace.',
})
export default createRole

void runIfMain(import.meta.url, createRole, 'rbac-pods')
