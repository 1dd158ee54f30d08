import { describe, expect, it } from 'vitest'
import { classifyToken, decodeToken } from '../../../src/core/parse/jwt.js'
import { inspectToken } from '../../../src/platform/token.js'
import { fixture } from '../../helpers.js'

// An unsigned JWT with exactly these claims.
const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url')
const jwt = (claims: Record<string, unknown>): string => `${b64({ alg: 'RS256' })}.${b64(claims)}.c2ln`
const sa = { namespace: 'default', serviceaccount: { name: 'default', uid: 'u1' } }
const secretClaims = {
  'kubernetes.io/serviceaccount/namespace': 'default',
  'kubernetes.io/serviceaccount/secret.name': 'default-token',
  'kubernetes.io/serviceaccount/service-account.name': 'default',
}

describe('decodeToken', () => {
  it('reads the bound token the article minted', () => {
    const t = decodeToken('create-token', fixture('article/04-create-token.token.txt'))
    expect(t.kind).toBe('bound')
    expect(t.header.alg).toBe('RS256')
    expect(t.claims.sub).toBe('system:serviceaccount:default:default')
    expect((t.claims.exp ?? 0) - (t.claims.iat ?? 0)).toBe(3600)
  })
  it('reads the legacy Secret token', () => {
    const t = decodeToken('read-secret-token', fixture('article/11-read-secret-token.token.txt'))
    expect(t.kind).toBe('legacy')
    expect(t.claims.iss).toBe('kubernetes/serviceaccount')
    expect(t.claims.exp).toBeUndefined()
  })
  it.each([
    ['', /the token is empty/],
    ['not-a-jwt', /not a JWT/],
    ['eyJhbGciOiJSUzI1NiJ9.!!!.sig', /not a JWT/],
  ])('rejects %j', (input, message) => {
    expect(() => decodeToken('create-token', input)).toThrow(message)
  })
})

describe('one token classifier for decodeToken and inspectToken', () => {
  it.each([
    ['a TokenRequest token', 'bound', { iss: 'https://kubernetes.default.svc', exp: 2, 'kubernetes.io': sa }],
    ['a legacy Secret token', 'legacy', { iss: 'kubernetes/serviceaccount', ...secretClaims }],
    ['a JWT from elsewhere', 'other', { iss: 'https://accounts.google.com', aud: 'x', exp: 2 }],
    ['no claims at all', 'other', {}],
    ['a kubernetes.io claim without exp', 'other', { iss: 'https://kubernetes.default.svc', 'kubernetes.io': sa }],
    ['a kubernetes.io claim without a service account', 'other', { exp: 2, 'kubernetes.io': { namespace: 'default' } }],
    ['a kubernetes.io claim that is not an object', 'other', { exp: 2, 'kubernetes.io': 'x' }],
    ['the legacy issuer without the Secret claims', 'other', { iss: 'kubernetes/serviceaccount', sub: 'x' }],
    ['the Secret claims under another issuer', 'other', { iss: 'https://kubernetes.default.svc', ...secretClaims }],
  ])('%s is %s', (_, kind, claims) => {
    expect(classifyToken(claims)).toBe(kind)
    expect(decodeToken('t', jwt(claims)).kind).toBe(kind)
    expect(inspectToken(jwt(claims)).kind).toBe(kind)
  })
})
