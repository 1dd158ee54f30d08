// JWTs through jose: decoding only here; the claims a step needs are named in the type.
import { decodeJwt, decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from 'jose'
import { ParseError } from '../errors.js'

/** `legacy`: from a token Secret; `bound`: minted by TokenRequest; `other`: a JWT that is neither. */
export type TokenKind = 'bound' | 'legacy' | 'other'

/** A decoded service-account token. */
export interface DecodedToken {
  header: ProtectedHeaderParameters
  claims: JWTPayload & Record<string, unknown>
  kind: TokenKind
}

export const LEGACY_ISSUER = 'kubernetes/serviceaccount'

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

/**
 * The one token classifier. `legacy`: issuer kubernetes/serviceaccount and the Secret's claims (what
 * the legacy token controller signs); `bound`: a `kubernetes.io` claim naming a service account, and
 * an `exp` (what TokenRequest mints); anything else is `other`.
 */
export function classifyToken(claims: Record<string, unknown>): TokenKind {
  if (claims.iss === LEGACY_ISSUER && typeof claims['kubernetes.io/serviceaccount/secret.name'] === 'string') return 'legacy'
  const k8s = claims['kubernetes.io']
  if (isRecord(k8s) && isRecord(k8s.serviceaccount) && claims.exp !== undefined) return 'bound'
  return 'other'
}

/** Decodes (does not verify) a JWT; a ParseError names the step when it is not one. */
export function decodeToken(stepId: string, token: string): DecodedToken {
  const t = token.trim()
  if (t === '') throw new ParseError(stepId, 'the token is empty', token)
  try {
    const header = decodeProtectedHeader(t)
    const claims = decodeJwt(t) as DecodedToken['claims']
    return { header, claims, kind: classifyToken(claims) }
  } catch (cause) {
    throw new ParseError(stepId, `the token is not a JWT (${(cause as Error).message})`, token, { cause })
  }
}
