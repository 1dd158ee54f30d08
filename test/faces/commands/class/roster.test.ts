import { parseDocument } from 'yaml'
import { describe, expect, it } from 'vitest'
import {
  CLASS_LABEL,
  PARTICIPANT_ACCOUNT,
  checkPrefix,
  checkServer,
  classSelector,
  codesText,
  durationSeconds,
  handOutCode,
  isLoopback,
  normalizeCode,
  parseCodes,
  participantKubeconfig,
  participantNames,
  participantObjects,
  participantsOf,
  renderRoster,
} from '../../../../src/faces/commands/class/roster.js'

describe("a class's participants", () => {
  it.each([
    [{ participants: '3' }, 'class-', ['p01', 'p02', 'p03']],
    [{ participants: '120' }, 'c-', Array.from({ length: 120 }, (_, i) => `p${String(i + 1).padStart(3, '0')}`)],
    [{ names: 'ann, bo,cy' }, 'ws-', ['ann', 'bo', 'cy']],
  ])('%j with prefix %s', (given, prefix, names) => expect(participantNames(given, prefix)).toEqual(names))

  it.each([
    [{}, 'class open needs one of --participants N or --names a,b,c.'],
    [{ participants: '2', names: 'a' }, 'class open needs one of --participants N or --names a,b,c.'],
    [{ participants: '0' }, '--participants takes a whole number from 1 to 500, got "0".'],
    [{ participants: '2.5' }, '--participants takes a whole number from 1 to 500, got "2.5".'],
    [{ participants: '501' }, '--participants takes a whole number from 1 to 500, got "501".'],
    [{ names: ',' }, '--names needs at least one name (a,b,c).'],
    [{ names: 'ann,bo,ann' }, '--names lists ann twice.'],
    [{ names: 'Ann' }, /^--names "Ann" is not a namespace name/],
    [{ names: 'x'.repeat(60) }, /^--prefix class- with participant "class-x{60}" is not a namespace name/],
  ])('%j is refused: %s', (given, message) => expect(() => participantNames(given, 'class-')).toThrow(message))

  it.each(['class-', 'ws', 'k8s-101-', 'a'])('prefix %s is taken', (p) => expect(checkPrefix(p)).toBe(p))
  it.each(['Class-', '-x', '1abc', 'a--', 'a_b', `a${'b'.repeat(41)}`, ''])('prefix %j is refused', (p) =>
    expect(() => checkPrefix(p)).toThrow(/^--prefix .* cannot start a namespace name/),
  )
  it('finds the class again by a label whose value is the prefix without its dash', () => {
    expect(classSelector('class-')).toBe(`${CLASS_LABEL}=class`)
    expect(classSelector('ws')).toBe(`${CLASS_LABEL}=ws`)
  })

  it.each([
    [undefined, 10_800],
    ['3h', 10_800],
    ['90m', 5_400],
    ['1h30m', 5_400],
    ['600s', 600],
    ['48h', 172_800],
  ])('--duration %s is %i s', (v, s) => expect(durationSeconds(v)).toBe(s))
  it.each(['9m', '49h', '3', 'h', '3h ', '3d', '1h-30m', ''])('--duration %j is refused', (v) =>
    expect(() => durationSeconds(v)).toThrow(`--duration takes a time from 10m to 48h (e.g. 3h, 90m, 1h30m), got ${JSON.stringify(v)}.`),
  )
})

describe('what each participant gets', () => {
  const [p] = participantsOf(['ann'], 'class-')
  const objects = participantObjects(p!, 'class-', 'article') as {
    kind: string
    metadata: { name: string; namespace?: string; labels: Record<string, string>; annotations?: Record<string, string> }
    [k: string]: unknown
  }[]
  it('a namespace first, labelled with the class and the participant, PodSecurity baseline enforced', () => {
    expect(objects.map((o) => o.kind)).toEqual(['Namespace', 'ResourceQuota', 'LimitRange', 'ServiceAccount', 'RoleBinding'])
    expect(objects[0]!.metadata).toEqual({
      name: 'class-ann',
      labels: {
        'app.kubernetes.io/managed-by': 'kubewalk',
        'kubewalk.dev/class': 'class',
        'kubewalk.dev/participant': 'ann',
        'pod-security.kubernetes.io/enforce': 'baseline',
        'pod-security.kubernetes.io/warn': 'baseline',
      },
      annotations: { 'kubewalk.dev/walkthrough': 'article' },
    })
    for (const o of objects.slice(1)) {
      expect(o.metadata.namespace).toBe('class-ann')
      expect(o.metadata.labels[CLASS_LABEL]).toBe('class')
    }
  })
  it('its ServiceAccount bound to the built-in admin ClusterRole in its namespace only (a RoleBinding, not a ClusterRoleBinding)', () => {
    const rb = objects[4]!
    expect(rb.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' })
    expect(rb.subjects).toEqual([{ kind: 'ServiceAccount', name: PARTICIPANT_ACCOUNT, namespace: 'class-ann' }])
  })
  it('a kubeconfig with the CA, the server, the token and the namespace as the context', () => {
    const text = participantKubeconfig(p!, { name: 'lab', server: 'https://10.0.0.5:6443', caData: 'Q0E=' }, 'tok.en.sig')
    const doc = parseDocument(text)
    expect(doc.errors).toEqual([])
    expect(doc.toJS()).toEqual({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'lab', cluster: { server: 'https://10.0.0.5:6443', 'certificate-authority-data': 'Q0E=' } }],
      users: [{ name: 'ann', user: { token: 'tok.en.sig' } }],
      contexts: [{ name: 'ann@lab', context: { cluster: 'lab', user: 'ann', namespace: 'class-ann' } }],
      'current-context': 'ann@lab',
    })
  })
  it('the table says who got what, and never a token', () => {
    const text = renderRoster([
      { name: 'ann', namespace: 'class-ann', file: '/o/ann.kubeconfig', expires: '2026-12-06T08:00:00Z' },
      { name: 'bo', namespace: 'class-bo', file: '/o/bo.kubeconfig' },
    ])
    expect(text).toBe(
      [
        'name  namespace  file               token expires',
        'ann   class-ann  /o/ann.kubeconfig  2026-12-06T08:00:00Z',
        'bo    class-bo   /o/bo.kubeconfig   unknown',
        '',
      ].join('\n'),
    )
  })
})

describe('one-time hand-out codes', () => {
  it('are XXXX-XXXX-XXXX without look-alike characters, and differ', () => {
    const codes = Array.from({ length: 200 }, handOutCode)
    for (const c of codes) expect(c).toMatch(/^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/)
    expect(new Set(codes).size).toBe(200)
  })
  it.each([
    ['abcd-efgh-jkmn', 'ABCD-EFGH-JKMN'],
    [' ABCD EFGH JKMN ', 'ABCD-EFGH-JKMN'],
    ['ABCDEFGHJKMN', 'ABCD-EFGH-JKMN'],
    ['ABCD-EFGH-JKM', undefined],
    ['ABCD-EFGH-JKM0', undefined],
    ['../../etc/passwd', undefined],
  ])('typed %j reads as %s', (typed, code) => expect(normalizeCode(typed)).toBe(code))
  it('round-trip through the private file', () => {
    const text = codesText([
      { name: 'ann', code: 'ABCD-EFGH-JKMN' },
      { name: 'bo', code: 'PQRS-TUVW-XYZ2' },
    ])
    expect(text.startsWith('# ')).toBe(true)
    expect([...parseCodes(text)]).toEqual([
      ['ABCD-EFGH-JKMN', 'ann'],
      ['PQRS-TUVW-XYZ2', 'bo'],
    ])
  })
})

describe('the server participants are given', () => {
  it.each([
    ['https://127.0.0.1:6443', true],
    ['https://localhost:6443', true],
    ['https://[::1]:6443', true],
    ['https://10.0.0.5:6443', false],
    ['https://k8s.example.org', false],
  ])('%s is loopback: %s', (s, loop) => expect(isLoopback(s)).toBe(loop))
  it('--server takes an https URL, and nothing else', () => {
    expect(checkServer('https://k8s.example.org:6443/')).toBe('https://k8s.example.org:6443')
    for (const bad of ['http://k8s:6443', 'k8s:6443', 'https://u:p@k8s', 'https://k8s/?x=1'])
      expect(() => checkServer(bad)).toThrow(/^--server takes the API server's URL as participants reach it/)
  })
})
