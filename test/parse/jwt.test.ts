import { describe, expect, it } from 'vitest'
import { decodeToken } from '../../src/parse/jwt.js'
import { fixture } from '../helpers.js'

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
