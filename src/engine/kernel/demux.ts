// Reading what the kernel sends back: each line's output up to its mark, and the messages on fd 3.

/**
 * One output FIFO (a line's stdout or stderr). Bytes accumulate until the mark `\x1e<nonce>:<id>\x1e`
 * ends a line's part; `live` sees the bytes as they come, without any that may turn out to be a mark.
 */
export class Tap {
  private chunks: Buffer[] = []
  private length = 0
  private streamed = 0
  private retired = false
  live: ((chunk: Buffer) => void) | undefined
  constructor(
    private readonly mark: Buffer,
    private readonly onPart: (id: number, part: Buffer) => void,
  ) {}

  /** Its line has ended (a job may go on writing here): from now on bytes go to `live` (that line's onOutput, if any) and are not kept. */
  retire(live: ((chunk: Buffer) => void) | undefined): void {
    this.retired = true
    this.live = live
    const rest = this.take()
    if (rest.length > 0) this.feed(rest)
  }

  feed(data: Buffer): void {
    if (this.retired) {
      // A second report after Ctrl-C may still end here with a mark; it is not output.
      const at = data.indexOf(this.mark)
      const end = at < 0 ? -1 : data.indexOf(0x1e, at + this.mark.length)
      const kept = end < 0 ? data : Buffer.concat([data.subarray(0, at), data.subarray(end + 1)])
      if (kept.length > 0) this.live?.(kept)
      return
    }
    // Only the new bytes and a mark's length before them can hold a mark not seen yet.
    const overlap = Math.min(this.length, this.mark.length + 24)
    const tail = overlap === 0 ? data : Buffer.concat([this.last(overlap), data])
    this.chunks.push(data)
    this.length += data.length
    if (tail.indexOf(this.mark) >= 0) this.split()
    this.stream()
  }

  /** Everything not yet claimed by a mark (the shell died before writing one), and forget it. */
  take(): Buffer {
    const rest = this.whole()
    this.chunks = []
    this.length = 0
    this.streamed = 0
    return rest
  }

  private last(n: number): Buffer {
    const parts: Buffer[] = []
    for (let i = this.chunks.length - 1, left = n; i >= 0 && left > 0; i--) {
      const c = this.chunks[i] as Buffer
      parts.unshift(c.subarray(Math.max(0, c.length - left)))
      left -= c.length
    }
    return Buffer.concat(parts)
  }

  private whole(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.length)]
    return this.chunks[0] ?? Buffer.alloc(0)
  }

  private split(): void {
    let buf = this.whole()
    for (;;) {
      const at = buf.indexOf(this.mark)
      if (at < 0) break
      const end = buf.indexOf(0x1e, at + this.mark.length)
      if (end < 0) break
      const id = Number(buf.subarray(at + this.mark.length, end).toString('latin1'))
      const part = buf.subarray(0, at)
      if (this.live && part.length > this.streamed) this.live(part.subarray(this.streamed))
      buf = buf.subarray(end + 1)
      this.streamed = 0
      this.onPart(id, part)
    }
    this.chunks = buf.length === 0 ? [] : [buf]
    this.length = buf.length
  }

  private stream(): void {
    if (!this.live || this.length === this.streamed) return
    const fresh = this.last(this.length - this.streamed)
    // Hold back a tail that may be the start of a mark.
    let safe = fresh.length
    for (let at = fresh.indexOf(0x1e, Math.max(0, fresh.length - this.mark.length - 24)); at >= 0; at = fresh.indexOf(0x1e, at + 1)) {
      const seen = fresh.subarray(at, Math.min(fresh.length, at + this.mark.length))
      if (this.mark.subarray(0, seen.length).equals(seen)) {
        safe = at
        break
      }
    }
    if (safe > 0) {
      this.live(fresh.subarray(0, safe))
      this.streamed += safe
    }
  }
}

/** A message from the kernel: its kind (R ready, B began, S status, V variables, A acknowledged), the request id, its fields. */
export interface Message {
  kind: string
  id: number
  fields: string[]
}

/** Splits fd 3's bytes into messages: NUL-terminated kind, id, count, then count fields. */
export class ControlReader {
  private pending: Buffer[] = []
  private fields: string[] = []
  constructor(private readonly onMessage: (m: Message) => void) {}

  feed(data: Buffer): void {
    let from = 0
    for (;;) {
      const nul = data.indexOf(0, from)
      if (nul < 0) break
      this.pending.push(data.subarray(from, nul))
      this.fields.push(Buffer.concat(this.pending).toString('utf8'))
      this.pending = []
      from = nul + 1
      this.maybeEmit()
    }
    if (from < data.length) this.pending.push(data.subarray(from))
  }

  private maybeEmit(): void {
    if (this.fields.length < 3) return
    const count = Number(this.fields[2])
    if (this.fields.length < 3 + count) return
    const [kind = '', id = '0', , ...fields] = this.fields
    this.fields = []
    this.onMessage({ kind, id: Number(id), fields })
  }
}
