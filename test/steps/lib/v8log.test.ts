import { describe, expect, it } from 'vitest'
import { parseTokenRequestLog } from '../../../steps/lib/v8log.js'
import { decodeTokenRequest } from '../../../steps/lib/protobuf.js'
import { fixture } from '../../helpers.js'

const URL_ = 'https://127.0.0.1:32784/api/v1/namespaces/default/serviceaccounts/default/token'

describe('parseTokenRequestLog on the article (kubectl 1.28, printf lines, JSON body cut by kubectl)', () => {
  const log = parseTokenRequestLog('token-duration', fixture('article/06-token-duration.stderr.txt'))
  it('finds the request, the status and the lifetime in the cut body', () => {
    expect(log).toMatchObject({ format: 'printf', method: 'POST', url: URL_, status: '201 Created', statusCode: 201, expirationSeconds: 3600 })
    expect(log.userAgent).toBe('kubectl/v1.28.2 (linux/amd64) kubernetes/89a4ea3')
    expect(log.body).toMatchObject({ encoding: 'json', truncated: true })
  })
  it('does not read expirationSeconds from the request body (null there)', () => {
    const onlyRequest = fixture('article/06-token-duration.stderr.txt')
      .split('\n')
      .filter((l) => !l.includes('Response Body'))
      .join('\n')
    expect(parseTokenRequestLog('token-duration', onlyRequest).expirationSeconds).toBeUndefined()
  })
})

// Hand-made from the structured forms NOTES.md describes; the lab's recordings are tested in test/parse/v8log-lab.test.ts.
const structured132 = [
  'I1128 10:00:00.000001  4242 round_trippers.go:470] POST https://127.0.0.1:6443/api/v1/namespaces/default/serviceaccounts/default/token',
  'I1128 10:00:00.000002  4242 round_trippers.go:476] Request Headers:',
  'I1128 10:00:00.000003  4242 round_trippers.go:480]     User-Agent: kubectl/v1.32.13 (linux/amd64) kubernetes/unknown',
  'I1128 10:00:00.000004  4242 round_trippers.go:581] Response Status: 201 Created in 8 milliseconds',
  'I1128 10:00:00.000005  4242 serviceaccount.go:87] "Response Body" body="{\\"kind\\":\\"TokenRequest\\",\\"spec\\":{\\"audiences\\":[\\"x\\"],\\"expirationSeconds\\":3600}}"',
].join('\n')

const structured133 = [
  'I1128 10:00:00.000001  4242 envvar.go:172] "Feature gate default state" feature="WatchListClient" enabled=false',
  'I1128 10:00:00.000002  4242 round_trippers.go:527] "Request" verb="POST" url="https://127.0.0.1:6443/api/v1/namespaces/default/serviceaccounts/default/token" headers=<',
  '\tAccept: application/vnd.kubernetes.protobuf,application/json',
  '\tContent-Type: application/vnd.kubernetes.protobuf',
  '\tUser-Agent: kubectl/v1.33.13 (linux/amd64) kubernetes/unknown',
  ' >',
  'I1128 10:00:00.000003  4242 round_trippers.go:632] "Response" status="201 Created" headers=<',
  '\tContent-Type: application/vnd.kubernetes.protobuf',
  ' > milliseconds=8',
  'I1128 10:00:00.000004  4242 serviceaccount.go:87] "Response Body" body=<',
  '\t{"kind":"TokenRequest","spec":{"expirationSeconds":7200}}',
  ' >',
].join('\n')

describe('parseTokenRequestLog on the structured formats', () => {
  it('reads 1.32 printf request lines with a quoted structured body', () => {
    expect(parseTokenRequestLog('token-duration', structured132)).toMatchObject({
      format: 'structured-body',
      method: 'POST',
      status: '201 Created',
      expirationSeconds: 3600,
    })
  })
  it('reads 1.33 structured request/response with a block body', () => {
    expect(parseTokenRequestLog('token-duration', structured133)).toMatchObject({
      format: 'structured',
      method: 'POST',
      url: 'https://127.0.0.1:6443/api/v1/namespaces/default/serviceaccounts/default/token',
      status: '201 Created',
      statusCode: 201,
      userAgent: 'kubectl/v1.33.13 (linux/amd64) kubernetes/unknown',
      requestContentType: 'application/vnd.kubernetes.protobuf',
      expirationSeconds: 7200,
    })
  })
})

describe('parseTokenRequestLog on malformed logs', () => {
  it.each([
    ['', /token-duration: kubectl logged nothing at -v=8/],
    ['error: failed to create token: serviceaccounts "default" not found\n', /token-duration: no request line/],
  ])('rejects %j', (input, message) => {
    expect(() => parseTokenRequestLog('token-duration', input)).toThrow(message)
  })
})

// A TokenRequest in the Kubernetes protobuf envelope, encoded by hand (field numbers from NOTES.md).
function varint(n: number): number[] {
  const out: number[] = []
  do {
    let b = n & 0x7f
    n = Math.floor(n / 128)
    if (n > 0) b |= 0x80
    out.push(b)
  } while (n > 0)
  return out
}
const ld = (no: number, bytes: number[]): number[] => [(no << 3) | 2, ...varint(bytes.length), ...bytes]
const str = (s: string): number[] => [...Buffer.from(s)]
const spec = [...ld(1, str('https://kubernetes.default.svc.cluster.local')), (4 << 3) | 0, ...varint(3600)]
const tokenRequest = [...ld(1, ld(1, str('default'))), ...ld(2, spec), ...ld(3, ld(1, str('eyJhbGciOi.fake.token')))]
const envelope = [
  0x6b,
  0x38,
  0x73,
  0x00,
  ...ld(1, [...ld(1, str('authentication.k8s.io/v1')), ...ld(2, str('TokenRequest'))]),
  ...ld(2, tokenRequest),
]

function hexDump(bytes: number[]): string {
  const lines: string[] = []
  for (let i = 0; i < bytes.length; i += 16) {
    const chunk = bytes.slice(i, i + 16)
    const hex = chunk.map((b) => b.toString(16).padStart(2, '0'))
    const left = hex.slice(0, 8).join(' ')
    const right = hex.slice(8).join(' ')
    lines.push(
      `${i.toString(16).padStart(8, '0')}  ${left.padEnd(23)}  ${right.padEnd(23)}  |${chunk.map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('')}|`,
    )
  }
  return lines.join('\n')
}

describe('protobuf bodies (kubectl 1.32+ against a real API server)', () => {
  it('decodes expirationSeconds from the envelope', () => {
    expect(decodeTokenRequest(Uint8Array.from(envelope))).toMatchObject({
      kind: 'TokenRequest',
      expirationSeconds: 3600,
      audiences: ['https://kubernetes.default.svc.cluster.local'],
      incomplete: false,
    })
  })
  it('reports a cut message as incomplete instead of throwing', () => {
    const cut = decodeTokenRequest(Uint8Array.from(envelope.slice(0, 40)))
    expect(cut.incomplete).toBe(true)
    expect(cut.expirationSeconds).toBeUndefined()
  })
  it('reads a hex-dumped body in a 1.33 structured log', () => {
    const log = structured133.replace(
      '\t{"kind":"TokenRequest","spec":{"expirationSeconds":7200}}',
      hexDump(envelope)
        .split('\n')
        .map((l) => `\t${l}`)
        .join('\n'),
    )
    expect(parseTokenRequestLog('token-duration', log)).toMatchObject({ expirationSeconds: 3600, body: { encoding: 'protobuf', truncated: false } })
  })
})
