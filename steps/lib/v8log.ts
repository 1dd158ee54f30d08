// Reads what `kubectl create token default --v=8` logs on stderr, in each format kubectl has used:
//  printf (1.27–1.31):   round_trippers.go] POST https://…   Response Status: 201 Created in 8 milliseconds
//                        request.go] Response Body: {json}
//  structured bodies (1.32): serviceaccount.go] "Response Body" body=<\n\t…\n >   or  body="…"
//  structured (1.33):    round_trippers.go] "Request" verb="POST" url="…"   "Response" status="201 Created"
// From 1.32 on kubectl asks for protobuf, so a real API server's body is logged as a hex dump.
import { ParseError } from '../../src/core/errors.js'
import { decodeTokenRequest } from './protobuf.js'

/** What the log says about the TokenRequest round trip. */
export interface TokenRequestLog {
  format: 'printf' | 'structured-body' | 'structured'
  method?: string
  url?: string
  /** e.g. `201 Created` */
  status?: string
  statusCode?: number
  userAgent?: string
  requestContentType?: string
  /** How the response body was logged. */
  body: { encoding: 'json' | 'protobuf' | 'absent'; truncated: boolean; text: string }
  /** `spec.expirationSeconds` of the response, when the logged body still holds it. */
  expirationSeconds?: number
}

// klog header: I0707 17:27:30.420755 1833212 round_trippers.go:463] message
const KLOG = /^[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+ ([\w.-]+:\d+)\] (.*)$/

interface Entry {
  source: string
  message: string
  /** Continuation lines of a multi-line value (`key=<` … ` >`) or of a printf hex dump. */
  more: string[]
}

function entries(stderr: string): Entry[] {
  const out: Entry[] = []
  for (const line of stderr.split('\n')) {
    const m = KLOG.exec(line)
    if (m) out.push({ source: m[1] ?? '', message: m[2] ?? '', more: [] })
    else if (out.length > 0) out[out.length - 1]?.more.push(line)
  }
  return out
}

/** Unquotes a Go %q string as klog writes it (close to JSON; \x escapes mapped by hand). */
function unquoteGo(quoted: string): string {
  const json = quoted
    .replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1')
    .replace(/\\a/g, '\\u0007')
    .replace(/\\v/g, '\\u000b')
  try {
    return JSON.parse(json) as string
  } catch {
    return quoted.slice(1, -1)
  }
}

/** The value of `key="…"` or `key=<` block in a structured klog entry. */
function field(entry: Entry, key: string): string | undefined {
  const quoted = new RegExp(`(?:^|\\s)${key}=("(?:[^"\\\\]|\\\\.)*")`).exec(entry.message)
  if (quoted?.[1] !== undefined) return unquoteGo(quoted[1])
  if (new RegExp(`(?:^|\\s)${key}=<$`).test(entry.message) || entry.message.includes(` ${key}=<`)) {
    const lines: string[] = []
    for (const l of entry.more) {
      if (/^ >/.test(l)) break
      lines.push(l.replace(/^\t/, ''))
    }
    return lines.join('\n')
  }
  const bare = new RegExp(`(?:^|\\s)${key}=(\\S+)`).exec(entry.message)
  return bare?.[1]
}

const TRUNCATED = / \[truncated \d+ chars\]\s*$/
const HEXLINE = /^\s*[0-9a-f]{8}\s{2}((?:[0-9a-f]{2}\s{1,2}){1,16})/

function hexDumpBytes(text: string): Uint8Array | undefined {
  const bytes: number[] = []
  for (const line of text.split('\n')) {
    const m = HEXLINE.exec(line)
    if (!m?.[1]) continue
    for (const b of m[1].trim().split(/\s+/)) bytes.push(parseInt(b, 16))
  }
  return bytes.length > 0 ? Uint8Array.from(bytes) : undefined
}

function readBody(text: string): Pick<TokenRequestLog, 'body' | 'expirationSeconds'> {
  const truncated = TRUNCATED.test(text)
  const bytes = hexDumpBytes(text)
  if (bytes) {
    const decoded = decodeTokenRequest(bytes)
    const r: Pick<TokenRequestLog, 'body' | 'expirationSeconds'> = {
      body: { encoding: 'protobuf', truncated: truncated || decoded.incomplete, text },
    }
    if (decoded.expirationSeconds !== undefined) r.expirationSeconds = decoded.expirationSeconds
    return r
  }
  // A cut JSON body no longer parses; the field we want is usually well before the cut.
  const m = /"expirationSeconds"\s*:\s*(\d+)/.exec(text)
  const r: Pick<TokenRequestLog, 'body' | 'expirationSeconds'> = { body: { encoding: 'json', truncated, text } }
  if (m?.[1]) r.expirationSeconds = Number(m[1])
  return r
}

/** Parses the -v=8 log of `kubectl create token`; throws a ParseError when it shows no TokenRequest. */
export function parseTokenRequestLog(stepId: string, stderr: string): TokenRequestLog {
  const all = entries(stderr)
  let format: TokenRequestLog['format'] = 'printf'
  const log: Omit<TokenRequestLog, 'format'> = { body: { encoding: 'absent', truncated: false, text: '' } }
  let inRequestHeaders = false
  for (const e of all) {
    const msg = e.message
    if (msg.startsWith('"Request" ') || msg.startsWith('"Response" ')) {
      // -v=8 puts verb/url/headers on "Request"; -v=9 logs a curlCommand there and moves them to "Response".
      format = 'structured'
      log.method ??= field(e, 'verb')
      log.url ??= field(e, 'url')
      if (msg.startsWith('"Response" ')) log.status = field(e, 'status')
      const headers = `${field(e, 'headers') ?? ''}\n${field(e, 'curlCommand') ?? ''}`
      if (msg.startsWith('"Request" ')) {
        log.userAgent ??= /User-Agent: ([^'"\n]*)/.exec(headers)?.[1]?.trim()
        log.requestContentType ??= /Content-Type: ([^'"\n]*)/.exec(headers)?.[1]?.trim()
      }
    } else if (msg.startsWith('"Response Body"')) {
      if (format === 'printf') format = 'structured-body'
      Object.assign(log, readBody(field(e, 'body') ?? ''))
    } else if (msg.startsWith('"Request Body"')) {
      if (format === 'printf') format = 'structured-body'
    } else if (msg.startsWith('Response Body:')) {
      Object.assign(log, readBody([msg.slice('Response Body:'.length), ...e.more].join('\n')))
    } else if (/^(GET|POST|PUT|PATCH|DELETE) https?:\/\//.test(msg)) {
      const [method, url] = msg.split(' ')
      log.method = method
      log.url = url
    } else if (msg.startsWith('Response Status:')) {
      log.status = /^Response Status: (.*?)(?: in \d+ milliseconds)?$/.exec(msg)?.[1]
      inRequestHeaders = false
    } else if (msg === 'Request Headers:') {
      inRequestHeaders = true
    } else if (inRequestHeaders && /^\s+User-Agent: /.test(msg)) {
      log.userAgent = msg.trim().slice('User-Agent: '.length)
    } else if (inRequestHeaders && /^\s+Content-Type: /.test(msg)) {
      log.requestContentType = msg.trim().slice('Content-Type: '.length)
    }
  }
  if (log.url === undefined && log.status === undefined) {
    const hint = stderr.trim() === '' ? 'kubectl logged nothing at -v=8' : 'no request line ("POST https://…" or "Request" verb=…) in the -v=8 log'
    throw new ParseError(stepId, hint, stderr)
  }
  const code = log.status ? Number(/^(\d{3})/.exec(log.status)?.[1]) : NaN
  const result: TokenRequestLog = { format, ...log }
  if (!Number.isNaN(code)) result.statusCode = code
  for (const k of Object.keys(result) as (keyof TokenRequestLog)[]) if (result[k] === undefined) delete result[k]
  return result
}
