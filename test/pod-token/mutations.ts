// pod-token's failing outputs: for each assertion of each step (and of its exercise), the output its
// replay on the lab with a node recorded (walkthroughs/pod-token/recorded/, Kubernetes v1.37.2 and its
// own kubectl), changed in exactly the way that assertion is there to catch; and the outputs of its two
// guards. kubectl's error lines are the forms kubectl 1.37 prints for pods (AlreadyExists, NotFound, and
// `kubectl wait`'s timeout).
import type { StepOutput } from '../../src/core/step.js'
import { podToken } from '../../walkthroughs/pod-token/index.js'
import { output } from '../helpers.js'
import { drop, swap, withClaims, type FailureTable, type Mutation } from '../steps/mutations.js'

const rec = podToken.recorded?.() ?? {}
const recorded = (id: string): StepOutput => {
  const o = rec[id]
  if (o === undefined) throw new Error(`pod-token recorded no output for ${id}`)
  return o
}
const stdout = (id: string): string => recorded(id).stdout
const captured = (id: string): string => recorded(id).captured ?? ''

const SERVER = captured('apiserver-url')
const OTHER_SERVER = SERVER.replace(/:(\d+)$/, (_, port: string) => `:${Number(port) + 1}`)
const TOKEN = captured('read-token')

type Claims = Record<string, unknown>
/** The token with its `kubernetes.io` claim changed. */
const withK8s = (change: (k8s: Claims) => Claims): string =>
  withClaims(TOKEN, (c) => ({ ...c, 'kubernetes.io': change(c['kubernetes.io'] as Claims) }))
const token = (t: string): StepOutput => output({ captured: t })

/** What `kubectl get pod NAME --ignore-not-found -o name` prints while the Pod exists. */
const listed = (pod: string): StepOutput => output({ stdout: `pod/${pod}\n` })
const GONE = output({ stdout: '' })

const alreadyExists = (pod: string): Mutation => ({
  fails: 'kubectl created it',
  how: 'the Pod already exists',
  output: output({ stderr: `Error from server (AlreadyExists): pods "${pod}" already exists\n`, exitCode: 1 }),
})
const notFound = (pod: string): Mutation => ({
  fails: 'kubectl deleted it',
  how: 'no such Pod',
  output: output({ stderr: `Error from server (NotFound): pods "${pod}" not found\n`, exitCode: 1 }),
})
const timedOut = (pod: string): Mutation => ({
  fails: 'the Pod is Ready',
  how: 'kubectl wait timed out',
  output: output({ stderr: `error: timed out waiting for the condition on pods/${pod}\n`, exitCode: 1 }),
})

export const podTokenFailures: FailureTable = {
  exercises: {
    'run-pod': listed('token-demo'),
    'delete-pod': GONE,
    'run-no-token': listed('no-token'),
    'delete-no-token': GONE,
  },
  variants: {
    // Before 1.30 a Pod-bound token has no jti and names no node: the node assertion is not made.
    'read-token': [
      {
        how: 'a 1.29 token (no jti, no node)',
        output: token(withClaims(TOKEN, (c) => ({ ...drop(c, 'jti'), 'kubernetes.io': drop(c['kubernetes.io'] as Claims, 'node') }))),
      },
    ],
  },
  mutations: {
    'apiserver-url': [
      {
        fails: 'APISERVER is an https URL',
        how: "the context's http server",
        output: output({ captured: SERVER.replace('https:', 'http:') }),
        ctx: { cluster: { name: 'kubewalk-lab', server: SERVER.replace('https:', 'http:') } },
      },
      { fails: "APISERVER is the context's cluster's server", how: 'another server', output: output({ captured: OTHER_SERVER }) },
    ],
    'run-pod': [alreadyExists('token-demo'), { fails: 'exercise:Pod token-demo exists', how: 'no such Pod', output: GONE }],
    'wait-ready': [timedOut('token-demo')],
    'read-token': [
      {
        fails: "sub is the namespace's default ServiceAccount",
        how: "another namespace's default ServiceAccount",
        output: token(withClaims(TOKEN, (c) => ({ ...c, sub: 'system:serviceaccount:kube-system:default' }))),
      },
      { fails: 'a bound token', how: 'no ServiceAccount in its kubernetes.io claim', output: token(withK8s((k) => drop(k, 'serviceaccount'))) },
      {
        fails: 'bound to Pod token-demo',
        how: 'bound to another Pod',
        output: token(withK8s((k) => ({ ...k, pod: { ...(k.pod as Claims), name: 'other-pod' } }))),
      },
      { fails: 'bound to Pod token-demo', how: 'bound to no Pod', output: token(withK8s((k) => drop(k, 'pod'))) },
      // What the kubelet's one-hour token looks like with --service-account-extend-token-expiration=false.
      {
        fails: 'exp is about a year after iat (the API server extends it)',
        how: 'exp an hour after iat',
        output: token(withClaims(TOKEN, (c) => ({ ...c, exp: (c.iat as number) + 3607 }))),
      },
      { fails: 'kubernetes.io.warnafter is about an hour after iat', how: 'no warnafter', output: token(withK8s((k) => drop(k, 'warnafter'))) },
      {
        fails: 'kubernetes.io.warnafter is about an hour after iat',
        how: 'warnafter a day after iat',
        output: token(
          withClaims(TOKEN, (c) => ({ ...c, 'kubernetes.io': { ...(c['kubernetes.io'] as Claims), warnafter: (c.iat as number) + 86_400 } })),
        ),
      },
      {
        fails: 'it also names the node the Pod runs on (1.30+)',
        how: 'a 1.30+ token (jti) naming no node',
        output: token(withK8s((k) => drop(k, 'node'))),
      },
    ],
    'call-api': [
      {
        fails: 'kind is APIVersions',
        how: 'another kind',
        output: output({ stdout: swap(stdout('call-api'), '"kind": "APIVersions"', '"kind": "APIGroupList"') }),
      },
      { fails: 'versions include v1', how: 'no v1', output: output({ stdout: swap(stdout('call-api'), '"v1"', '"v2"') }) },
    ],
    'delete-pod': [notFound('token-demo'), { fails: 'exercise:Pod token-demo is gone', how: 'still there', output: listed('token-demo') }],
    'token-refused': [
      {
        fails: 'kind is Status',
        how: 'another kind',
        output: output({ stdout: swap(stdout('token-refused'), '"kind": "Status"', '"kind": "APIVersions"') }),
      },
      { fails: 'code is 401', how: 'code 403', output: output({ stdout: swap(stdout('token-refused'), '"code": 401', '"code": 403') }) },
      {
        fails: 'reason is Unauthorized',
        how: 'reason Forbidden',
        output: output({ stdout: swap(stdout('token-refused'), '"reason": "Unauthorized"', '"reason": "Forbidden"') }),
      },
    ],
    'run-no-token': [alreadyExists('no-token'), { fails: 'exercise:Pod no-token exists', how: 'no such Pod', output: GONE }],
    'wait-no-token': [timedOut('no-token')],
    'no-token-mounted': [
      { fails: 'nothing is mounted under /var/run/secrets', how: 'the token is mounted', output: output({ stdout: 'kubernetes.io\n' }) },
    ],
    'delete-no-token': [notFound('no-token'), { fails: 'exercise:Pod no-token is gone', how: 'still there', output: listed('no-token') }],
  },
  guards: {
    // `kubectl get pod NAME --ignore-not-found -o name` prints the Pod's name, or nothing.
    'run-pod': [
      { how: 'no Pod token-demo', stdout: '' },
      {
        how: 'a Pod token-demo already there',
        stdout: 'pod/token-demo\n',
        ctx: { namespace: 'team-a' },
        refuses: [/^a Pod token-demo already exists in namespace team-a and is not this run's/],
      },
    ],
    'run-no-token': [
      { how: 'no Pod no-token', stdout: '' },
      {
        how: 'a Pod no-token already there',
        stdout: 'pod/no-token\n',
        ctx: { namespace: 'team-a' },
        refuses: [/^a Pod no-token already exists in namespace team-a and is not this run's/],
      },
    ],
  },
}
