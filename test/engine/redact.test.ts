import { describe, expect, it } from 'vitest'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { Secrets, maskForRecording, redact, redactDeep } from '../../src/engine/redact.js'
import { inspectToken } from '../../src/platform/token.js'
import { fixture } from '../helpers.js'

const token = fixture('article/04-create-token.token.txt').trim()

describe('redact', () => {
  it('masks a JWT by shape, keeping only its length', () => {
    const out = redact(`TOKEN=${token}`)
    expect(out).not.toContain(token.slice(20, 60))
    expect(out).toBe(`TOKEN=eyJ…[masked token, ${token.length} chars]`)
  })
  it('masks the base64 of a token (Secret data) by shape', () => {
    const b64 = Buffer.from(token).toString('base64')
    expect(redact(`token: ${b64}`)).toBe(`token: [masked, ${b64.length} chars]`)
  })
  it('masks every Secret data value and token in the article YAML', () => {
    const yaml = fixture('article/10-secrets-yaml.stdout.txt')
    const secrets = new Secrets()
    for (const m of yaml.matchAll(/^\s+(?:ca\.crt|namespace|token): (\S+)$/gm)) secrets.add(m[1])
    const out = redact(yaml, secrets)
    expect(out).not.toMatch(/LS0tLS1CRUdJTi|ZXlK|ZGVmYXVsdA==/)
    expect(out).toContain('name: default-token')
  })
  it('masks known values that are not token-shaped, and their base64', () => {
    const secrets = new Secrets()
    secrets.add('opaque-secret-value')
    expect(redact('a opaque-secret-value b', secrets)).toBe('a [masked, 19 chars] b')
    expect(redact(Buffer.from('opaque-secret-value').toString('base64'), secrets)).toMatch(/^\[masked, \d+ chars\]$/)
  })
  it('masks deep inside objects and arrays', () => {
    expect(redactDeep({ a: [token, { b: token }], n: 1 })).toEqual({
      a: [`eyJ…[masked token, ${token.length} chars]`, { b: `eyJ…[masked token, ${token.length} chars]` }],
      n: 1,
    })
  })
  it('leaves ordinary text alone', () => {
    const text = fixture('article/05-call-api.stdout.txt')
    expect(redact(text)).toBe(text)
  })
})

const TOKEN_SHAPED = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}|ZXlK[A-Za-z0-9+/]{16,}/
const legacy = fixture('article/11-read-secret-token.token.txt').trim()

describe('maskForRecording', () => {
  it("keeps a JWT's header and claims, drops its signature: readable offline, no credential", () => {
    const signature = token.slice(token.lastIndexOf('.') + 1)
    const out = maskForRecording(`TOKEN=${token}\n`)
    const masked = out.slice('TOKEN='.length).trim()
    expect(out).not.toContain(signature.slice(0, 40))
    expect(out).not.toMatch(TOKEN_SHAPED)
    expect(decodeJwt(masked)).toEqual(decodeJwt(token))
    expect(decodeProtectedHeader(masked)).toEqual({ alg: 'RS256', kid: 'VA1HCD-F-xMf9pk_SYA9k9wAIscLl17P-IYosU9x0OU' })
    const info = inspectToken(masked)
    expect([info.kind, info.subject]).toEqual(['bound', 'system:serviceaccount:default:default'])
  })

  it("in a Secret's YAML: the token data still decodes to the token's claims; ca.crt and namespace are masked as before", () => {
    const yaml = fixture('article/10-secrets-yaml.stdout.txt')
    const secrets = new Secrets()
    for (const m of yaml.matchAll(/^\s+(?:ca\.crt|namespace|token): (\S+)$/gm)) secrets.add(m[1])
    const out = maskForRecording(yaml, secrets)
    const data = /^\s+token: (\S+)$/m.exec(out)?.[1] ?? ''
    const decoded = Buffer.from(data, 'base64').toString('utf8')
    expect(decodeJwt(decoded)).toEqual(decodeJwt(legacy))
    expect(decoded).not.toContain(legacy.slice(legacy.lastIndexOf('.') + 1, legacy.lastIndexOf('.') + 40))
    expect(out).not.toMatch(/LS0tLS1CRUdJTi|ZGVmYXVsdA==/)
    expect(out).toMatch(/^\s+namespace: \[masked, 12 chars\]$/m)
    expect(out).toContain('name: default-token')
    // Masking a recording twice changes nothing.
    expect(maskForRecording(out, secrets)).toBe(out)
  })

  it('masks other known secret values as redact does', () => {
    const secrets = new Secrets()
    secrets.add('opaque-secret-value')
    expect(maskForRecording('a opaque-secret-value b', secrets)).toBe('a [masked, 19 chars] b')
  })
})
