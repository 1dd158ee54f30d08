import { describe, expect, it } from 'vitest'
import { Secrets, redact, redactDeep, redactRecording } from '../src/redact.js'
import { fixture } from './helpers.js'

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
    expect(redactDeep({ a: [token, { b: token }], n: 1 })).toEqual({ a: [`eyJ…[masked token, ${token.length} chars]`, { b: `eyJ…[masked token, ${token.length} chars]` }], n: 1 })
  })
  it('leaves ordinary text alone', () => {
    const text = fixture('article/05-call-api.stdout.txt')
    expect(redact(text)).toBe(text)
  })
})

describe('redactRecording (what kubewalk record writes)', () => {
  const signature = (jwt: string): string => jwt.split('.')[2] ?? ''

  it("keeps a JWT's header and claims and drops its signature: the claims still decode, the token is no credential", () => {
    const out = redactRecording(`TOKEN=${token}\n`)
    const [header, payload, sig] = out.trim().slice('TOKEN='.length).split('.')
    expect(`${header}.${payload}.`).toBe(token.slice(0, token.lastIndexOf('.') + 1))
    expect(sig).toBe('')
    expect(out).not.toContain(signature(token))
    expect(JSON.parse(Buffer.from(payload!, 'base64url').toString()).sub).toBe('system:serviceaccount:default:default')
  })

  it('unsigns a base64-encoded JWT too (a Secret\'s data.token), still base64', () => {
    // The article's `kubectl get secret default-token -o yaml` (step 10).
    const yaml = fixture('article/10-secrets-yaml.stdout.txt')
    const b64 = /token: (\S+)/.exec(yaml)![1]!
    const inner = Buffer.from(b64, 'base64').toString()
    const out = redactRecording(yaml)
    const written = /token: (\S+)/.exec(out)![1]!
    expect(Buffer.from(written, 'base64').toString()).toBe(inner.slice(0, inner.lastIndexOf('.') + 1))
    expect(out).not.toContain(signature(inner))
  })

  it('masks every other secret value the run learned', () => {
    const secrets = new Secrets()
    secrets.add('hunter2-hunter2')
    expect(redactRecording('password: hunter2-hunter2\n', secrets)).toBe('password: [masked, 15 chars]\n')
  })
})
