// Masking, applied where output leaves the process. Values the run learned are masked exactly;
// anything token-shaped is masked by pattern, so a token kubewalk never saw is hidden too.

const JWT = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g
// base64 of a JWT starts with "eyJ" encoded: ZXlK.
const B64_JWT = /ZXlK[A-Za-z0-9+/]{16,}={0,2}/g

// Shorter values are too common in ordinary output to mask wherever they appear.
const MIN_SECRET = 4
// `base64` wraps its output every 76 characters: a secret's encoding may straddle a line break.
const WRAPPED_B64 = /(?:[A-Za-z0-9+/]{76}\n)+[A-Za-z0-9+/]*={0,2}/g

/**
 * The base64 text that encodes `value` wherever it sits in a longer text: for each of the three
 * alignments, the characters that depend on the value's bytes alone (the ones at either end also
 * carry bits of what is around it). Standard and URL-safe alphabets.
 */
export function base64Forms(value: string): string[] {
  const bytes = Buffer.from(value)
  const forms = new Set<string>()
  for (const offset of [0, 1, 2]) {
    const b64 = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64')
    const from = Math.ceil((offset * 8) / 6)
    const to = Math.floor(((offset + bytes.length) * 8) / 6)
    const inner = b64.slice(from, to)
    if (inner.length < MIN_SECRET) continue
    forms.add(inner)
    forms.add(inner.replace(/\+/g, '-').replace(/\//g, '_'))
  }
  return [...forms]
}

/** Secret values seen during a run; add to it as they appear. */
export class Secrets {
  readonly #values = new Set<string>()
  readonly #encoded = new Set<string>()
  add(value: string | undefined): void {
    const v = value?.trim()
    if (v === undefined || v.length < MIN_SECRET || this.#values.has(v)) return
    this.#values.add(v)
    // Whole (`printf %s "$S" | base64`, with or without its padding, `echo "$S" | base64`), and inside longer encoded text.
    this.#encoded.add(Buffer.from(v).toString('base64'))
    for (const f of base64Forms(v)) this.#encoded.add(f)
  }
  get size(): number {
    return this.#values.size
  }
  /** Longest first, so a value never leaves a masked fragment of a longer one. */
  values(): string[] {
    return [...new Set([...this.#values, ...this.#encoded])].sort((a, b) => b.length - a.length)
  }
  /** The encoded forms only (for text whose line breaks were taken out). */
  encoded(): string[] {
    return [...this.#encoded]
  }
}

/** How a masked value is shown: neither its content nor its length. */
export function maskOf(value: string): string {
  return value.startsWith('eyJ') ? 'eyJ…[masked token]' : '[masked]'
}

/** Masks known secret values (plain and base64, wherever they sit) and anything shaped like a token or a base64-encoded token. */
export function redact(text: string, secrets?: Secrets): string {
  let out = text
  if (secrets !== undefined && secrets.size > 0) {
    // Wrapped base64 first, while its lines are still whole: the whole block goes if it encodes a secret.
    const encoded = secrets.encoded()
    out = out.replace(WRAPPED_B64, (block) => {
      const joined = block.replace(/\n/g, '')
      return encoded.some((f) => joined.includes(f)) ? `${maskOf(joined)}${block.endsWith('\n') ? '\n' : ''}` : block
    })
    for (const v of secrets.values()) if (out.includes(v)) out = out.split(v).join(maskOf(v))
  }
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

// What stands where a recorded JWT's signature was: not base64url, so the result no longer has a
// token's shape (the JWT pattern above skips it), while JWT decoders still read header and claims.
const SIGNATURE_REMOVED = '~signature-removed~'
const WHOLE_JWT = /^eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}$/
const STRIPPED_JWT = /^eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.~signature-removed~$/

/** A JWT without its signature: header and claims stay readable offline, and it is no credential any more. */
export function withoutSignature(jwt: string): string {
  const [header, payload] = jwt.split('.')
  return `${header}.${payload}.${SIGNATURE_REMOVED}`
}

function maskRecorded(value: string): string {
  if (WHOLE_JWT.test(value)) return withoutSignature(value)
  const decoded = Buffer.from(value, 'base64').toString('utf8').trim()
  // A Secret's data: the same cut inside its base64, so the recording still decodes to the token's claims.
  if (WHOLE_JWT.test(decoded)) return Buffer.from(withoutSignature(decoded)).toString('base64')
  if (STRIPPED_JWT.test(decoded)) return value
  return maskOf(value)
}

/**
 * Masking for recordings (files kept beside a walkthrough): a JWT, plain or base64, keeps its header
 * and payload and loses its signature; every other secret value is masked as redact masks it.
 */
export function maskForRecording(text: string, secrets?: Secrets): string {
  let out = text
  for (const v of secrets?.values() ?? []) if (out.includes(v)) out = out.split(v).join(maskRecorded(v))
  return out.replace(JWT, withoutSignature).replace(B64_JWT, maskRecorded)
}
