// The local web server of `serve` and `class --serve`, safe by default as Jupyter's and Vite's are:
// loopback only (another address only over TLS), a random token per start required on every request
// (in the URL the first time, then in an HttpOnly, SameSite=Strict cookie of this server's), no CORS,
// state-changing requests are JSON POSTs from the page's own origin, and only the names it answers
// as (its addresses, the machine's name, --allowed-host) in the Host header.
// node:http and node:https only: a server this small needs no framework.
import { X509Certificate, randomBytes, timingSafeEqual } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttps } from 'node:https'
import { isIP, type AddressInfo } from 'node:net'
import { hostname, networkInterfaces } from 'node:os'
import { UsageError } from '../../core/errors.js'
import { packagePath } from '../../platform/paths.js'

/** Where and how to listen. */
export interface ListenOptions {
  /** 127.0.0.1 unless given; any other address needs tls. */
  host?: string
  /** 0: any free port. */
  port?: number
  tls?: { cert: string; key: string }
  /** More names the server answers as (--allowed-host): a DNS name or address clients use to reach it. */
  allowedHosts?: readonly string[]
}

/** A request that passed the token (and, for a POST, the origin) check. */
export interface Request {
  method: string
  path: string
  query: URLSearchParams
  /** The JSON body of a POST (undefined for a GET). */
  body: unknown
  raw: IncomingMessage
}

/** What a route answers: JSON, a page, a file to download, or an event stream it keeps. */
export type Answer =
  | { status: number; json: unknown }
  | { status: number; html: string }
  | { status: number; text: string; type: string; download?: string }
  | { stream: (events: EventStream) => void }

/** One page's event stream (Server-Sent Events). */
export interface EventStream {
  send(data: unknown): void
  onClose(fn: () => void): void
}

export type Route = (req: Request) => Answer | Promise<Answer>

/** A running server: its URL with the token, and how to stop it. */
export interface Served {
  url: string
  token: string
  origin: string
  /** What the caller should tell the user (a certificate that does not name the URL's host). */
  warnings: string[]
  close(): Promise<void>
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1'])
const ANY = new Set(['0.0.0.0', '::'])
const MAX_BODY = 64 * 1024
// Comments on the stream every so often: a proxy keeps it open, and a page that went away is noticed.
const PING_MS = 15_000

const SECURITY_HEADERS = {
  // Only the page's own files, scripts and connections; nothing from elsewhere, no frames, no forms.
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; worker-src 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'cross-origin-resource-policy': 'same-origin',
}

/** --host with or without TLS: a UsageError before anything listens when it would be plain HTTP off loopback. */
export function checkListen(o: ListenOptions): void {
  const host = o.host ?? '127.0.0.1'
  if (!LOOPBACK.has(host) && o.tls === undefined)
    throw new UsageError(
      `--host ${host} would serve plain HTTP off this machine; add --tls-cert FILE and --tls-key FILE, or leave --host out (127.0.0.1).`,
    )
  if (o.port !== undefined && !(Number.isInteger(o.port) && o.port >= 0 && o.port <= 65535))
    throw new UsageError(`--port takes 0 to 65535, got ${o.port}.`)
}

/** Reads --tls-cert and --tls-key (both or neither); a UsageError naming the file that cannot be read. */
export async function readTls(cert: string | undefined, key: string | undefined): Promise<{ cert: string; key: string } | undefined> {
  if (cert === undefined && key === undefined) return undefined
  if (cert === undefined || key === undefined) throw new UsageError('--tls-cert and --tls-key go together.')
  const read = async (flag: string, file: string): Promise<string> => {
    try {
      return await readFile(file, 'utf8')
    } catch (e) {
      throw new UsageError(`${flag} ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? 'error'}).`)
    }
  }
  return { cert: await read('--tls-cert', cert), key: await read('--tls-key', key) }
}

const sameToken = (given: string | null | undefined, token: string): boolean => {
  if (given === null || given === undefined) return false
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

async function bodyOf(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY) throw new HttpError(413, 'the request is too large')
    chunks.push(chunk as Buffer)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  if (text === '') return {}
  try {
    return JSON.parse(text)
  } catch {
    throw new HttpError(400, 'the request is not JSON')
  }
}

/** An answer with a message, thrown from a route. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

/**
 * A request the notebook's rules turn down (a step already running, out of order, run from another
 * tab): a normal answer in a notebook, not a broken request, so 200 with `refused` and the reason
 * (the browser logs every 4xx as a console error).
 */
export class Refused extends Error {}

const ASSET_TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' }

/** The page's own scripts and styles, read once from the package (src/faces/serve/assets). */
export async function loadAssets(names: readonly string[]): Promise<Map<string, { text: string; type: string }>> {
  const assets = new Map<string, { text: string; type: string }>()
  for (const name of names) {
    const type = ASSET_TYPES[name.slice(name.lastIndexOf('.'))] ?? 'text/plain; charset=utf-8'
    assets.set(`/assets/${name}`, { text: await readFile(packagePath(`src/faces/serve/assets/${name}`), 'utf8'), type })
  }
  return assets
}

/** The machine's own addresses (every interface), as a Host header names them. */
function ownAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((i) => i !== undefined)
    .map((i) => i.address)
}

const bracketed = (host: string): string => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host)

/** The names a bind address answers as: itself, or for a wildcard every address of the machine and its name; plus --allowed-host. */
export function namesFor(host: string, allowed: readonly string[] = []): string[] {
  const names = new Set<string>([host, ...allowed])
  if (LOOPBACK.has(host) || ANY.has(host)) for (const n of LOOPBACK) names.add(n)
  if (ANY.has(host)) {
    for (const a of ownAddresses()) if (host === '::' || isIP(a) === 4) names.add(a)
    names.add(hostname())
  }
  for (const n of ANY) names.delete(n)
  return [...names]
}

/** Which of `names` the certificate covers (by DNS name or IP address). */
function certificateCovers(pem: string, name: string): boolean {
  try {
    const cert = new X509Certificate(pem)
    return isIP(name) !== 0 ? cert.checkIP(name) !== undefined : cert.checkHost(name) !== undefined
  } catch {
    // Not a certificate node can read: the TLS server says so when it starts.
    return true
  }
}

/**
 * The host of the URL to print: an --allowed-host, else the bound address; for a wildcard bind, a
 * name of the machine's the certificate covers (its name, then its addresses), else the machine's name.
 */
function urlHost(host: string, allowed: readonly string[], pem: string | undefined): string {
  if (allowed.length > 0) return allowed[0] as string
  if (!ANY.has(host)) return host
  const candidates = [hostname(), ...namesFor(host).filter((n) => isIP(n) !== 0 && !LOOPBACK.has(n)), '127.0.0.1']
  if (pem !== undefined) for (const c of candidates) if (certificateCovers(pem, c)) return c
  return hostname()
}

/**
 * How a server bound as `o` on `port` is reached: the origin to print, the Host headers it answers
 * (lower case, with the port), and what to warn about (a certificate that does not name the origin's host).
 */
export function addressing(o: ListenOptions, port: number): { origin: string; hosts: Set<string>; warnings: string[] } {
  const host = o.host ?? '127.0.0.1'
  const scheme = o.tls ? 'https' : 'http'
  const allowed = o.allowedHosts ?? []
  const shown = bracketed(urlHost(host, allowed, o.tls?.cert))
  const origin = `${scheme}://${shown}:${port}`
  const defaultPort = (scheme === 'https' && port === 443) || (scheme === 'http' && port === 80)
  const hosts = new Set(
    [...namesFor(host, allowed), shown]
      .flatMap((n) => [`${bracketed(n)}:${port}`, ...(defaultPort ? [bracketed(n)] : [])])
      .map((n) => n.toLowerCase()),
  )
  const warnings: string[] = []
  const urlName = shown.replace(/^\[|\]$/g, '')
  if (o.tls !== undefined && !certificateCovers(o.tls.cert, urlName))
    warnings.push(
      `the certificate (--tls-cert) does not name ${urlName}: browsers will refuse ${origin}; use a certificate for that name, or --allowed-host with a name it holds.`,
    )
  return { origin, hosts, warnings }
}

/** The cookie that carries the token after the first request; per port, as cookies are shared between a host's ports. */
const cookieName = (port: number): string => `kubewalk-token-${port}`

function cookieOf(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

/**
 * Starts the server; every request must carry the token, every POST must come from the server's own origin.
 * `open` routes (GETs only; a key ending in `/*` matches one more path segment) need no token: they guard
 * themselves (class --serve --hand-out: a one-time code per participant).
 */
export async function serve(
  o: ListenOptions,
  routes: Record<string, Route>,
  assets: ReadonlyMap<string, { text: string; type: string }>,
  open: Record<string, Route> = {},
): Promise<Served> {
  checkListen(o)
  const host = o.host ?? '127.0.0.1'
  const token = randomBytes(24).toString('base64url')
  const scheme = o.tls ? 'https' : 'http'
  const streams = new Set<ServerResponse>()
  let origin = ''
  let cookie = ''
  let allowedHosts = new Set<string>()
  const handler = (req: IncomingMessage, res: ServerResponse): void =>
    void handle(req, res).catch((e: unknown) => {
      if (e instanceof Refused && !res.headersSent) return send(res, 200, 'application/json; charset=utf-8', JSON.stringify({ refused: e.message }))
      const status = e instanceof HttpError ? e.status : 500
      if (!res.headersSent)
        send(res, status, 'application/json; charset=utf-8', JSON.stringify({ error: e instanceof Error ? e.message : String(e) }))
      else res.end()
    })
  const send = (res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void => {
    res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, ...extra })
    res.end(body)
  }
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', origin)
    // A name that resolves here from elsewhere (DNS rebinding) is not this server's.
    if (!allowedHosts.has((req.headers.host ?? '').toLowerCase())) throw new HttpError(421, `this server answers as ${origin} only`)
    const method = req.method ?? 'GET'
    const opened = method === 'GET' ? (open[`GET ${url.pathname}`] ?? open[`GET ${url.pathname.replace(/\/[^/]+$/, '/*')}`]) : undefined
    const inUrl = sameToken(url.searchParams.get('token'), token)
    if (opened === undefined && !inUrl && !sameToken(cookieOf(req.headers.cookie, cookie), token))
      throw new HttpError(401, 'the token is missing or wrong: open the URL kubewalk printed')
    // The URL's token becomes a cookie the page's later requests (a reload, a new tab) carry, and the page takes it out of the address bar.
    if (inUrl) res.setHeader('set-cookie', `${cookie}=${token}; Path=/; HttpOnly; SameSite=Strict${o.tls ? '; Secure' : ''}`)
    if (method === 'POST') {
      // Cross-site requests carry another Origin (or none from old forms): refused before reading the body.
      const from = (req.headers.origin ?? '').toLowerCase()
      if (!from.startsWith(`${scheme}://`) || !allowedHosts.has(from.slice(`${scheme}://`.length)))
        throw new HttpError(403, 'a POST must come from the page this server serves')
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) throw new HttpError(415, 'a POST sends JSON')
    } else if (method !== 'GET') throw new HttpError(405, `${method} is not served here`)
    const asset = assets.get(url.pathname)
    if (asset !== undefined && method === 'GET') return send(res, 200, asset.type, asset.text)
    const route = opened ?? routes[`${method} ${url.pathname}`]
    if (route === undefined) throw new HttpError(404, `nothing at ${method} ${url.pathname}`)
    const answer = await route({
      method,
      path: url.pathname,
      query: url.searchParams,
      body: method === 'POST' ? await bodyOf(req) : undefined,
      raw: req,
    })
    if ('stream' in answer) {
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' })
      res.write('retry: 1000\n\n')
      streams.add(res)
      const closers: (() => void)[] = []
      const ping = setInterval(() => res.write(': ping\n\n'), PING_MS)
      ping.unref()
      res.on('close', () => {
        clearInterval(ping)
        streams.delete(res)
        for (const fn of closers) fn()
      })
      answer.stream({ send: (data) => void res.write(`data: ${JSON.stringify(data)}\n\n`), onClose: (fn) => void closers.push(fn) })
      return
    }
    if ('json' in answer) return send(res, answer.status, 'application/json; charset=utf-8', JSON.stringify(answer.json))
    if ('html' in answer) return send(res, answer.status, 'text/html; charset=utf-8', answer.html)
    send(res, answer.status, answer.type, answer.text, answer.download ? { 'content-disposition': `attachment; filename="${answer.download}"` } : {})
  }
  const server: Server = o.tls ? createHttps({ cert: o.tls.cert, key: o.tls.key }, handler) : createHttp(handler)
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? new UsageError(`--port ${o.port}: in use on ${host}; choose another, or --port 0 for any free one.`) : e),
    )
    server.listen(o.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const answer = addressing(o, port)
  origin = answer.origin
  allowedHosts = answer.hosts
  cookie = cookieName(port)
  const warnings = answer.warnings
  return {
    url: `${origin}/?token=${token}`,
    token,
    origin,
    warnings,
    close: async () => {
      for (const s of streams) s.end()
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await closed
    },
  }
}
