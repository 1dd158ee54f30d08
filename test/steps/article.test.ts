// Every step's parser and checks, fed the output the article recorded: the article must pass its own checks.
import { describe, expect, it } from 'vitest'
import { article } from '../../steps/index.js'
import { articleOutputs } from '../../steps/lib/recorded.js'
import type { StepOutput } from '../../src/core/step.js'
import { ctx, fixture, output } from '../helpers.js'

const recorded = articleOutputs()
const steps = article.steps

describe('the article passes its own checks', () => {
  const values = new Map<string, unknown>()
  it('has a recording for every step', () => {
    expect(Object.keys(recorded)).toEqual(steps.map((s) => s.id))
  })
  it.each(steps.map((s) => [s.number, s.id, s] as const))('%s %s', (_n, id, step) => {
    const c = ctx({ vars: { CLUSTER_NAME: 'test' }, values })
    const value = step.parse(recorded[id] as StepOutput, c)
    values.set(id, value)
    const failed = step.check(value, c).filter((a) => !a.ok)
    expect(failed).toEqual([])
  })
})

describe('checks fail on output that differs from the article', () => {
  it.each([
    ['list-clusters', output({ stdout: 'Cluster name\tServer\ntest\thttp://127.0.0.1:32784\n' }), "the run's cluster (test) has an https server"],
    ['list-clusters', output({ stdout: 'Cluster name\tServer\nother\thttps://x\n' }), 'one row per kubeconfig cluster'],
    ['set-cluster-name', output({ captured: 'prod' }), 'CLUSTER_NAME is the chosen cluster'],
    ['create-token', output({ captured: fixture('article/11-read-secret-token.token.txt').trim() }), 'a bound token (not a legacy Secret token)'],
    ['call-api', output({ stdout: fixture('article/14-call-api-revoked.stdout.txt') }), 'kind is APIVersions (the token was accepted)'],
    ['list-secrets-before', output({ stdout: fixture('article/09-list-secrets-after.stdout.txt') }), 'no default-token Secret yet'],
    ['apply-token-secret', output({ stdout: 'secret/default-token unchanged\n' }), 'kubectl created it'],
    [
      'list-secrets-after',
      output({
        stdout: 'NAME            TYPE                                  DATA   AGE\ndefault-token   kubernetes.io/service-account-token   0      1s\n',
      }),
      'DATA is 3 (ca.crt, namespace, token)',
    ],
    ['read-secret-token', output({ captured: fixture('article/04-create-token.token.txt').trim() }), 'a legacy Secret token'],
    ['call-api-revoked', output({ stdout: fixture('article/12-call-api-secret-token.stdout.txt') }), 'kind is Status'],
  ])('%s: %s', (id, out, failing) => {
    const step = steps.find((s) => s.id === id)!
    const c = ctx({ vars: { CLUSTER_NAME: 'test' } })
    const names = step
      .check(step.parse(out, c), c)
      .filter((a) => !a.ok)
      .map((a) => a.name)
    expect(names).toContain(failing)
  })

  it("list-clusters checks the run's cluster only: another entry of a merged kubeconfig may be http:// or empty", () => {
    const step = steps.find((s) => s.id === 'list-clusters')!
    const target = { name: 'test', server: 'https://127.0.0.1:32784' }
    const clusters = [{ name: 'legacy', server: 'http://10.0.0.9:8080' }, { name: 'stub', server: '' }, target]
    const c = ctx({ cluster: target, clusters })
    // What kubectl config view prints for such a kubeconfig (kubectl v1.37.2): an empty server leaves the row ending in a TAB.
    const out = output({ stdout: 'Cluster name\tServer\nlegacy\thttp://10.0.0.9:8080\nstub\t\ntest\thttps://127.0.0.1:32784\n' })
    expect(step.check(step.parse(out, c), c).filter((a) => !a.ok)).toEqual([])
    const other = ctx({ cluster: clusters[0], clusters })
    expect(
      step
        .check(step.parse(out, other), other)
        .filter((a) => !a.ok)
        .map((a) => a.name),
    ).toEqual(["the run's cluster (legacy) has an https server"])
  })

  it('token-duration fails when the lifetime is not the expected one', () => {
    const step = steps.find((s) => s.id === 'token-duration')!
    const c = ctx({ settings: { 'token-lifetime': 7200 } })
    const checks = step.check(step.parse(recorded['token-duration'] as StepOutput, c), c)
    expect(checks.find((a) => a.name === 'expirationSeconds in the response body')).toMatchObject({ ok: false, expected: 7200, actual: 3600 })
  })

  it('create-token fails an expired token', () => {
    const step = steps.find((s) => s.id === 'create-token')!
    const c = ctx({ now: new Date('2024-07-08T00:00:00Z') })
    const failed = step.check(step.parse(recorded['create-token'] as StepOutput, c), c).filter((a) => !a.ok)
    expect(failed.map((a) => a.name)).toEqual(['not expired'])
  })

  it('delete-token-secret accepts kubectl 1.33 wording', () => {
    const step = steps.find((s) => s.id === 'delete-token-secret')!
    const c = ctx()
    expect(step.check(step.parse(output({ stdout: 'secret "default-token" deleted from default namespace\n' }), c), c).every((a) => a.ok)).toBe(true)
  })
})

describe('step definitions', () => {
  it('ids are unique and numbered 01..14 in order', () => {
    expect(steps.map((s) => s.number)).toEqual(Array.from({ length: 14 }, (_, i) => String(i + 1).padStart(2, '0')))
    expect(new Set(steps.map((s) => s.id)).size).toBe(14)
  })
  it('set-cluster-name writes the article form for plain names and quotes the rest through zx', () => {
    const step = steps.find((s) => s.id === 'set-cluster-name')!
    const cmd = (name: string) =>
      typeof step.command === 'function' ? step.command({ cluster: { name, server: '' }, namespace: 'default' }) : step.command
    expect(cmd('test')).toBe('export CLUSTER_NAME="test"')
    expect(cmd('arn:aws:eks:us-east-1:1:cluster/x')).toBe('export CLUSTER_NAME="arn:aws:eks:us-east-1:1:cluster/x"')
    expect(cmd('a"b $(rm -rf ~)')).toBe("export CLUSTER_NAME=$'a\"b $(rm -rf ~)'")
  })
})
