// Errors a page shows as a line's answer, read into their shape. Recorded texts are the pages' own (cited per
// case); live texts are what kubectl prints for the same refusal on one line.
import { describe, expect, it } from 'vitest'
import { describeError, errorMessages, recordedErrorAnswers, sameError } from '../../../src/sources/markdown/answers.js'

// kubernetes/website content/en/docs/tasks/administer-cluster/manage-resources/quota-memory-cpu-namespace.md (wrapped by the page).
const quotaRecorded = `Error from server (Forbidden): error when creating "examples/admin/resource/quota-mem-cpu-pod-2.yaml":
pods "quota-mem-cpu-demo-2" is forbidden: exceeded quota: mem-cpu-demo,
requested: requests.memory=700Mi,used: requests.memory=600Mi, limited: requests.memory=1Gi`
const quotaLive =
  'Error from server (Forbidden): error when creating "https://k8s.io/examples/admin/resource/quota-mem-cpu-pod-2.yaml": pods "quota-mem-cpu-demo-2" is forbidden: exceeded quota: mem-cpu-demo, requested: requests.memory=700Mi, used: requests.memory=620Mi, limited: requests.memory=1Gi'
// kubernetes/website content/en/docs/tasks/administer-cluster/manage-resources/memory-constraint-namespace.md.
const limitMax = `Error from server (Forbidden): error when creating "examples/admin/resource/memory-constraints-pod-2.yaml":
pods "constraints-mem-demo-2" is forbidden: maximum memory usage per Container is 1Gi, but limit is 1536Mi.`
const limitMin = `Error from server (Forbidden): error when creating "examples/admin/resource/memory-constraints-pod-3.yaml":
pods "constraints-mem-demo-3" is forbidden: minimum memory usage per Container is 500Mi, but request is 100Mi.`
// RBAC as the Capsule docs (projectcapsule.dev) record it, wrapped after "forbidden:".
const rbacRecorded = `Error from server (Forbidden): pods is forbidden:
User "alice" cannot list resource "pods" in API group "" in the namespace "kube-system"`
const rbacLive =
  'Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:kubewalk-x1:reader" cannot list resource "pods" in API group "" in the namespace "kubewalk-x1"'
const podSecurity =
  'Error from server (Forbidden): error when creating "STDIN": pods "privileged-pod" is forbidden: violates PodSecurity "restricted:latest": privileged (container "app" must not set securityContext.privileged=true)'

const one = (text: string) => {
  const [m, ...rest] = errorMessages(text.split('\n'))
  expect(rest).toEqual([])
  return m as NonNullable<typeof m>
}

describe('errorMessages', () => {
  it.each([
    [quotaRecorded, 'Forbidden (exceeded quota): create pods', 3],
    [quotaLive, 'Forbidden (exceeded quota): create pods', 1],
    [limitMax, 'Forbidden (maximum memory per Container): create pods', 2],
    [rbacRecorded, 'Forbidden (RBAC): list pods', 2],
    [podSecurity, 'Forbidden (violates PodSecurity restricted:latest): create pods', 1],
    ['Error from server (NotFound): deployments.apps "nginx" not found', 'NotFound: deployments.apps', 1],
    // kubectl create configmap's own words for the same refusal the server gives.
    [
      'error: failed to create configmap: configmaps "extra" is forbidden: exceeded quota: cm, requested: configmaps=1, used: configmaps=1, limited: configmaps=0',
      'Forbidden (exceeded quota): create configmaps',
      1,
    ],
    ['Error from server (AlreadyExists): namespaces "quota-mem-cpu-example" already exists', 'AlreadyExists: namespaces', 1],
  ])('%s reads as %s', (text, described, lines) => {
    const m = one(text)
    expect(describeError(m)).toBe(described)
    expect(m.lines).toBe(lines)
  })
  it('joins a wrapped message and stops at the next line that is not part of it', () => {
    const ms = errorMessages(['namespace/quota-mem-cpu-example created', ...quotaRecorded.split('\n'), 'pod/quota-mem-cpu-demo created'])
    expect(ms.map((m) => [m.at, m.lines])).toEqual([[1, 3]])
    expect(ms[0]?.text).toContain('mem-cpu-demo, requested: requests.memory=700Mi, used: requests.memory=600Mi')
  })
  it('finds nothing in output that is no error', () => expect(errorMessages(['pod/constraints-mem-demo created', 'No resources found'])).toEqual([]))
})

describe('sameError', () => {
  it('the same refusal with other names and numbers (user, namespace, usage) is the same error', () => {
    expect(sameError(one(quotaRecorded), one(quotaLive))).toBe(true)
    expect(sameError(one(rbacRecorded), one(rbacLive))).toBe(true)
  })
  it('another cause, verb or resource is another error', () => {
    expect(sameError(one(limitMax), one(limitMin))).toBe(false)
    expect(sameError(one(quotaRecorded), one(rbacLive))).toBe(false)
    expect(sameError(one(rbacRecorded), one(rbacLive.replace('cannot list', 'cannot watch')))).toBe(false)
    expect(sameError(one(rbacRecorded), one(rbacLive.replace('resource "pods"', 'resource "secrets"')))).toBe(false)
  })
})

describe('recordedErrorAnswers', () => {
  const answers = recordedErrorAnswers(quotaRecorded)
  it('accepts the error the recording shows, and nothing else', () => {
    expect(answers?.(`${quotaLive}\n`)).toBe(true)
    expect(answers?.(`${rbacLive}\n`)).toBe(false)
    expect(answers?.('error: the server doesn\'t have a resource type "pods"\n')).toBe(false)
    expect(answers?.('')).toBe(false)
  })
  it('is absent for a recording that shows no error', () => expect(recordedErrorAnswers('pod/quota-mem-cpu-demo created')).toBeUndefined())
})

describe('a server message quoted without kubectl’s prefix', () => {
  // kubernetes/website content/en/docs/tasks/administer-cluster/quota-api-object.md: the page shows the message alone, wrapped.
  const recorded = `persistentvolumeclaims "pvc-quota-demo-2" is forbidden:
exceeded quota: object-quota-demo, requested: persistentvolumeclaims=1,
used: persistentvolumeclaims=1, limited: persistentvolumeclaims=1`
  // As kubectl 1.37 prints the refusal, on one line.
  const live =
    'Error from server (Forbidden): error when creating "https://k8s.io/examples/admin/resource/quota-objects-pvc-2.yaml": persistentvolumeclaims "pvc-quota-demo-2" is forbidden: exceeded quota: object-quota-demo, requested: persistentvolumeclaims=1, used: persistentvolumeclaims=1, limited: persistentvolumeclaims=1'
  it('reads as the same refusal, and answers the line', () => {
    expect(describeError(one(recorded))).toBe('Forbidden (exceeded quota): persistentvolumeclaims')
    expect(recordedErrorAnswers(recorded)?.(live)).toBe(true)
    expect(recordedErrorAnswers(recorded)?.(rbacLive)).toBe(false)
  })
})
