// The default check: an output against its recording, through the drift classifier. Recordings are the
// article's (article/recorded/, Kubernetes 1.28); live outputs come from the lab (test/fixtures/lab/,
// kubectl 1.33; test/fixtures/v8/, kubectl -v=8 logs of 1.28–1.33).
import { describe, expect, it } from 'vitest'
import { compareWithRecording, comparisonAssertions, declaredCheck, httpStatus, shapeOf } from '../../../src/sources/markdown/checks.js'
import { fixture, output } from '../../helpers.js'

const realOf = (recording: string, live: string, stdout = live, subs: { recorded: string; live: string }[] = []) =>
  compareWithRecording('s', recording, live, { stdout, substitutions: subs }).items.filter((i) => i.kind === 'real')

describe('shapeOf', () => {
  it.each([
    ['article/05-call-api.stdout.txt', 'json'],
    ['article/10-secrets-yaml.stdout.txt', 'yaml'],
    ['article/09-list-secrets-after.stdout.txt', 'table'],
    ['article/01-list-clusters.stdout.txt', 'lines'],
    ['article/06-token-duration.stderr.txt', 'lines'],
    ['article/08-apply-token-secret.stdout.txt', 'lines'],
    ['article/13-delete-token-secret.stdout.txt', 'lines'],
  ])('%s is read as %s', (file, shape) => expect(shapeOf(fixture(file))).toBe(shape))
})

describe('no real difference where only the run differs', () => {
  it.each([
    ['a table: age and row order', 'article/09-list-secrets-after.stdout.txt', 'lab/kubectl-1.33-get-secrets-token-secret.stdout.txt'],
    ['lines: kubectl 1.33 says the same', 'article/07-list-secrets-before.stderr.txt', 'lab/kubectl-1.33-get-secrets-empty.stderr.txt'],
    ['a -v=8 log of another version', 'article/06-token-duration.stderr.txt', 'v8/kubectl-1.33.stderr.txt'],
    ['JSON: another address', 'article/12-call-api-secret-token.stdout.txt', 'article/05-call-api.stdout.txt'],
  ])('%s', (_, recorded, live) => expect(realOf(fixture(recorded), fixture(live))).toEqual([]))

  it('a value chosen by the reader, and the namespace the run acts in', () => {
    const live = 'Cluster name\tServer\nkubewalk-lab\thttps://127.0.0.1:41235\n'
    expect(realOf(fixture('article/01-list-clusters.stdout.txt'), live)).toHaveLength(1)
    expect(realOf(fixture('article/01-list-clusters.stdout.txt'), live, live, [{ recorded: 'test', live: 'kubewalk-lab' }])).toEqual([])
    expect(
      realOf('No resources found in default namespace.', 'No resources found in kubewalk-x1 namespace.', '', [
        { recorded: 'default', live: 'kubewalk-x1' },
      ]),
    ).toEqual([])
  })

  it('a field only the output has is reported as version, not failed', () => {
    const c = compareWithRecording('s', '{"kind":"APIVersions"}', '{"kind":"APIVersions","extra":1}')
    expect(c.items).toEqual([expect.objectContaining({ path: 'extra', kind: 'version' })])
    expect(comparisonAssertions(c)).toEqual([{ name: 'the output matches its recording (1 version difference)', ok: true }])
  })
})

describe('real differences fail', () => {
  it('a row the recording has and the output lacks', () => {
    const items = realOf(fixture('article/09-list-secrets-after.stdout.txt'), 'NAME   TYPE   DATA   AGE\n')
    // AGE too is missing, but the engine's rules call an age expected.
    expect(items.map((i) => i.path)).toEqual(['default-token.NAME', 'default-token.TYPE', 'default-token.DATA'])
  })
  it('another answer from the API server', () => {
    const items = realOf(fixture('article/14-call-api-revoked.stdout.txt'), fixture('article/12-call-api-secret-token.stdout.txt'))
    expect(items.map((i) => i.path)).toEqual(expect.arrayContaining(['kind', 'code']))
  })
  it('a line the output lacks', () => {
    expect(realOf(fixture('article/08-apply-token-secret.stdout.txt'), 'secret/default-token configured')).toHaveLength(1)
  })
  it('output that is not JSON where the recording is', () => {
    const c = compareWithRecording('s', fixture('article/05-call-api.stdout.txt'), 'Unauthorized')
    expect(comparisonAssertions(c)).toEqual([
      expect.objectContaining({ ok: false, name: 'the output as recorded: the recording is JSON; the output is not' }),
    ])
  })
})

describe('declared checks', () => {
  const revoked = output({ stdout: fixture('article/14-call-api-revoked.stdout.txt') })
  it.each([
    [{ kind: 'http', status: 401, line: 1 } as const, revoked, true],
    [{ kind: 'http', status: 200, line: 1 } as const, revoked, false],
    [{ kind: 'json', path: '.reason', equals: 'Unauthorized', line: 1 } as const, revoked, true],
    [{ kind: 'json', path: '{.code}', equals: '403', line: 1 } as const, revoked, false],
    [{ kind: 'contains', text: 'Unauthorized', line: 1 } as const, revoked, true],
    [{ kind: 'matches', regex: /"code": 40[13]/, line: 1 } as const, revoked, true],
    [
      { kind: 'cell', row: { column: 'NAME', value: 'default-token' }, column: 'DATA', equals: '3', line: 1 } as const,
      output({ stdout: fixture('article/09-list-secrets-after.stdout.txt') }),
      true,
    ],
    [
      { kind: 'cell', row: 0, column: 'TYPE', equals: 'Opaque', line: 1 } as const,
      output({ stdout: fixture('article/09-list-secrets-after.stdout.txt') }),
      false,
    ],
  ])('%o', (check, out, ok) => expect(declaredCheck(check, out, out.stdout).ok).toBe(ok))
  it('reads the status line of curl -i', () => expect(httpStatus(output({ stdout: 'HTTP/2 403 \ncontent-type: application/json\n\n{}' }))).toBe(403))
})
