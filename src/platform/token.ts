// The token inspector: what a service-account token says about itself, and whether the cluster's
// keys vouch for it. Pure functions, except fetchJwks/fetchIssuer, which ask the cluster through kubectl.
import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload, type ProtectedHeaderParameters } from 'jose'
import { ParseError, PreconditionError } from '../core/errors.js'
import { decodeToken, LEGACY_ISSUER, type TokenKind } from '../core/parse/jwt.js'
import { runScript } from './shell.js'
import { firstLine } from '../core/text.js'

export type { TokenKind }

/** An object a bound token is tied to: it stops working when that object is deleted. */
export interface TokenBinding {
  kind: 'pod' | 'secret' | 'node'
  name: string
  uid?: string
}

/** What a token says about itself, as plain data (times are ISO strings in UTC). */
export interface TokenInfo {
  kind: TokenKind
  header: ProtectedHeaderParameters
  claims: JWTPayload & Record<string, unknown>
  subject?: string
  namespace?: string
  serviceAccount?: { name?: string; uid?: string }
  /** Legacy tokens: the Secret that holds the token. */
  secretName?: string
  /** Bound tokens: the pod, Secret or node the token is bound to. */
  boundTo: TokenBinding[]
  issuer?: string
  audiences: string[]
  keyId?: string
  algorithm?: string
  /** The `jti` claim (bound tokens from Kubernetes 1.30 on). */
  tokenId?: string
  issuedAt?: string
  notBefore?: string
  expiresAt?: string
  /** Seconds from `now` to `exp`, negative once expired; undefined when the token never expires. */
  remainingSeconds?: number
  expired: boolean
}

/** Why a token did not verify. */
export type VerificationFailure = 'unknown-key' | 'bad-signature' | 'expired' | 'not-yet-valid' | 'wrong-issuer' | 'missing-claim' | 'invalid'

/** The outcome of checking a token against the cluster's keys. */
export interface Verification {
  checked: boolean
  ok: boolean
  /** The key that signed the token (its `kid`), when the signature checked out. */
  keyId?: string
  reason?: VerificationFailure
  /** One sentence: why the token did not verify. */
  error?: string
}

/** How verifyToken checks claims besides the signature. */
export interface VerifyOptions {
  /** The issuer the cluster advertises; bound tokens must carry it. */
  issuer?: string
  now?: Date
}

/** How formatTokenInfo renders. */
export interface FormatOptions {
  /** IANA zone for the times (default: the local zone). */
  timeZone?: string
  /** The token itself, shown on a `token` line; the caller masks it. */
  token?: string
}

const NOT_CHECKED: Verification = { checked: false, ok: false }

const record = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
// 9999-12-31T23:59:59Z: past it Date throws or ISO strings grow six-digit years.
const LAST_SECOND = 253_402_300_799
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= LAST_SECOND
const epoch = (d: Date): number => Math.floor(d.getTime() / 1000)
const account = (name: string | undefined, uid: string | undefined): TokenInfo['serviceAccount'] =>
  name === undefined && uid === undefined ? undefined : { ...(name !== undefined ? { name } : {}), ...(uid !== undefined ? { uid } : {}) }

/** Decodes (does not verify) a token and reads its claims at `now`; throws ParseError when it is not a JWT or a time claim is not a time. */
export function inspectToken(token: string, now: Date = new Date(), stepId = 'token'): TokenInfo {
  const { header, claims, kind } = decodeToken(stepId, token)
  // An absent claim is fine (legacy tokens have no exp); a present one that is no time must not read as "never expires".
  const iso = (name: 'iat' | 'nbf' | 'exp'): string | undefined => {
    const v = claims[name]
    if (v === undefined) return undefined
    if (isTime(v)) return new Date(v * 1000).toISOString()
    const shown = typeof v === 'number' ? String(v) : JSON.stringify(v)
    throw new ParseError(
      stepId,
      `the token's "${name}" claim is ${shown.length > 40 ? `${shown.slice(0, 39)}…` : shown}, not a time in seconds since 1970`,
      token,
    )
  }
  const k8s = record(claims['kubernetes.io'])
  const legacy = kind === 'legacy'
  const info: TokenInfo = {
    kind,
    header,
    claims,
    boundTo: [],
    audiences: typeof claims.aud === 'string' ? [claims.aud] : (claims.aud ?? []),
    expired: false,
  }
  const set = <K extends keyof TokenInfo>(key: K, value: TokenInfo[K] | undefined): void => {
    if (value !== undefined) info[key] = value
  }
  set('subject', str(claims.sub))
  set('issuer', str(claims.iss))
  set('keyId', str(header.kid))
  set('algorithm', str(header.alg))
  set('tokenId', str(claims.jti))
  if (legacy) {
    const c = (name: string): string | undefined => str(claims[`kubernetes.io/serviceaccount/${name}`])
    set('namespace', c('namespace'))
    set('serviceAccount', account(c('service-account.name'), c('service-account.uid')))
    set('secretName', c('secret.name'))
  } else if (k8s !== undefined) {
    const sa = record(k8s.serviceaccount)
    set('namespace', str(k8s.namespace))
    set('serviceAccount', account(str(sa?.name), str(sa?.uid)))
    for (const kind of ['pod', 'secret', 'node'] as const) {
      const ref = record(k8s[kind])
      const name = str(ref?.name)
      const uid = str(ref?.uid)
      if (name !== undefined) info.boundTo.push({ kind, name, ...(uid !== undefined ? { uid } : {}) })
    }
  }
  set('issuedAt', iso('iat'))
  set('notBefore', iso('nbf'))
  set('expiresAt', iso('exp'))
  if (typeof claims.exp === 'number') {
    // Same rule as jose (and the API server): expired once exp <= now, in whole seconds.
    info.remainingSeconds = claims.exp - epoch(now)
    info.expired = info.remainingSeconds <= 0
  }
  return info
}

/** Checks the signature against the cluster's keys, and exp/nbf/iss; never throws for a bad token. */
export async function verifyToken(token: string, jwks: JSONWebKeySet, opts: VerifyOptions = {}): Promise<Verification> {
  const now = opts.now ?? new Date()
  let info: TokenInfo
  try {
    info = inspectToken(token, now)
  } catch (e) {
    return { checked: true, ok: false, reason: 'invalid', error: (e as Error).message }
  }
  const kid = info.keyId
  const signed = kid !== undefined ? { keyId: kid } : {}
  const fail = (reason: VerificationFailure, error: string, withKey = false): Verification => ({
    checked: true,
    ok: false,
    ...(withKey ? signed : {}),
    reason,
    error,
  })
  const legacy = info.kind === 'legacy'
  const issuer = legacy ? LEGACY_ISSUER : opts.issuer
  try {
    await jwtVerify(token.trim(), createLocalJWKSet(jwks), {
      currentDate: now,
      ...(issuer !== undefined ? { issuer } : {}),
      // Legacy Secret tokens never expire; a bound token without exp is not one kube-apiserver minted.
      requiredClaims: legacy ? [] : ['exp'],
    })
    return { checked: true, ok: true, ...signed }
  } catch (e) {
    // jose checks the signature before the claims, so a claim failure means the signature was good.
    const keyNote = kid !== undefined ? `signature valid (key ${kid})` : 'signature valid'
    if (e instanceof errors.JWKSNoMatchingKey) {
      const known = (jwks.keys ?? []).map((k) => k.kid ?? '(no kid)')
      return fail(
        'unknown-key',
        `no key ${kid ?? '(the token names none)'} among the cluster's keys (${known.join(', ') || 'none'}); the token was signed by another cluster or a key that has been rotated out.`,
      )
    }
    if (e instanceof errors.JWSSignatureVerificationFailed)
      return fail(
        'bad-signature',
        `bad signature for key ${kid ?? '(none)'}: the token was changed after it was signed, or signed by another key with the same id.`,
      )
    if (e instanceof errors.JWTExpired)
      return fail('expired', `the token expired ${formatDuration(-(info.remainingSeconds ?? 0))} ago (${keyNote}).`, true)
    if (e instanceof errors.JWTClaimValidationFailed) {
      if (e.claim === 'nbf') return fail('not-yet-valid', `the token is not valid before ${info.notBefore} (${keyNote}).`, true)
      if (e.claim === 'iss' && e.reason !== 'missing')
        return fail('wrong-issuer', `issuer ${info.issuer ?? '(none)'} is not the cluster's issuer ${issuer} (${keyNote}).`, true)
      if (e.reason === 'missing')
        return fail('missing-claim', `the token has no "${e.claim}" claim, which a token kube-apiserver mints always has (${keyNote}).`, true)
    }
    return fail('invalid', `the token does not verify: ${(e as Error).message}.`)
  }
}

/** "59 min 12 s", "3 min", "2 d 4 h": the two largest units. */
export function formatDuration(seconds: number): string {
  let rest = Math.round(Math.abs(seconds))
  if (rest === 0) return '0 s'
  const parts: string[] = []
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['min', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(rest / size)
    rest -= n * size
    if (n > 0 || parts.length > 0) parts.push(`${n} ${unit}`)
  }
  return parts
    .slice(0, 2)
    .filter((p) => !p.startsWith('0 '))
    .join(' ')
}

/** "2024-07-07 01:02:28 +02:00" in the given (default: local) zone. */
function localTime(isoTime: string, timeZone?: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    })
      .formatToParts(new Date(isoTime))
      .map((p) => [p.type, p.value]),
  ) as Record<string, string>
  const offset = (parts.timeZoneName ?? 'GMT').replace(/^GMT/, '') || '+00:00'
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${offset}`
}

/** One line for a verification: "signature valid (key …)", or why not. */
export function describeVerification(v: Verification): string {
  if (!v.checked) return 'not checked (--no-verify)'
  if (v.ok) return `signature valid (key ${v.keyId ?? 'without an id'})`
  return `FAILED: ${v.error ?? v.reason ?? 'unknown reason'}`
}

const KIND_TITLES: Record<TokenKind, string> = {
  bound: 'bound token (minted by TokenRequest)',
  legacy: 'legacy token (from a kubernetes.io/service-account-token Secret)',
  other: 'JWT that is not a Kubernetes service-account token',
}

/** The human report: a title line, then one aligned line per fact. Never contains the token unless opts.token is given. */
export function formatTokenInfo(info: TokenInfo, verification: Verification = NOT_CHECKED, opts: FormatOptions = {}): string {
  const rows: [string, string][] = []
  const row = (label: string, value: string | undefined): void => void (value !== undefined && rows.push([label, value]))
  const time = (t: string | undefined): string | undefined => (t === undefined ? undefined : localTime(t, opts.timeZone))
  row('subject', info.subject)
  row('namespace', info.namespace)
  const sa = info.serviceAccount
  if (sa !== undefined) row('service account', `${sa.name ?? '(no name)'}${sa.uid !== undefined ? ` (uid ${sa.uid})` : ''}`)
  row('secret', info.secretName)
  for (const b of info.boundTo) row('bound to', `${b.kind} ${b.name}${b.uid !== undefined ? ` (uid ${b.uid})` : ''}`)
  row('issuer', info.issuer)
  row('audiences', info.audiences.length > 0 ? info.audiences.join(', ') : '(none)')
  row('key id', info.keyId)
  row('algorithm', info.algorithm)
  row('token id', info.tokenId)
  row('issued at', time(info.issuedAt))
  row('not before', time(info.notBefore))
  if (info.expiresAt === undefined) row('expires', 'never expires')
  else {
    const left = info.remainingSeconds ?? 0
    row('expires at', `${time(info.expiresAt)} (${info.expired ? `expired ${formatDuration(left)} ago` : `expires in ${formatDuration(left)}`})`)
  }
  row('token', opts.token?.trim())
  row('verification', describeVerification(verification))
  const width = Math.max(...rows.map(([l]) => l.length)) + 2
  return `${KIND_TITLES[info.kind]}\n${rows.map(([l, v]) => `  ${l.padEnd(width)}${v}\n`).join('')}`
}

/** The --json document: the facts, times in ISO (UTC), absent values as null. */
export function tokenReport(info: TokenInfo, verification: Verification = NOT_CHECKED, token?: string): Record<string, unknown> {
  return {
    kind: info.kind,
    header: info.header,
    claims: info.claims,
    subject: info.subject ?? null,
    namespace: info.namespace ?? null,
    serviceAccount: info.serviceAccount ?? null,
    secretName: info.secretName ?? null,
    boundTo: info.boundTo,
    issuedAt: info.issuedAt ?? null,
    notBefore: info.notBefore ?? null,
    expiresAt: info.expiresAt ?? null,
    remainingSeconds: info.remainingSeconds ?? null,
    expired: info.expired,
    verification,
    ...(token !== undefined ? { token: token.trim() } : {}),
  }
}

async function getRaw(path: string, what: string, env: Record<string, string | undefined>, timeoutMs: number): Promise<unknown> {
  const r = await runScript(`kubectl get --raw ${path} --request-timeout=10s`, { env, timeoutMs })
  const why = r.timedOut ? `no answer within ${timeoutMs / 1000} s` : r.exitCode !== 0 ? firstLine(r.stderr) || `exit code ${r.exitCode}` : undefined
  if (why !== undefined)
    throw new PreconditionError(`cannot read ${what} (kubectl get --raw ${path}): ${why}; pass --no-verify to decode the token without checking it.`)
  try {
    return JSON.parse(r.stdout)
  } catch (cause) {
    throw new PreconditionError(
      `kubectl get --raw ${path} printed something that is not JSON; pass --no-verify to decode the token without checking it.`,
      { cause },
    )
  }
}

/** The cluster's service-account signing keys (/openid/v1/jwks), read with the kubeconfig's credentials. */
export async function fetchJwks(env: Record<string, string | undefined>, timeoutMs = 15_000): Promise<JSONWebKeySet> {
  const doc = record(await getRaw('/openid/v1/jwks', "the cluster's signing keys", env, timeoutMs))
  if (!Array.isArray(doc?.keys))
    throw new PreconditionError('/openid/v1/jwks has no "keys" list; pass --no-verify to decode the token without checking it.')
  return doc as unknown as JSONWebKeySet
}

/** The issuer the cluster advertises (/.well-known/openid-configuration). */
export async function fetchIssuer(env: Record<string, string | undefined>, timeoutMs = 15_000): Promise<string> {
  const issuer = str(record(await getRaw('/.well-known/openid-configuration', "the cluster's OpenID configuration", env, timeoutMs))?.issuer)
  if (issuer === undefined)
    throw new PreconditionError('/.well-known/openid-configuration names no issuer; pass --no-verify to decode the token without checking it.')
  return issuer
}
