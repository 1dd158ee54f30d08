import { describe, expect, it } from 'vitest'
import { dryRunsAnswered, objectPath, readObject, refPath } from '../../src/platform/direct-read.js'
import { answering, httpsStandIn } from '../https-stand-in.js'

describe('the API path of a built-in object', () => {
  it.each([
    ['serviceaccount/default', 'api/v1/namespaces/team/serviceaccounts/default'],
    ['configmap/app settings', 'api/v1/namespaces/team/configmaps/app%20settings'],
    ['deployment.apps/web', 'apis/apps/v1/namespaces/team/deployments/web'],
    ['namespace/team', 'api/v1/namespaces/team'],
    // A kind kubewalk does not know the path of is kubectl's to find.
    ['widget.example.com/a', undefined],
    ['deployment.extensions/web', undefined],
  ])('%s → %s', (object, path) => expect(objectPath(object, 'team')).toBe(path))

  it.each([
    [{ kind: 'Secret', group: '', name: 'default-token', namespace: 'default' }, 'api/v1/namespaces/default/secrets/default-token'],
    [{ kind: 'Deployment', group: 'apps', name: 'web', namespace: 'team' }, 'apis/apps/v1/namespaces/team/deployments/web'],
    [{ kind: 'Node', group: '', name: 'n1' }, 'api/v1/nodes/n1'],
    // A namespaced kind named without its namespace, or a cluster-scoped one with one, is not guessed at.
    [{ kind: 'Secret', group: '', name: 'x' }, undefined],
    [{ kind: 'Namespace', group: '', name: 'team', namespace: 'team' }, undefined],
    [{ kind: 'Role', group: 'rbac.authorization.k8s.io', name: 'r', namespace: 'team' }, undefined],
    [{ kind: 'Secret', group: '', name: '', namespace: 'team' }, undefined],
  ])('%o → %s', (ref, path) => expect(refPath(ref)).toBe(path))
})

describe('an object read from this process', () => {
  const serverAnswering = (answers: [number, unknown][]) => httpsStandIn(answering(answers))

  it('is the object on 200, null on NotFound, and undefined (kubectl reads it) on anything else', async () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'team', uid: 'u1' } }
    const { creds, seen } = await serverAnswering([
      [200, secret],
      [404, { kind: 'Status', code: 404, reason: 'NotFound' }],
      // A 404 that is not the object's (a proxy's page) is not "not there".
      [404, '<html>not here</html>'],
      [500, { kind: 'Status', code: 500, reason: 'InternalError' }],
      [200, 'not json'],
      [403, { kind: 'Status', code: 403, reason: 'Forbidden' }],
    ])
    const path = 'api/v1/namespaces/team/secrets/s'
    expect(await readObject(creds, path, 2_000)).toEqual(secret)
    expect(await readObject(creds, path, 2_000)).toBeNull()
    for (let i = 0; i < 4; i++) expect(await readObject(creds, path, 2_000)).toBeUndefined()
    expect(seen[0]).toBe('GET /api/v1/namespaces/team/secrets/s Bearer t')
  })

  it('shares one connection (one TLS handshake) between reads with the same credentials, at once or one after another', async () => {
    const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }
    const { creds, seen, handshakes } = await serverAnswering([
      [200, object],
      [200, object],
      [200, object],
    ])
    const path = 'api/v1/namespaces/team/configmaps/c'
    await Promise.all([readObject(creds, path, 2_000), readObject(creds, path, 2_000)])
    // Another read later, with credentials read again (as each guarded call reads them): the same connection.
    expect(await readObject({ ...creds, server: new URL(creds.server.href) }, path, 2_000)).toEqual(object)
    expect(seen).toHaveLength(3)
    expect(handshakes()).toBe(1)
  })

  it('is undefined when no answer comes in time', async () => {
    const { creds } = await httpsStandIn(undefined)
    expect(await readObject(creds, 'api/v1/nodes/n1', 300)).toBeUndefined()
  })
})

describe('whether the server answers a dry run', () => {
  const list = (...sideEffects: string[]) => ({ kind: 'List', items: [{ webhooks: sideEffects.map((s) => ({ sideEffects: s })) }] })
  const empty = { kind: 'List', items: [] }

  it('yes with no webhooks, or only webhooks with no side effects on a dry run', async () => {
    const { creds, seen } = await httpsStandIn(
      answering([
        [200, empty],
        [200, empty],
        [200, list('None', 'NoneOnDryRun')],
        [200, list('None')],
      ]),
    )
    expect(await dryRunsAnswered(creds, 2_000)).toBe(true)
    expect(await dryRunsAnswered(creds, 2_000)).toBe(true)
    expect(seen.map((s) => s.split(' ')[1]).sort()).toEqual([
      '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
      '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
      '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
      '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
    ])
  })

  it('no when a webhook has side effects (the server refuses the dry run), or the lists cannot be read', async () => {
    const { creds } = await httpsStandIn(
      answering([
        [200, list('None', 'Unknown')],
        [200, empty],
        [403, { kind: 'Status', code: 403, reason: 'Forbidden' }],
        [200, empty],
      ]),
    )
    expect(await dryRunsAnswered(creds, 2_000)).toBe(false)
    expect(await dryRunsAnswered(creds, 2_000)).toBe(false)
  })
})
