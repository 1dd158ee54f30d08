// rbac-pods' failing outputs: for each assertion of each step (and of its exercise), the output its
// replay on the lab recorded, changed in exactly the way that assertion is there to catch; and the
// outputs of its two guards.
import { readFileSync } from 'node:fs'
import type { StepOutput } from '../../src/core/step.js'
import { rbacPods } from '../../walkthroughs/rbac-pods/index.js'
import { output } from '../helpers.js'
import { drop, shifted, swap, withClaims, type FailureTable, type Mutation } from '../steps/mutations.js'

const rec = rbacPods.recorded?.() ?? {}
const recorded = (id: string): StepOutput => {
  const o = rec[id]
  if (o === undefined) throw new Error(`rbac-pods recorded no output for ${id}`)
  return o
}
const stdout = (id: string): string => recorded(id).stdout
const captured = (id: string): string => recorded(id).captured ?? ''
const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')

const TOKEN = captured('create-token')
const SERVER = captured('apiserver-url')
const OTHER_SERVER = SERVER.replace(/:(\d+)$/, (_, port: string) => `:${Number(port) + 1}`)
const ROLE = fixture('get-role-pod-reader.yaml')
const BINDING = fixture('get-rolebinding-pod-reader.yaml')
// What kubectl 1.33 prints on stderr when a list is empty (test/fixtures/lab/kubectl-1.33-get-secrets-empty.stderr.txt, for Secrets).
const NONE = output({ stderr: 'No resources found in default namespace.\n' })

/** Steps 04 and 11: a 403 that names the ServiceAccount and the refused verb. */
const forbidden = (id: string): Mutation[] => [
  { fails: 'kind is Status', how: 'another kind', output: output({ stdout: swap(stdout(id), '"kind": "Status"', '"kind": "PodList"') }) },
  { fails: 'code is 403', how: 'code 401', output: output({ stdout: swap(stdout(id), '"code": 403', '"code": 401') }) },
  {
    fails: 'reason is Forbidden',
    how: 'reason Unauthorized',
    output: output({ stdout: swap(stdout(id), '"reason": "Forbidden"', '"reason": "Unauthorized"') }),
  },
  {
    fails: 'the message names system:serviceaccount:default:default',
    how: 'another user refused',
    output: output({ stdout: swap(stdout(id), 'User \\"system:serviceaccount:default:default\\"', 'User \\"system:anonymous\\"') }),
  },
  {
    fails: 'the message says it cannot list pods',
    how: 'another verb refused',
    output: output({ stdout: swap(stdout(id), 'cannot list resource', 'cannot watch resource') }),
  },
]

export const rbacPodsFailures: FailureTable = {
  exercises: {
    'apiserver-url': output({ stdout: SERVER }),
    'read-namespace': output({ stdout: captured('read-namespace') }),
    'create-token': output({ stdout: TOKEN }),
    'create-role': output({ stdout: ROLE }),
    'create-rolebinding': output({ stdout: BINDING }),
    'delete-rolebinding': NONE,
    'delete-role': NONE,
  },
  variants: {},
  mutations: {
    'apiserver-url': [
      // The context's cluster itself has an http server, so APISERVER is its server and only the scheme is wrong.
      {
        fails: 'APISERVER is an https URL',
        how: "the context's http server",
        output: output({ captured: SERVER.replace('https:', 'http:') }),
        ctx: { cluster: { name: 'kubewalk-lab', server: SERVER.replace('https:', 'http:') } },
      },
      { fails: "APISERVER is the context's cluster's server", how: 'another server', output: output({ captured: OTHER_SERVER }) },
      { fails: "exercise:APISERVER is the current context's server", how: 'another server', output: output({ stdout: OTHER_SERVER }) },
    ],
    'read-namespace': [
      { fails: 'NAMESPACE is the namespace kubectl acts in', how: 'another namespace', output: output({ captured: 'kube-system' }) },
      { fails: "exercise:NAMESPACE is your context's namespace", how: 'NAMESPACE unset in the shell', output: output({ stdout: '' }) },
    ],
    'create-token': [
      {
        fails: "sub is the namespace's default ServiceAccount",
        how: 'a token of another ServiceAccount',
        output: output({ captured: withClaims(TOKEN, (c) => ({ ...c, sub: 'system:serviceaccount:default:builder' })) }),
      },
      { fails: 'a bound token', how: 'no kubernetes.io claim', output: output({ captured: withClaims(TOKEN, (c) => drop(c, 'kubernetes.io')) }) },
      { fails: 'not expired', how: 'minted two hours before the run', output: output({ captured: withClaims(TOKEN, (c) => shifted(c, -7200)) }) },
      {
        fails: "exercise:for your namespace's default ServiceAccount",
        how: 'a token of another ServiceAccount',
        output: output({ stdout: withClaims(TOKEN, (c) => ({ ...c, sub: 'system:serviceaccount:default:builder' })) }),
      },
      {
        fails: 'exercise:not expired',
        how: 'minted two hours before the run',
        output: output({ stdout: withClaims(TOKEN, (c) => shifted(c, -7200)) }),
      },
    ],
    'pods-forbidden': forbidden('pods-forbidden'),
    'can-i-before': [{ fails: 'kubectl says no', how: 'yes', output: output({ stdout: 'yes\n' }) }],
    'create-role': [
      {
        fails: 'kubectl created it',
        how: 'the Role already exists',
        output: output({ stderr: 'Error from server (AlreadyExists): roles.rbac.authorization.k8s.io "pod-reader" already exists\n', exitCode: 1 }),
      },
      { fails: 'exercise:a Role', how: 'another kind', output: output({ stdout: swap(ROLE, /^kind: Role$/m, 'kind: ClusterRole') }) },
      {
        fails: 'exercise:a rule for pods in the core group',
        how: 'pods of the apps group',
        output: output({ stdout: swap(ROLE, '  - ""', '  - apps') }),
      },
      { fails: 'exercise:its verbs include get and list', how: 'get only', output: output({ stdout: swap(ROLE, '  - list\n', '') }) },
    ],
    'create-rolebinding': [
      {
        fails: 'kubectl created it',
        how: 'the RoleBinding already exists',
        output: output({
          stderr: 'Error from server (AlreadyExists): rolebindings.rbac.authorization.k8s.io "pod-reader" already exists\n',
          exitCode: 1,
        }),
      },
      {
        fails: 'exercise:a RoleBinding',
        how: 'another kind',
        output: output({ stdout: swap(BINDING, /^kind: RoleBinding$/m, 'kind: ClusterRoleBinding') }),
      },
      {
        fails: 'exercise:to the Role pod-reader',
        how: 'to another Role',
        output: output({ stdout: swap(BINDING, '  kind: Role\n  name: pod-reader\n', '  kind: Role\n  name: pod-writer\n') }),
      },
      {
        fails: 'exercise:for the ServiceAccount default in default',
        how: 'for the ServiceAccount of another namespace',
        output: output({
          stdout: swap(
            BINDING,
            '- kind: ServiceAccount\n  name: default\n  namespace: default\n',
            '- kind: ServiceAccount\n  name: default\n  namespace: kube-system\n',
          ),
        }),
      },
    ],
    'can-i-after': [{ fails: 'kubectl says yes', how: 'no', output: output({ stdout: 'no\n', exitCode: 1 }) }],
    'pods-allowed': [
      {
        fails: 'kind is PodList (the API server let the ServiceAccount list pods)',
        how: 'another kind',
        output: output({ stdout: swap(stdout('pods-allowed'), '"kind": "PodList"', '"kind": "Status"') }),
      },
      {
        fails: 'has items (a list, maybe empty)',
        how: 'no items',
        output: output({ stdout: swap(stdout('pods-allowed'), /,\n {2}"items": \[\]/, '') }),
      },
    ],
    'delete-rolebinding': [
      {
        fails: 'kubectl deleted it',
        how: 'no such RoleBinding',
        output: output({ stderr: 'Error from server (NotFound): rolebindings.rbac.authorization.k8s.io "pod-reader" not found\n', exitCode: 1 }),
      },
      {
        fails: 'exercise:RoleBinding pod-reader is gone',
        how: 'still there',
        output: output({ stdout: stdout('create-rolebinding').replace(' created', '') }),
      },
    ],
    'pods-forbidden-again': forbidden('pods-forbidden-again'),
    'delete-role': [
      {
        fails: 'kubectl deleted it',
        how: 'no such Role',
        output: output({ stderr: 'Error from server (NotFound): roles.rbac.authorization.k8s.io "pod-reader" not found\n', exitCode: 1 }),
      },
      { fails: 'exercise:Role pod-reader is gone', how: 'still there', output: output({ stdout: stdout('create-role').replace(' created', '') }) },
    ],
  },
  guards: {
    // `kubectl get … --ignore-not-found -o name` prints the object's name, or nothing.
    'create-role': [
      { how: 'no Role pod-reader', stdout: '' },
      {
        how: 'a Role pod-reader already there',
        stdout: 'role.rbac.authorization.k8s.io/pod-reader\n',
        ctx: { namespace: 'team-a' },
        refuses: [/^a Role pod-reader already exists in namespace team-a and is not this run's/],
      },
    ],
    'create-rolebinding': [
      { how: 'no RoleBinding pod-reader', stdout: '' },
      {
        how: 'a RoleBinding pod-reader already there',
        stdout: 'rolebinding.rbac.authorization.k8s.io/pod-reader\n',
        ctx: { namespace: 'team-a' },
        refuses: [/^a RoleBinding pod-reader already exists in namespace team-a and is not this run's/],
      },
    ],
  },
}
