// Just enough protobuf to read a TokenRequest out of the Kubernetes envelope kubectl 1.32+ logs as hex.
// Envelope: "k8s\0" + runtime.Unknown{typeMeta=1, raw=2, contentEncoding=3, contentType=4}.
// TokenRequest: metadata=1, spec=2, status=3. TokenRequestSpec: audiences=1, boundObjectRef=3, expirationSeconds=4.

const MAGIC = [0x6b, 0x38, 0x73, 0x00]

class Truncated extends Error {}

interface Field {
  no: number
  wire: number
  varint?: bigint
  bytes?: Uint8Array
}

function* fields(buf: Uint8Array): Generator<Field> {
  let i = 0
  const varint = (): bigint => {
    let v = 0n
    for (let shift = 0n; ; shift += 7n) {
      const b = buf[i++]
      if (b === undefined) throw new Truncated()
      v |= BigInt(b & 0x7f) << shift
      if ((b & 0x80) === 0) return v
    }
  }
  while (i < buf.length) {
    const key = Number(varint())
    const no = key >>> 3
    const wire = key & 7
    if (wire === 0) yield { no, wire, varint: varint() }
    else if (wire === 2) {
      const len = Number(varint())
      if (i + len > buf.length) {
        // A cut message: hand over what there is, flagged by the throw after it.
        yield { no, wire, bytes: buf.subarray(i) }
        throw new Truncated()
      }
      yield { no, wire, bytes: buf.subarray(i, i + len) }
      i += len
    } else if (wire === 1) i += 8
    else if (wire === 5) i += 4
    else throw new Error(`unsupported protobuf wire type ${wire}`)
    if (i > buf.length) throw new Truncated()
  }
}

/** What could be read from a (possibly cut) protobuf TokenRequest. */
export interface DecodedTokenRequest {
  kind?: string
  expirationSeconds?: number
  audiences: string[]
  /** The bytes ended before the message did (kubectl cuts logged bodies). */
  incomplete: boolean
}

function walk(buf: Uint8Array, onField: (f: Field) => void): boolean {
  try {
    for (const f of fields(buf)) onField(f)
    return false
  } catch (e) {
    if (e instanceof Truncated) return true
    throw e
  }
}

export function decodeTokenRequest(data: Uint8Array): DecodedTokenRequest {
  const out: DecodedTokenRequest = { audiences: [], incomplete: false }
  const hasMagic = MAGIC.every((b, i) => data[i] === b)
  const text = new TextDecoder()
  let raw: Uint8Array | undefined
  if (hasMagic) {
    out.incomplete ||= walk(data.subarray(4), (f) => {
      if (f.no === 1 && f.bytes)
        walk(f.bytes, (t) => {
          if (t.no === 2 && t.bytes) out.kind = text.decode(t.bytes)
        })
      if (f.no === 2 && f.bytes) raw = f.bytes
    })
  } else raw = data
  if (!raw) return { ...out, incomplete: true }
  out.incomplete ||= walk(raw, (f) => {
    if (f.no !== 2 || !f.bytes) return
    out.incomplete ||= walk(f.bytes, (s) => {
      if (s.no === 1 && s.bytes) out.audiences.push(text.decode(s.bytes))
      if (s.no === 4 && s.varint !== undefined) out.expirationSeconds = Number(s.varint)
    })
  })
  return out
}
