import { describe, expect, it } from 'vitest'
import { diffValues, driftCounts, driftOf } from '../../src/core/drift.js'
import { articleDrift } from '../../steps/lib/drift.js'
import { articleOutputs } from '../../steps/lib/recorded.js'
import type { RunResult, StepResult } from '../../src/engine/runner.js'
import { article, steps } from '../../steps/index.js'
import { tokenDuration } from '../../steps/06-token-duration.js'
import { ctx, fixture, output } from '../helpers.js'

function runOf(values: Record<string, unknown>): RunResult {
  const stepResults = steps.map((s): StepResult => ({
    id: s.id,
    number: s.number,
    title: s.title,
    command: '',
    status: s.id in values ? 'passed' : 'skipped',
    durationMs: 0,
    attempts: 1,
    assertions: [],
    output: { stdout: '', stderr: '', exitCode: 0 },
    ...(s.id in values ? { value: values[s.id] } : {}),
  }))
  return { ok: true, status: 'passed', steps: stepResults, cleanup: [], startedAt: '2026-11-28T10:00:00.000Z', durationMs: 0 }
}

describe('drift', () => {
  const articleValues = (): Record<string, unknown> => {
    const recorded = articleOutputs()
    return Object.fromEntries(steps.map((s) => [s.id, s.parse(recorded[s.id]!, ctx({ vars: { CLUSTER_NAME: 'test' } }))]))
  }

  it('finds none when the live run is the article itself: every step compared, no item in any', () => {
    const drift = driftOf(runOf(articleValues()), article)
    expect(drift.map((d) => [d.id, d.items])).toEqual(steps.map((s) => [s.id, []]))
  })

  it('reports a changed value in a run that is otherwise the article, at its step only', () => {
    const values = articleValues()
    values['token-duration'] = { ...(values['token-duration'] as Record<string, unknown>), expirationSeconds: 7200 }
    values['list-secrets-after'] = { ...(values['list-secrets-after'] as Record<string, string>), DATA: '2' }
    const drift = driftOf(runOf(values), article)
    expect(drift.filter((d) => d.items.length > 0)).toEqual([
      { id: 'token-duration', items: [{ path: 'expirationSeconds', article: 3600, live: 7200, kind: 'real', note: expect.any(String) }] },
      { id: 'list-secrets-after', items: [{ path: 'DATA', article: '3', live: '2', kind: 'real', note: expect.any(String) }] },
    ])
  })

  it('classifies kubectl 1.33 against the lab (recorded): log format and protobuf are version changes', () => {
    const stdout = fixture('article/06-token-duration.stdout.txt')
    const live = tokenDuration.parse(output({ stdout, stderr: fixture('v8/kubectl-1.33.stderr.txt') }), ctx())
    const items = diffValues('token-duration', tokenDuration.parse(articleOutputs()['token-duration']!, ctx()), live, { rules: articleDrift })
    const byPath = Object.fromEntries(items.map((i) => [i.path, i.kind]))
    expect(byPath).toMatchObject({
      format: 'version',
      'body.encoding': 'version',
      requestContentType: 'version',
      userAgent: 'version',
      expirationSeconds: 'version',
      url: 'expected',
    })
    expect(items.find((i) => i.path === 'expirationSeconds')).toMatchObject({ article: 3600 })
    expect(items.some((i) => i.kind === 'real')).toBe(false)
  })

  it.each([
    [
      'token-duration',
      { expirationSeconds: 3600, tokenLifetime: 3600 },
      { expirationSeconds: 7200, tokenLifetime: 7200 },
      'expirationSeconds',
      'real',
    ],
    ['create-token', { claims: { sub: 'a' } }, { claims: { sub: 'a', jti: 'x' } }, 'claims.jti', 'version'],
    ['create-token', { claims: { exp: 1 } }, { claims: { exp: 2 } }, 'claims.exp', 'expected'],
    ['call-api', { kind: 'APIVersions', versions: ['v1'] }, { kind: 'APIVersions', versions: ['v2'] }, 'versions[0]', 'real'],
    ['delete-token-secret', 'secret "default-token" deleted', 'secret "default-token" deleted from default namespace', 'value', 'version'],
    ['set-cluster-name', 'test', 'minikube', 'value', 'expected'],
    ['list-secrets-after', { NAME: 'default-token', DATA: '3', AGE: '4s' }, { NAME: 'default-token', DATA: '2', AGE: '1s' }, 'DATA', 'real'],
  ])('%s: %j → %j is %s %s', (step, a, l, path, kind) => {
    expect(diffValues(step, a, l, { rules: articleDrift }).find((i) => i.path === path)?.kind).toBe(kind)
  })

  it('never shows Secret data values', () => {
    const items = diffValues(
      'secrets-yaml',
      { secret: { data: { token: 'ZXlKaGJH-old' } } },
      { secret: { data: { token: 'ZXlKaGJH-new' } } },
      { rules: articleDrift },
    )
    expect(items).toEqual([{ path: 'secret.data.token', kind: 'expected', note: expect.stringContaining('values not shown') }])
  })

  it('counts by kind', () => {
    expect(
      driftCounts([
        {
          id: 'x',
          items: [
            { path: 'a', kind: 'real', note: '' },
            { path: 'b', kind: 'version', note: '' },
            { path: 'c', kind: 'version', note: '' },
          ],
        },
      ]),
    ).toEqual({ expected: 0, version: 2, real: 1 })
  })
})

describe('drift of token steps', () => {
  it('compares the claims once, not the fields derived from them', () => {
    const items = diffValues(
      'create-token',
      { header: { kid: 'a' }, claims: { sub: 'x' }, subject: 'x', keyId: 'a' },
      { header: { kid: 'b' }, claims: { sub: 'x', jti: 'j' }, subject: 'x', keyId: 'b', tokenId: 'j' },
      { rules: articleDrift },
    )
    expect(items.map((i) => [i.path, i.kind])).toEqual([
      ['header.kid', 'expected'],
      ['claims.jti', 'version'],
    ])
  })
})

describe('drift in another namespace', () => {
  it.each([
    ['a whole value', 'default', 'team-a'],
    ['a path segment', '/api/v1/namespaces/default/serviceaccounts/default/token', '/api/v1/namespaces/team-a/serviceaccounts/default/token'],
    ['a service account name', 'system:serviceaccount:default:default', 'system:serviceaccount:team-a:default'],
    ['a string inside JSON', '{"name":"default-token","namespace":"default"}', '{"name":"default-token","namespace":"team-a"}'],
  ])("the run's namespace in %s is expected", (_what, recorded, live) => {
    expect(diffValues('x', { v: recorded }, { v: live }, { namespace: { recorded: 'default', live: 'team-a' } })).toEqual([
      { path: 'v', article: recorded, live, kind: 'expected', note: 'this run acts in namespace team-a' },
    ])
  })
  it('anything else that differs is still classified by the rules', () => {
    expect(diffValues('x', { v: 'default' }, { v: 'team-b' }, { namespace: { recorded: 'default', live: 'team-a' } })[0]?.kind).toBe('real')
    expect(diffValues('x', { v: 'ns-default' }, { v: 'ns-team-a' }, { namespace: { recorded: 'default', live: 'team-a' } })[0]?.kind).toBe('real')
  })
})
