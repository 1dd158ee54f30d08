import { describe, expect, it } from 'vitest'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { Secrets, maskForRecording, redact, redactDeep } from '../../src/engine/redact.js'
import { inspectToken } from '../../src/platform/token.js'
import { fixture } from '../helpers.js'

const token = fixture('article/04-create-token.token.txt').trim()

// A declared secret, however it is printed: plain, base64 whole or inside longer text, URL-safe.
const b64 = (t: string): string => Buffer.from(t).toString('base64')
const urlsafe = (t: string): string => Buffer.from(t).toString('base64url')
const encodings: [string, (s: string) => string][] = [
  ['plain', (s) => `value: ${s}\n`],
  ['printf %s "$S" | base64', (s) => `${b64(s)}\n`],
  ['the same, without padding', (s) => `${b64(s).replace(/=+$/, '')}\n`],
  ['echo "$S" | base64', (s) => `${b64(`${s}\n`)}\n`],
  ['inside longer base64 at offset 0', (s) => b64(`${s}:rest-of-it`)],
  ['inside longer base64 at offset 1', (s) => b64(`x${s}:rest`)],
  ['inside longer base64 at offset 2', (s) => b64(`xy${s}:rest`)],
  ['URL-safe base64 at offset 1', (s) => urlsafe(`x${s}?>>`)],
  ['URL-safe base64 at offset 2', (s) => urlsafe(`xy${s}~~~`)],
  ['base64 wrapped at 76 columns', (s) => `${b64(`${'header-line '.repeat(6)}${s}${' trailer'.repeat(8)}`).replace(/.{76}/g, '$&\n')}\n`],
]
// What would give the secret back: the text itself, or any of its base64 alignments decoded.
const reveals = (out: string, secret: string): boolean => {
  const texts = [
    out,
    ...out.split(/[^A-Za-z0-9+/=_-]+/).flatMap((w) => [0, 1, 2, 3].map((cut) => Buffer.from(w.slice(cut), 'base64').toString('latin1'))),
  ]
  const joined = out.replace(/\n/g, '')
  texts.push(...[0, 1, 2, 3].map((cut) => Buffer.from(joined.slice(cut), 'base64').toString('latin1')))
  return texts.some((t) => t.includes(secret))
}

// The Secret's data values (base64), not the metadata's `namespace: default` beside them.
const secretData = (yaml: string): string[] =>
  [...yaml.matchAll(/^\s+(?:ca\.crt|namespace|token): (\S+)$/gm)]
    .map((m) => m[1] as string)
    .filter((v) => v.length % 4 === 0 && /^[A-Za-z0-9+/]+=*$/.test(v))

describe('declared secrets of 4 characters or more', () => {
  describe.each(['s3cr', 'hunter2', 'p@ss+/word?', 'a-much-longer-secret-value-with-symbols~~>>??'])('%s', (secret) => {
    it.each(encodings)('masked when printed %s', (_, encode) => {
      const text = encode(secret)
      expect(reveals(text, secret)).toBe(true)
      const secrets = new Secrets()
      secrets.add(secret)
      const out = redact(text, secrets)
      expect(reveals(out, secret)).toBe(false)
      expect(out).toContain('[masked]')
      expect(out).not.toMatch(/\d+ chars/)
    })
  })
  it('values under 4 characters are not collected (they would mask ordinary words)', () => {
    const secrets = new Secrets()
    secrets.add('abc')
    expect(secrets.size).toBe(0)
    expect(redact('abc', secrets)).toBe('abc')
  })
})

describe('redact', () => {
  it('masks a JWT by shape, without its length', () => {
    const out = redact(`TOKEN=${token}`)
    expect(out).not.toContain(token.slice(20, 60))
    expect(out).toBe('TOKEN=eyJ…[masked token]')
  })
  it('masks the base64 of a token (Secret data) by shape', () => {
    const b64 = Buffer.from(token).toString('base64')
    expect(redact(`token: ${b64}`)).toBe('token: [masked]')
  })
  it('masks every Secret data value and token in the article YAML', () => {
    const yaml = fixture('article/10-secrets-yaml.stdout.txt')
    const secrets = new Secrets()
    for (const v of secretData(yaml)) secrets.add(v)
    const out = redact(yaml, secrets)
    expect(out).not.toMatch(/LS0tLS1CRUdJTi|ZXlK|ZGVmYXVsdA==/)
    expect(out).toContain('name: default-token')
  })
  it('masks known values that are not token-shaped, and their base64', () => {
    const secrets = new Secrets()
    secrets.add('opaque-secret-value')
    expect(redact('a opaque-secret-value b', secrets)).toBe('a [masked] b')
    expect(redact(Buffer.from('opaque-secret-value').toString('base64'), secrets)).toBe('[masked]')
  })
  it('masks deep inside objects and arrays', () => {
    expect(redactDeep({ a: [token, { b: token }], n: 1 })).toEqual({
      a: ['eyJ…[masked token]', { b: 'eyJ…[masked token]' }],
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
    for (const v of secretData(yaml)) secrets.add(v)
    const out = maskForRecording(yaml, secrets)
    const data = /^\s+token: (\S+)$/m.exec(out)?.[1] ?? ''
    const decoded = Buffer.from(data, 'base64').toString('utf8')
    expect(decodeJwt(decoded)).toEqual(decodeJwt(legacy))
    expect(decoded).not.toContain(legacy.slice(legacy.lastIndexOf('.') + 1, legacy.lastIndexOf('.') + 40))
    expect(out).not.toMatch(/LS0tLS1CRUdJTi|ZGVmYXVsdA==/)
    expect(out).toMatch(/^\s+namespace: \[masked\]$/m)
    expect(out).toContain('name: default-token')
    // Masking a recording twice changes nothing.
    expect(maskForRecording(out, secrets)).toBe(out)
  })

  it('masks other known secret values as redact does', () => {
    const secrets = new Secrets()
    secrets.add('opaque-secret-value')
    expect(maskForRecording('a opaque-secret-value b', secrets)).toBe('a [masked] b')
  })
})
