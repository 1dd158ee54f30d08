// JWTs through jose: decoding only here; the claims a step needs are named in the type.
import { decodeJwt, decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from 'jose'
import { ParseError } from '../errors.js'

/** A decoded service-account token. */
export interface DecodedToken {
  header: ProtectedHeaderParameters
  claims: JWTPayload & Record<string, unknown>
  /** `bound`: minted by TokenRequest (has exp, aud); `legacy`: from a token Secret (issuer kubernetes/serviceaccount). */
  kind: 'bound' | 'legacy'
}

export const LEGACY_ISSUER = 'kubernetes/serviceaccount'

/** Decodes (does not verify) a JWT; a ParseError names the step when it is not one. */
export function decodeToken(stepId: string, token: string): DecodedToken {
  const t = token.trim()
  if (t === '') throw new ParseError(stepId, 'the token is empty', token)
  try {
    const header = decodeProtectedHeader(t)
    const claims = decodeJwt(t) as DecodedToken['claims']
    return { header, claims, kind: claims.iss === LEGACY_ISSUER ? 'legacy' : 'bound' }
  } catch (cause) {
    throw new ParseError(stepId, `the token is not a JWT (${(cause as Error).message})`, token, { cause })
  }
}
