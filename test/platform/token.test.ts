import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JSONWebKeySet, type JWTPayload } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { main } from '../helpers.js'
import { cmdToken } from '../../src/faces/commands/token.js'
import { ParseError, UsageError } from '../../src/core/errors.js'
import { formatDuration, formatTokenInfo, inspectToken, tokenReport, verifyToken, type Verification } from '../../src/platform/token.js'
import { captureIo, fixture } from '../helpers.js'

const TOKEN_SHAPED = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}|ZXlK[A-Za-z0-9+/]{16,}/
const bound = fixture('article/04-create-token.token.txt').trim()
const legacy = fixture('article/11-read-secret-token.token.txt').trim()
// The article's bound token was issued at 1720306948 (2024-07-06T23:02:28Z) for an hour.
const ISSUED = 1720306948
const at = (seconds: number): Date => new Date(seconds * 1000)
// An unsigned JWT with the claims exactly as written, so they can hold what JSON.stringify cannot (1e999).
const b64 = (json: string): string => Buffer.from(json).toString('base64url')
const rawToken = (claims: string): string => `${b64('{"alg":"RS256"}')}.${b64(claims)}.c2ln`

describe('inspectToken', () => {
  it('reads the bound token the article minted', () => {
    const info = inspectToken(bound, at(ISSUED + 48))
    expect(info).toMatchObject({
      kind: 'bound',
      subject: 'system:serviceaccount:default:default',
      namespace: 'default',
      serviceAccount: { name: 'default', uid: '52eceaa0-8d2c-4e7f-8afa-2f6c8722c9ca' },
      boundTo: [],
      issuer: 'https://kubernetes.default.svc.cluster.local',
      audiences: ['https://kubernetes.default.svc.cluster.local'],
      keyId: 'VA1HCD-F-xMf9pk_SYA9k9wAIscLl17P-IYosU9x0OU',
      algorithm: 'RS256',
      issuedAt: '2024-07-06T23:02:28.000Z',
      notBefore: '2024-07-06T23:02:28.000Z',
      expiresAt: '2024-07-07T00:02:28.000Z',
      remainingSeconds: 3552,
      expired: false,
    })
    // 1.28 minted no jti; 1.30 on does.
    expect(info.tokenId).toBeUndefined()
  })

  it('reads the legacy Secret token: no iat, no exp, never expires', () => {
    const info = inspectToken(legacy, at(ISSUED + 10 * 365 * 86_400))
    expect(info).toMatchObject({
      kind: 'legacy',
      subject: 'system:serviceaccount:default:default',
      namespace: 'default',
      serviceAccount: { name: 'default', uid: '52eceaa0-8d2c-4e7f-8afa-2f6c8722c9ca' },
      secretName: 'default-token',
      issuer: 'kubernetes/serviceaccount',
      audiences: [],
      expired: false,
    })
    expect(info.issuedAt).toBeUndefined()
    expect(info.expiresAt).toBeUndefined()
    expect(info.remainingSeconds).toBeUndefined()
  })

  it.each([
    [ISSUED + 3599, 1, false],
    [ISSUED + 3600, 0, true],
    [ISSUED + 3780, -180, true],
  ])('at %i the bound token has %i s left (expired: %s)', (now, left, expired) => {
    expect(inspectToken(bound, at(now))).toMatchObject({ remainingSeconds: left, expired })
  })

  it('names the objects a bound token is tied to, and calls a JWT from elsewhere "other"', async () => {
    const { privateKey } = await generateKeyPair('RS256')
    const podBound = await new SignJWT({
      'kubernetes.io': {
        namespace: 'ns',
        serviceaccount: { name: 'sa', uid: 'u1' },
        pod: { name: 'web-0', uid: 'u2' },
        node: { name: 'n1', uid: 'u3' },
      },
    })
      .setProtectedHeader({ alg: 'RS256' })
      .setExpirationTime('1h')
      .sign(privateKey)
    expect(inspectToken(podBound).kind).toBe('bound')
    expect(inspectToken(podBound).boundTo).toEqual([
      { kind: 'pod', name: 'web-0', uid: 'u2' },
      { kind: 'node', name: 'n1', uid: 'u3' },
    ])
    const google = await new SignJWT({ iss: 'https://accounts.google.com', aud: 'x' }).setProtectedHeader({ alg: 'RS256' }).sign(privateKey)
    expect(inspectToken(google)).toMatchObject({ kind: 'other', audiences: ['x'] })
  })

  it.each(['', 'not-a-jwt', 'eyJhbGciOiJSUzI1NiJ9.!!!.sig', 'a.b.c.d.e'])('throws ParseError for %j', (input) => {
    expect(() => inspectToken(input)).toThrow(ParseError)
  })

  it.each([
    ['{"exp":1e20}', 'the token\'s "exp" claim is 100000000000000000000, not a time in seconds since 1970'],
    ['{"exp":"y"}', 'the token\'s "exp" claim is "y", not a time in seconds since 1970'],
    ['{"exp":null}', 'the token\'s "exp" claim is null, not a time in seconds since 1970'],
    ['{"exp":-1}', 'the token\'s "exp" claim is -1, not a time in seconds since 1970'],
    ['{"iat":1e999}', 'the token\'s "iat" claim is Infinity, not a time in seconds since 1970'],
    ['{"nbf":{"seconds":1720306948}}', 'the token\'s "nbf" claim is {"seconds":1720306948}, not a time in seconds since 1970'],
    [`{"exp":"${'x'.repeat(60)}"}`, `the token's "exp" claim is "${'x'.repeat(38)}…, not a time in seconds since 1970`],
  ])('throws ParseError naming the claim for %s', (claims, message) => {
    const t = rawToken(claims)
    expect(() => inspectToken(t, at(ISSUED), 'create-token')).toThrow(ParseError)
    expect(() => inspectToken(t, at(ISSUED), 'create-token')).toThrow(`create-token: ${message}`)
  })

  it('takes times up to the end of year 9999, fractions included', () => {
    expect(inspectToken(rawToken('{"iat":1720306948.5,"exp":253402300799}'), at(ISSUED))).toMatchObject({
      issuedAt: '2024-07-06T23:02:28.500Z',
      expiresAt: '9999-12-31T23:59:59.000Z',
      expired: false,
    })
    expect(() => inspectToken(rawToken('{"exp":253402300800}'))).toThrow(/"exp" claim is 253402300800, not a time/)
  })
})

describe('formatTokenInfo', () => {
  it('shows a bound token in the given zone, with its remaining lifetime, and no token', () => {
    const text = formatTokenInfo(inspectToken(bound, at(ISSUED + 48)), undefined, { timeZone: 'Europe/Berlin' })
    expect(text.split('\n')[0]).toBe('bound token (minted by TokenRequest)')
    expect(text).toContain('  service account  default (uid 52eceaa0-8d2c-4e7f-8afa-2f6c8722c9ca)\n')
    expect(text).toContain('  issued at        2024-07-07 01:02:28 +02:00\n')
    expect(text).toContain('  expires at       2024-07-07 02:02:28 +02:00 (expires in 59 min 12 s)\n')
    expect(text).toContain('  verification     not checked (--no-verify)\n')
    expect(text).not.toContain('token id')
    expect(text).not.toMatch(TOKEN_SHAPED)
  })

  it('uses the zone offset, half hours included, and UTC as +00:00', () => {
    expect(formatTokenInfo(inspectToken(bound), undefined, { timeZone: 'Asia/Kolkata' })).toContain('issued at        2024-07-07 04:32:28 +05:30')
    expect(formatTokenInfo(inspectToken(bound), undefined, { timeZone: 'UTC' })).toContain('issued at        2024-07-06 23:02:28 +00:00')
  })

  it('says a legacy token never expires and names its Secret', () => {
    const text = formatTokenInfo(inspectToken(legacy), { checked: true, ok: true, keyId: 'k1' }, { timeZone: 'UTC' })
    expect(text.split('\n')[0]).toBe('legacy token (from a kubernetes.io/service-account-token Secret)')
    expect(text).toContain('  secret           default-token\n')
    expect(text).toContain('  audiences        (none)\n')
    expect(text).toContain('  expires          never expires\n')
    expect(text).toContain('  verification     signature valid (key k1)\n')
    expect(text).not.toContain('issued at')
  })

  it.each([
    [ISSUED + 48, 'expires in 59 min 12 s'],
    [ISSUED + 3000, 'expires in 10 min'],
    [ISSUED + 3780, 'expired 3 min ago'],
    [ISSUED + 3600 + 86_400 + 7_250, 'expired 1 d 2 h ago'],
  ])('at %i: %s', (now, phrase) => {
    expect(formatTokenInfo(inspectToken(bound, at(now)))).toContain(`(${phrase})`)
  })

  it('shows the token only when given, and a failed verification with its reason', () => {
    const failed: Verification = { checked: true, ok: false, reason: 'bad-signature', error: 'bad signature for key k1.' }
    const text = formatTokenInfo(inspectToken(bound), failed, { token: `${bound}\n` })
    expect(text).toContain(`  token            ${bound}\n`)
    expect(text).toContain('  verification     FAILED: bad signature for key k1.\n')
  })

  it.each([
    [0, '0 s'],
    [59, '59 s'],
    [3600, '1 h'],
    [3661, '1 h 1 min'],
    [-180, '3 min'],
    [90_061, '1 d 1 h'],
  ])('formatDuration(%i) is %j', (s, text) => expect(formatDuration(s)).toBe(text))
})

describe('verifyToken', () => {
  const ISSUER = 'https://kubernetes.default.svc.cluster.local'
  const now = new Date('2026-11-28T12:00:00Z')
  const t = Math.floor(now.getTime() / 1000)
  let key: CryptoKey
  let otherKey: CryptoKey
  let jwks: JSONWebKeySet

  const sign = (claims: JWTPayload, opts: { kid?: string; with?: CryptoKey } = {}): Promise<string> =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: opts.kid ?? 'lab-key' }).sign(opts.with ?? key)
  const boundClaims = (over: JWTPayload = {}): JWTPayload => ({
    iss: ISSUER,
    aud: [ISSUER],
    sub: 'system:serviceaccount:default:default',
    'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'default', uid: 'u' } },
    jti: 'j',
    iat: t - 60,
    nbf: t - 60,
    exp: t + 3540,
    ...over,
  })
  const legacyClaims: JWTPayload = {
    iss: 'kubernetes/serviceaccount',
    sub: 'system:serviceaccount:default:default',
    'kubernetes.io/serviceaccount/namespace': 'default',
    'kubernetes.io/serviceaccount/secret.name': 'default-token',
    'kubernetes.io/serviceaccount/service-account.name': 'default',
    'kubernetes.io/serviceaccount/service-account.uid': 'u',
  }

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true })
    otherKey = (await generateKeyPair('RS256')).privateKey
    // The lab's JWKS has the same shape: use, kty, kid, alg, n, e.
    jwks = { keys: [{ use: 'sig', ...(await exportJWK(pair.publicKey)), kid: 'lab-key', alg: 'RS256' }] }
    key = pair.privateKey
  })

  it('accepts a bound token signed by the cluster key', async () => {
    expect(await verifyToken(await sign(boundClaims()), jwks, { issuer: ISSUER, now })).toEqual({ checked: true, ok: true, keyId: 'lab-key' })
  })

  it('accepts a legacy token, which has no exp, against the legacy issuer', async () => {
    expect(await verifyToken(await sign(legacyClaims), jwks, { issuer: ISSUER, now })).toEqual({ checked: true, ok: true, keyId: 'lab-key' })
  })

  it('refuses a token whose claims were changed after signing', async () => {
    const [h, , s] = (await sign(boundClaims())).split('.')
    const forged = Buffer.from(JSON.stringify(boundClaims({ sub: 'system:serviceaccount:kube-system:admin' }))).toString('base64url')
    const v = await verifyToken(`${h}.${forged}.${s}`, jwks, { issuer: ISSUER, now })
    expect(v).toMatchObject({ checked: true, ok: false, reason: 'bad-signature' })
    expect(v.keyId).toBeUndefined()
  })

  it('refuses a token signed by another key under the cluster key id', async () => {
    expect(await verifyToken(await sign(boundClaims(), { with: otherKey }), jwks, { issuer: ISSUER, now })).toMatchObject({
      ok: false,
      reason: 'bad-signature',
    })
  })

  it('refuses an unknown key id and names the keys the cluster has', async () => {
    const v = await verifyToken(await sign(boundClaims(), { kid: 'rotated-out' }), jwks, { issuer: ISSUER, now })
    expect(v).toMatchObject({ ok: false, reason: 'unknown-key' })
    expect(v.error).toMatch(/no key rotated-out among the cluster's keys \(lab-key\)/)
  })

  it("refuses the article's tokens: another cluster's key", async () => {
    expect(await verifyToken(bound, jwks, { issuer: ISSUER, now })).toMatchObject({ ok: false, reason: 'unknown-key' })
    expect(await verifyToken(legacy, jwks, { now })).toMatchObject({ ok: false, reason: 'unknown-key' })
  })

  it('refuses an expired token, and says the signature itself was good', async () => {
    const v = await verifyToken(await sign(boundClaims({ iat: t - 3780, nbf: t - 3780, exp: t - 180 })), jwks, { issuer: ISSUER, now })
    expect(v).toMatchObject({ ok: false, reason: 'expired', keyId: 'lab-key' })
    expect(v.error).toBe('the token expired 3 min ago (signature valid (key lab-key)).')
  })

  it.each([
    ['a token not yet valid', { nbf: t + 600 }, 'not-yet-valid'],
    ['another issuer', { iss: 'https://elsewhere.example' }, 'wrong-issuer'],
    ['a bound token without exp', { exp: undefined }, 'missing-claim'],
  ] as const)('refuses %s', async (_, over, reason) => {
    expect(await verifyToken(await sign(boundClaims(over)), jwks, { issuer: ISSUER, now })).toMatchObject({ ok: false, reason })
  })

  it('reports a non-JWT as invalid instead of throwing', async () => {
    expect(await verifyToken('nope', jwks, { now })).toMatchObject({ checked: true, ok: false, reason: 'invalid' })
  })

  it('reports an exp that is no time as invalid, naming the claim', async () => {
    const v = await verifyToken(await sign(boundClaims({ exp: 1e20 })), jwks, { issuer: ISSUER, now })
    expect(v).toMatchObject({ checked: true, ok: false, reason: 'invalid' })
    expect(v.error).toMatch(/"exp" claim is 100000000000000000000, not a time/)
  })
})

describe('tokenReport', () => {
  it('has the --json fields, times in ISO, absent values as null', () => {
    const doc = tokenReport(inspectToken(legacy), { checked: false, ok: false })
    expect(doc).toMatchObject({
      kind: 'legacy',
      issuedAt: null,
      notBefore: null,
      expiresAt: null,
      remainingSeconds: null,
      expired: false,
      verification: { checked: false, ok: false },
    })
    expect(Object.keys(doc)).toEqual(
      expect.arrayContaining(['kind', 'header', 'claims', 'issuedAt', 'notBefore', 'expiresAt', 'remainingSeconds', 'expired', 'verification']),
    )
    expect(doc).not.toHaveProperty('token')
  })
})

describe('cmdToken (no cluster)', () => {
  const io = (env: Record<string, string | undefined> = {}) => captureIo({ PATH: process.env.PATH, HOME: process.env.HOME, ...env })

  it('takes the token from $TOKEN and masks it; --no-verify exits 0', async () => {
    const t = io({ TOKEN: bound })
    expect(await cmdToken(['--no-verify'], t.sinks)).toBe(0)
    expect(t.out()).toContain('bound token (minted by TokenRequest)')
    expect(t.out()).toContain(`token            eyJ…[masked token]`)
    expect(t.out()).not.toMatch(TOKEN_SHAPED)
    expect(t.err()).toBe('')
  })

  it('--token wins over $TOKEN; --json is one document; --show-secrets prints the token', async () => {
    const t = io({ TOKEN: bound })
    expect(await cmdToken(['--token', legacy, '--no-verify', '--json'], t.sinks)).toBe(0)
    const doc = JSON.parse(t.out()) as { kind: string; verification: Verification; token: string }
    expect(doc).toMatchObject({ kind: 'legacy', verification: { checked: false, ok: false } })
    expect(t.out()).not.toMatch(TOKEN_SHAPED)
    const s = io()
    expect(await cmdToken(['--token', legacy, '--no-verify', '--json', '--show-secrets'], s.sinks)).toBe(0)
    expect((JSON.parse(s.out()) as { token: string }).token).toBe(legacy)
  })

  it('--token VALUE still works, and warns on stderr that ps and shell history see it', async () => {
    const t = io()
    expect(await cmdToken(['--token', bound, '--no-verify'], t.sinks)).toBe(0)
    expect(t.out()).toContain('bound token (minted by TokenRequest)')
    expect(t.err()).toBe(
      'kubewalk: warning: a token given as --token T is seen by ps and kept in your shell history; pass --token - (standard input), --token-file FILE or export TOKEN instead.\n',
    )
  })

  it('--token - reads the token from standard input, without a warning; it wins over $TOKEN', async () => {
    const t = io({ TOKEN: legacy })
    const stdin = Readable.from([`${bound.slice(0, 40)}`, `${bound.slice(40)}\n`]) as unknown as NodeJS.ReadStream
    expect(await cmdToken(['--token', '-', '--no-verify', '--json'], { ...t.sinks, stdin })).toBe(0)
    expect((JSON.parse(t.out()) as { kind: string }).kind).toBe('bound')
    expect(t.err()).toBe('')
    const empty = io()
    const e = await cmdToken(['--token', '-', '--no-verify'], { ...empty.sinks, stdin: Readable.from([]) as unknown as NodeJS.ReadStream }).catch(
      (x: unknown) => x,
    )
    expect((e as Error).message).toMatch(/^no token in standard input \(--token -\)/)
  })

  it('--token-file FILE reads the token from a file, without a warning; a missing file is a usage error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kubewalk-tokenfile-'))
    try {
      const file = join(dir, 'token')
      await writeFile(file, `${legacy}\n`, { mode: 0o600 })
      const t = io({ TOKEN: bound })
      expect(await cmdToken(['--token-file', file, '--no-verify', '--json'], t.sinks)).toBe(0)
      expect((JSON.parse(t.out()) as { kind: string }).kind).toBe('legacy')
      expect(t.err()).toBe('')
      const missing = await cmdToken(['--token-file', join(dir, 'nope'), '--no-verify'], io().sinks).catch((x: unknown) => x)
      expect(missing).toBeInstanceOf(UsageError)
      expect((missing as Error).message).toBe(`--token-file ${join(dir, 'nope')}: no such file.`)
      // The command table rules the pair out before the command runs.
      const both = io()
      expect(await main(['token', '--token-file', file, '--token', '-'], both.sinks)).toBe(2)
      expect(both.err()).toBe('kubewalk: --token and --token-file both give the token; pass one.\n')
      await writeFile(file, 'garbage')
      const bad = await cmdToken(['--token-file', file, '--no-verify'], io().sinks).catch((x: unknown) => x)
      expect((bad as Error).message).toMatch(new RegExp(`^--token-file ${file}: the token is not a JWT`))
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it.each([
    [[], {}, /^no token: pass it with --token - \(standard input\), --token-file FILE, or export TOKEN\.$/],
    [['--no-verify'], { TOKEN: '  ' }, /^no token/],
    [['--no-verify'], { TOKEN: 'garbage' }, /^\$TOKEN: the token is not a JWT \(.*\); pass a token as kubectl create token prints it\.$/],
    [['--token', 'a.b.c'], {}, /^--token: the token is not a JWT/],
    [
      ['--no-verify'],
      { TOKEN: rawToken('{"exp":1e20}') },
      /^\$TOKEN: the token's "exp" claim is 100000000000000000000, not a time in seconds since 1970; pass a token/,
    ],
    [['--no-verify'], { TOKEN: rawToken('{"exp":"y"}') }, /^\$TOKEN: the token's "exp" claim is "y", not a time/],
    [['--no-verify', '--token', rawToken('{"iat":"x"}')], {}, /^--token: the token's "iat" claim is "x", not a time/],
    [['--token', '--json'], {}, /^option --token needs a value \(write --token=VALUE when the value starts with '-'\); see kubewalk --help\.$/],
    [[bound], {}, /^token takes no positional arguments/],
    [['--bogus'], {}, /unknown option '--bogus'/],
  ])('refuses %j with a usage error', async (args, env, message) => {
    const t = io(env)
    const e = await cmdToken(args, t.sinks).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(UsageError)
    expect((e as Error).message).toMatch(message)
    expect((e as Error).message).not.toMatch(TOKEN_SHAPED)
  })

  it.each([
    [['token', '--token', '--json'], {}, /^kubewalk: option --token needs a value/],
    [
      ['token', '--no-verify'],
      { TOKEN: rawToken('{"exp":1e20}') },
      /^kubewalk: \$TOKEN: the token's "exp" claim is 100000000000000000000, not a time/,
    ],
  ])('kubewalk %j: one line on stderr, exit 2', async (argv, env, message) => {
    const t = io(env)
    expect(await main(argv, t.sinks)).toBe(2)
    expect(t.err()).toMatch(message)
    expect(t.err().trim().split('\n')).toHaveLength(1)
    expect(t.out()).toBe('')
  })
})
