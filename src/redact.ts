// Masking, applied where output leaves the process. Values the run learned are masked exactly;
// anything token-shaped is masked by pattern, so a token kubewalk never saw is hidden too.

const JWT = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g
// base64 of a JWT starts with "eyJ" encoded: ZXlK.
const B64_JWT = /ZXlK[A-Za-z0-9+/]{16,}={0,2}/g

/** Secret values seen during a run; add to it as they appear. */
export class Secrets {
  readonly #values = new Set<string>()
  add(value: string | undefined): void {
    const v = value?.trim()
    if (v === undefined || v.length < 8) return
    this.#values.add(v)
    this.#values.add(Buffer.from(v).toString('base64'))
  }
  get size(): number {
    return this.#values.size
  }
  /** Longest first, so a value never leaves a masked fragment of a longer one. */
  values(): string[] {
    return [...this.#values].sort((a, b) => b.length - a.length)
  }
}

/** How a masked value is shown: its length, never its content. */
export function maskOf(value: string): string {
  return value.startsWith('eyJ') ? `eyJ…[masked token, ${value.length} chars]` : `[masked, ${value.length} chars]`
}

/** Masks known secret values and anything shaped like a token or a base64-encoded token. */
export function redact(text: string, secrets?: Secrets): string {
  let out = text
  for (const v of secrets?.values() ?? []) if (out.includes(v)) out = out.split(v).join(maskOf(v))
  return out.replace(JWT, maskOf).replace(B64_JWT, maskOf)
}

/** Masks every string inside a JSON-like value. */
export function redactDeep<T>(value: T, secrets?: Secrets): T {
  if (typeof value === 'string') return redact(value, secrets) as T
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, secrets)) as T
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, secrets)])) as T
  }
  return value
}

const SIGNED_JWT = /(eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.)[A-Za-z0-9_-]{8,}/g

/** JWTs (also base64-encoded ones) without their signature: the claims stay readable, the token is no longer a credential. */
export function unsignTokens(text: string): string {
  return text.replace(SIGNED_JWT, '$1').replace(B64_JWT, (b64) => {
    const decoded = Buffer.from(b64, 'base64').toString('utf8')
    const unsigned = decoded.replace(SIGNED_JWT, '$1')
    return unsigned === decoded ? maskOf(b64) : Buffer.from(unsigned).toString('base64')
  })
}

/** What a recording may keep: JWTs unsigned, every other secret value masked. */
export function redactRecording(text: string, secrets?: Secrets): string {
  let out = unsignTokens(text)
  for (const v of secrets?.values() ?? []) if (out.includes(v)) out = out.split(v).join(maskOf(v))
  return out
}
