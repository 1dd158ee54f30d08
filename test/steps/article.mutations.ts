// The article's failing outputs: for each assertion of each step (and of its exercise), its recorded
// output changed in exactly the way that assertion is there to catch; and its one guard's outputs.
import type { StepOutput } from '../../src/core/step.js'
import { articleOutputs } from '../../steps/lib/recorded.js'
import { output } from '../helpers.js'
import { drop, shifted, swap, withClaims, type FailureTable, type Mutation } from './mutations.js'

const rec = articleOutputs()
const recorded = (id: string): StepOutput => {
  const o = rec[id]
  if (o === undefined) throw new Error(`the article recorded no output for ${id}`)
  return o
}
const stdout = (id: string): string => recorded(id).stdout
const captured = (id: string): string => recorded(id).captured ?? ''

const BOUND = captured('create-token')
const LEGACY = captured('read-secret-token')
const TOKEN_SECRET_TYPE = 'kubernetes.io/service-account-token'
const OTHER_SERVER = 'https://127.0.0.1:32785'
const HTTP_CLUSTER = { name: 'test', server: 'http://127.0.0.1:32784' }

// Step 06's log with kubectl's cut moved before "spec" (as protobuf bodies are cut): expirationSeconds is gone.
const LOG = recorded('token-duration').stderr
const SHOWN = /Response Body: (.*) \[truncated (\d+) chars\]$/m.exec(LOG)
if (SHOWN?.[1] === undefined || SHOWN[2] === undefined) throw new Error("the article's step 06 log has no cut Response Body")
const SPEC = SHOWN[1].indexOf(',"spec"')
const CUT_LOG = swap(LOG, SHOWN[0], `Response Body: ${SHOWN[1].slice(0, SPEC)} [truncated ${SHOWN[1].length - SPEC + Number(SHOWN[2])} chars]`)

/** Steps 05 and 12: the API server accepted the token and listed the core versions. */
const accepted = (id: string): Mutation[] => [
  {
    fails: 'kind is APIVersions (the token was accepted)',
    how: 'another kind',
    output: output({ stdout: swap(stdout(id), '"kind": "APIVersions"', '"kind": "APIGroupList"') }),
  },
  { fails: 'versions lists v1', how: 'versions without v1', output: output({ stdout: swap(stdout(id), '"v1"', '"v2"') }) },
]

/** Step 09's table with one cell of default-token's row replaced (`from` with its padding), the columns kept aligned. */
const cell = (from: string, to: string): string => swap(stdout('list-secrets-after'), from, to.padEnd(from.length))

const YAML = stdout('secrets-yaml')
const yaml = {
  notAList: swap(YAML, /^kind: List$/m, 'kind: SecretList'),
  otherName: swap(YAML, /^ {4}name: default-token$/m, '    name: app-token'),
  otherType: swap(YAML, /^ {2}type: kubernetes\.io\/service-account-token$/m, '  type: Opaque'),
  otherAccount: swap(YAML, /^ {6}kubernetes\.io\/service-account\.name: default$/m, '      kubernetes.io/service-account.name: builder'),
  noCa: swap(YAML, /^ {4}ca\.crt: .*\n/m, ''),
  otherNamespace: swap(YAML, /^ {4}namespace: ZGVmYXVsdA==$/m, `    namespace: ${Buffer.from('kube-system').toString('base64')}`),
  noToken: swap(YAML, /^ {4}token: .*\n/m, ''),
}

const LEGACY_CLAIMS = ['secret.name claim is default-token', 'service-account.name claim is default', 'namespace claim is default']

export const articleFailures: FailureTable = {
  exercises: {
    'set-cluster-name': output({ stdout: captured('set-cluster-name') }),
    'apiserver-url': output({ stdout: captured('apiserver-url') }),
    'create-token': output({ stdout: BOUND }),
    // Its line is step 10's.
    'apply-token-secret': recorded('secrets-yaml'),
    'read-secret-token': output({ stdout: LEGACY }),
    // `kubectl get secrets` once default-token is gone: step 07's empty namespace.
    'delete-token-secret': recorded('list-secrets-before'),
  },
  variants: {
    // Run from step 03 on, there is no step 01 table: the kubeconfig's server is the reference.
    'apiserver-url': [{ how: 'without step 01', output: recorded('apiserver-url'), ctx: { values: new Map() } }],
    'token-duration': [
      { how: 'kubectl cut the logged body before expirationSeconds', output: output({ stdout: stdout('token-duration'), stderr: CUT_LOG }) },
    ],
  },
  mutations: {
    'list-clusters': [
      {
        fails: 'header is "Cluster name<TAB>Server"',
        how: 'a header without the TAB',
        output: output({ stdout: swap(stdout('list-clusters'), 'Cluster name\tServer', 'Cluster name Server') }),
      },
      {
        fails: 'one row per kubeconfig cluster',
        how: 'a cluster the kubeconfig does not have',
        output: output({ stdout: swap(stdout('list-clusters'), /^test\t/m, 'prod\t') }),
        alsoFails: ["the run's cluster (test) has an https server"],
      },
      {
        fails: "the run's cluster (test) has an https server",
        how: 'an http server',
        output: output({ stdout: swap(stdout('list-clusters'), 'https://', 'http://') }),
      },
    ],
    'set-cluster-name': [
      { fails: 'CLUSTER_NAME is the chosen cluster', how: 'another cluster', output: output({ captured: 'prod' }) },
      {
        fails: 'exercise:CLUSTER_NAME names a cluster of the kubeconfig',
        how: 'a name the kubeconfig does not have',
        output: output({ stdout: 'prod' }),
      },
    ],
    'apiserver-url': [
      // The kubeconfig itself names an http server, so APISERVER is its server and only the scheme is wrong.
      {
        fails: 'APISERVER is an https URL',
        how: 'the http server the kubeconfig names',
        output: output({ captured: HTTP_CLUSTER.server }),
        ctx: {
          cluster: HTTP_CLUSTER,
          clusters: [HTTP_CLUSTER],
          values: new Map([['list-clusters', { header: 'Cluster name\tServer', rows: [HTTP_CLUSTER] }]]),
        },
      },
      { fails: "APISERVER is CLUSTER_NAME's server in step 01's table", how: 'another server', output: output({ captured: OTHER_SERVER }) },
      {
        fails: "APISERVER is the target cluster's server in the kubeconfig",
        how: 'another server, without step 01',
        output: output({ captured: OTHER_SERVER }),
        ctx: { values: new Map() },
      },
      {
        fails: 'exercise:APISERVER is the server of CLUSTER_NAME in the kubeconfig',
        how: 'another server',
        output: output({ stdout: OTHER_SERVER }),
      },
    ],
    'create-token': [
      {
        fails: "sub is the namespace's default ServiceAccount",
        how: 'a token of another ServiceAccount',
        output: output({ captured: withClaims(BOUND, (c) => ({ ...c, sub: 'system:serviceaccount:default:builder' })) }),
      },
      { fails: 'has an audience (aud)', how: 'no aud claim', output: output({ captured: withClaims(BOUND, (c) => drop(c, 'aud')) }) },
      {
        fails: 'a bound token (not a legacy Secret token)',
        how: 'no kubernetes.io claim',
        output: output({ captured: withClaims(BOUND, (c) => drop(c, 'kubernetes.io')) }),
      },
      { fails: 'not expired', how: 'minted two hours before the run', output: output({ captured: withClaims(BOUND, (c) => shifted(c, -7200)) }) },
      {
        fails: "lifetime (exp - iat) is the server's default",
        how: 'a two-hour lifetime',
        output: output({ captured: withClaims(BOUND, (c) => ({ ...c, exp: (c.iat as number) + 7200 })) }),
      },
      {
        fails: 'exercise:a bound token (from kubectl create token)',
        how: 'no kubernetes.io claim',
        output: output({ stdout: withClaims(BOUND, (c) => drop(c, 'kubernetes.io')) }),
      },
      {
        fails: "exercise:for the namespace's default ServiceAccount",
        how: 'a token of another ServiceAccount',
        output: output({ stdout: withClaims(BOUND, (c) => ({ ...c, sub: 'system:serviceaccount:default:builder' })) }),
      },
      {
        fails: 'exercise:not expired',
        how: 'minted two hours before the run',
        output: output({ stdout: withClaims(BOUND, (c) => shifted(c, -7200)) }),
      },
    ],
    'call-api': accepted('call-api'),
    'token-duration': [
      {
        fails: 'POST to …/namespaces/default/serviceaccounts/default/token',
        how: "another namespace's ServiceAccount",
        output: {
          ...recorded('token-duration'),
          stderr: swap(LOG, '/namespaces/default/serviceaccounts/default/token', '/namespaces/kube-system/serviceaccounts/default/token'),
        },
      },
      {
        fails: 'response status is 201 Created',
        how: 'status 200 OK',
        output: { ...recorded('token-duration'), stderr: swap(LOG, 'Response Status: 201 Created', 'Response Status: 200 OK') },
      },
      {
        fails: 'expirationSeconds in the response body',
        how: 'expirationSeconds 7200',
        output: { ...recorded('token-duration'), stderr: swap(LOG, '"expirationSeconds":3600', '"expirationSeconds":7200') },
      },
      {
        fails: 'lifetime (kubectl cut the logged body before expirationSeconds; read from the printed token)',
        how: 'a cut body and a two-hour token',
        output: output({ stderr: CUT_LOG, stdout: withClaims(stdout('token-duration'), (c) => ({ ...c, exp: (c.iat as number) + 7200 })) }),
      },
      { fails: 'kubectl printed the token on stdout', how: 'nothing on stdout', output: { ...recorded('token-duration'), stdout: '' } },
    ],
    'list-secrets-before': [
      { fails: 'no default-token Secret yet', how: 'default-token already listed', output: output({ stdout: stdout('list-secrets-after') }) },
    ],
    'apply-token-secret': [
      { fails: 'kubectl created it', how: 'kubectl configured an existing one', output: output({ stdout: 'secret/default-token configured\n' }) },
      {
        fails: 'exercise:Secret default-token exists',
        how: 'the Secret has another name',
        output: output({ stdout: yaml.otherName }),
        alsoFails: [
          'exercise:its type is kubernetes.io/service-account-token',
          'exercise:annotated for the default ServiceAccount',
          'exercise:the token controller filled it (data.token)',
        ],
      },
      { fails: 'exercise:its type is kubernetes.io/service-account-token', how: 'type Opaque', output: output({ stdout: yaml.otherType }) },
      {
        fails: 'exercise:annotated for the default ServiceAccount',
        how: 'annotated for another ServiceAccount',
        output: output({ stdout: yaml.otherAccount }),
      },
      { fails: 'exercise:the token controller filled it (data.token)', how: 'no data.token', output: output({ stdout: yaml.noToken }) },
    ],
    'list-secrets-after': [
      {
        fails: 'default-token is listed',
        how: 'only another Secret listed',
        output: output({ stdout: cell('default-token   ', 'app-token') }),
        alsoFails: ['TYPE is kubernetes.io/service-account-token', 'DATA is 3 (ca.crt, namespace, token)'],
      },
      {
        fails: 'TYPE is kubernetes.io/service-account-token',
        how: 'TYPE Opaque',
        output: output({ stdout: cell(`${TOKEN_SECRET_TYPE}   `, 'Opaque') }),
      },
      { fails: 'DATA is 3 (ca.crt, namespace, token)', how: 'DATA 0 (not filled yet)', output: output({ stdout: cell('3      ', '0') }) },
    ],
    'secrets-yaml': [
      { fails: 'a List', how: 'another kind', output: output({ stdout: yaml.notAList }) },
      {
        fails: 'holds default-token',
        how: 'the Secret has another name',
        output: output({ stdout: yaml.otherName }),
        alsoFails: ['annotated for the default ServiceAccount', 'data has ca.crt', 'data.namespace is base64 of "default"', 'data has token'],
      },
      {
        fails: 'annotated for the default ServiceAccount',
        how: 'annotated for another ServiceAccount',
        output: output({ stdout: yaml.otherAccount }),
      },
      { fails: 'data has ca.crt', how: 'no data.ca.crt', output: output({ stdout: yaml.noCa }) },
      { fails: 'data.namespace is base64 of "default"', how: 'data.namespace of kube-system', output: output({ stdout: yaml.otherNamespace }) },
      { fails: 'data has token', how: 'no data.token', output: output({ stdout: yaml.noToken }) },
    ],
    'read-secret-token': [
      // The legacy claims are read only from a legacy token: a token that is not one loses them too.
      {
        fails: 'a legacy Secret token',
        how: 'no secret.name claim',
        output: output({ captured: withClaims(LEGACY, (c) => drop(c, 'kubernetes.io/serviceaccount/secret.name')) }),
        alsoFails: LEGACY_CLAIMS,
      },
      // A token is legacy only with the legacy issuer, so another issuer also makes it no legacy token.
      {
        fails: 'iss is kubernetes/serviceaccount',
        how: 'another issuer',
        output: output({ captured: withClaims(LEGACY, (c) => ({ ...c, iss: 'https://kubernetes.default.svc.cluster.local' })) }),
        alsoFails: ['a legacy Secret token', ...LEGACY_CLAIMS],
      },
      {
        fails: 'secret.name claim is default-token',
        how: 'from another Secret',
        output: output({ captured: withClaims(LEGACY, (c) => ({ ...c, 'kubernetes.io/serviceaccount/secret.name': 'default-token-x7k2p' })) }),
      },
      {
        fails: 'service-account.name claim is default',
        how: 'for another ServiceAccount',
        output: output({ captured: withClaims(LEGACY, (c) => ({ ...c, 'kubernetes.io/serviceaccount/service-account.name': 'builder' })) }),
      },
      {
        fails: 'namespace claim is default',
        how: 'from another namespace',
        output: output({ captured: withClaims(LEGACY, (c) => ({ ...c, 'kubernetes.io/serviceaccount/namespace': 'kube-system' })) }),
      },
      {
        fails: "sub is the namespace's default ServiceAccount",
        how: 'another subject',
        output: output({ captured: withClaims(LEGACY, (c) => ({ ...c, sub: 'system:serviceaccount:default:builder' })) }),
      },
      { fails: 'no expiry (exp)', how: 'an exp claim', output: output({ captured: withClaims(LEGACY, (c) => ({ ...c, exp: 1720310548 })) }) },
      {
        fails: 'exercise:a legacy Secret token',
        how: 'no secret.name claim',
        output: output({ stdout: withClaims(LEGACY, (c) => drop(c, 'kubernetes.io/serviceaccount/secret.name')) }),
        alsoFails: ['exercise:from the Secret default-token', 'exercise:for the default ServiceAccount'],
      },
      {
        fails: 'exercise:from the Secret default-token',
        how: 'from another Secret',
        output: output({ stdout: withClaims(LEGACY, (c) => ({ ...c, 'kubernetes.io/serviceaccount/secret.name': 'default-token-x7k2p' })) }),
      },
      {
        fails: 'exercise:for the default ServiceAccount',
        how: 'for another ServiceAccount',
        output: output({ stdout: withClaims(LEGACY, (c) => ({ ...c, 'kubernetes.io/serviceaccount/service-account.name': 'builder' })) }),
      },
    ],
    'call-api-secret-token': accepted('call-api-secret-token'),
    'delete-token-secret': [
      {
        fails: 'kubectl deleted it',
        how: 'no such Secret',
        output: output({ stdout: '', stderr: 'Error from server (NotFound): secrets "default-token" not found\n', exitCode: 1 }),
      },
      { fails: 'exercise:Secret default-token is gone', how: 'default-token still listed', output: recorded('list-secrets-after') },
    ],
    'call-api-revoked': [
      {
        fails: 'kind is Status',
        how: 'another kind',
        output: output({ stdout: swap(stdout('call-api-revoked'), '"kind": "Status"', '"kind": "APIVersions"') }),
      },
      { fails: 'code is 401', how: 'code 403', output: output({ stdout: swap(stdout('call-api-revoked'), '"code": 401', '"code": 403') }) },
      {
        fails: 'reason is Unauthorized',
        how: 'reason Forbidden',
        output: output({ stdout: swap(stdout('call-api-revoked'), '"reason": "Unauthorized"', '"reason": "Forbidden"') }),
      },
    ],
  },
  guards: {
    // The guard's line prints name<TAB>type<TAB>service-account annotation, one Secret a line (empty when absent).
    'apply-token-secret': [
      { how: 'an empty namespace', stdout: '' },
      { how: 'other Secrets only', stdout: `app-config\tOpaque\t\nbuilder-token\t${TOKEN_SECRET_TYPE}\tbuilder\n` },
      {
        how: "the article's default-token already there",
        stdout: `default-token\t${TOKEN_SECRET_TYPE}\tdefault\n`,
        ctx: { namespace: 'team-a' },
        refuses: [/^a Secret default-token already exists in namespace team-a and is not this run's/],
      },
      {
        how: 'a default-token of another type',
        stdout: 'app-config\tOpaque\t\ndefault-token\tOpaque\t\n',
        ctx: { namespace: 'team-a' },
        refuses: [/^a Secret default-token already exists in namespace team-a/],
      },
      {
        how: 'another token Secret for default',
        stdout: `app-config\tOpaque\t\ndefault-token-x7k2p\t${TOKEN_SECRET_TYPE}\tdefault\n`,
        ctx: { namespace: 'team-a' },
        refuses: [
          /^namespace team-a already has a token Secret for the default ServiceAccount \(default-token-x7k2p\)/,
          /--isolate/,
          /delete it if no one uses it$/,
        ],
      },
      {
        how: 'two other token Secrets for default',
        stdout: `default-token-x7k2p\t${TOKEN_SECRET_TYPE}\tdefault\nci-token\t${TOKEN_SECRET_TYPE}\tdefault\n`,
        ctx: { namespace: 'team-a' },
        refuses: [/\(default-token-x7k2p, ci-token\)/, /delete them if no one uses them$/],
      },
    ],
  },
}
