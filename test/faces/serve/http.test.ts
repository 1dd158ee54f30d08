// The local server's rules, over real HTTP on loopback: the token on every request (the event stream
// too), JSON POSTs from the server's own origin only, no CORS, the Host it answers as, and no plain
// HTTP off loopback.
import { request } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { hostname, networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Refused, addressing, checkListen, serve, type Served } from '../../../src/faces/serve/http.js'

interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

let s: Served
let port: number
let posted: unknown[] = []

function call(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = ''
      res.on('data', (d: Buffer) => {
        text += d.toString()
        // The event stream stays open: its first event is enough.
        if (res.headers['content-type']?.startsWith('text/event-stream') && text.includes('\n\ndata: ')) {
          res.destroy()
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text })
        }
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }))
    })
    r.on('error', reject)
    r.end(body)
  })
}

beforeAll(async () => {
  s = await serve(
    { port: 0 },
    {
      'GET /': () => ({ status: 200, html: '<p>page</p>' }),
      'POST /api/do': (req) => {
        posted.push(req.body)
        return { status: 202, json: { ok: true } }
      },
      'GET /events': () => ({ stream: (e) => e.send({ hello: 1 }) }),
      'POST /api/busy': () => {
        throw new Refused('something else runs')
      },
    },
    new Map([['/assets/a.js', { text: 'void 0', type: 'text/javascript; charset=utf-8' }]]),
  )
  port = Number(new URL(s.origin).port)
})
afterAll(async () => s.close())

describe('the local server', () => {
  it('listens on 127.0.0.1 and prints a URL with a long random token', () => {
    expect(s.origin).toBe(`http://127.0.0.1:${port}`)
    expect(s.url).toBe(`${s.origin}/?token=${s.token}`)
    expect(s.token).toMatch(/^[A-Za-z0-9_-]{32}$/)
  })

  it.each([
    ['the page', 'GET', '/'],
    ['an asset', 'GET', '/assets/a.js'],
    ['the event stream', 'GET', '/events'],
    ['a path that does not exist', 'GET', '/nothing'],
    ['a POST', 'POST', '/api/do'],
  ])('%s without the token: 401, and nothing runs', async (_, method, path) => {
    posted = []
    const headers: Record<string, string> = method === 'POST' ? { origin: s.origin, 'content-type': 'application/json' } : {}
    // One character changed (never to itself: a token that ends in x made this the real token once).
    const wrong = s.token.slice(0, -1) + (s.token.endsWith('x') ? 'y' : 'x')
    for (const suffix of ['', '?token=', `?token=${wrong}`]) {
      const r = await call(method, `${path}${suffix}`, { host: `127.0.0.1:${port}`, ...headers }, method === 'POST' ? '{}' : undefined)
      expect(r.status).toBe(401)
      expect(JSON.parse(r.body).error).toMatch(/token is missing or wrong/)
    }
    expect(posted).toEqual([])
  })

  it('with the token: the page, the assets and the event stream answer, with a strict content policy and no CORS header', async () => {
    const page = await call('GET', `/?token=${s.token}`)
    expect(page.status).toBe(200)
    expect(page.body).toBe('<p>page</p>')
    expect(page.headers['content-security-policy']).toContain("default-src 'none'; script-src 'self'")
    expect(page.headers['cache-control']).toBe('no-store')
    expect(Object.keys(page.headers).filter((h) => h.startsWith('access-control-'))).toEqual([])
    expect((await call('GET', `/assets/a.js?token=${s.token}`)).body).toBe('void 0')
    const events = await call('GET', `/events?token=${s.token}`)
    expect(events.headers['content-type']).toBe('text/event-stream; charset=utf-8')
    expect(events.body).toContain('data: {"hello":1}\n\n')
  })

  it('a POST from its own origin with JSON runs; from another origin, with no origin, or not JSON: refused before the route', async () => {
    posted = []
    const ok = await call('POST', `/api/do?token=${s.token}`, { origin: s.origin, 'content-type': 'application/json' }, '{"step":"x"}')
    expect(ok.status).toBe(202)
    expect(posted).toEqual([{ step: 'x' }])
    posted = []
    const refused = [
      await call('POST', `/api/do?token=${s.token}`, { origin: 'http://evil.example', 'content-type': 'application/json' }, '{}'),
      await call('POST', `/api/do?token=${s.token}`, { 'content-type': 'application/json' }, '{}'),
      await call('POST', `/api/do?token=${s.token}`, { origin: `https://127.0.0.1:${port}`, 'content-type': 'application/json' }, '{}'),
    ]
    expect(refused.map((r) => r.status)).toEqual([403, 403, 403])
    // A form post (text/plain, the one a cross-site page can send without asking) is refused too.
    expect((await call('POST', `/api/do?token=${s.token}`, { origin: s.origin, 'content-type': 'text/plain' }, '{}')).status).toBe(415)
    expect((await call('POST', `/api/do?token=${s.token}`, { origin: s.origin, 'content-type': 'application/json' }, 'not json')).status).toBe(400)
    expect(posted).toEqual([])
  })

  it("a notebook rule's refusal is an answer (200, refused and why), not an error the browser logs", async () => {
    const r = await call('POST', `/api/busy?token=${s.token}`, { origin: s.origin, 'content-type': 'application/json' }, '{}')
    expect(r.status).toBe(200)
    expect(JSON.parse(r.body)).toEqual({ refused: 'something else runs' })
  })

  it('answers as its own host only (a rebound name gets 421), and takes no other method (no CORS preflight)', async () => {
    expect((await call('GET', `/?token=${s.token}`, { host: `attacker.example:${port}` })).status).toBe(421)
    expect((await call('GET', `/?token=${s.token}`, { host: `localhost:${port}` })).status).toBe(200)
    const preflight = await call('OPTIONS', `/api/do?token=${s.token}`, { origin: 'http://evil.example', 'access-control-request-method': 'POST' })
    expect(preflight.status).toBe(405)
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('never plain HTTP off loopback', () => {
    expect(() => checkListen({ host: '0.0.0.0' })).toThrow(/--host 0\.0\.0\.0 would serve plain HTTP off this machine/)
    expect(() => checkListen({ host: '192.168.1.5', tls: { cert: 'c', key: 'k' } })).not.toThrow()
    expect(() => checkListen({ host: '::1' })).not.toThrow()
  })
})

describe('the token after the first request', () => {
  it('the URL with the token sets an HttpOnly, SameSite=Strict cookie of this server; later requests carry only the cookie', async () => {
    const first = await call('GET', `/?token=${s.token}`)
    expect(first.headers['set-cookie']).toEqual([`kubewalk-token-${port}=${s.token}; Path=/; HttpOnly; SameSite=Strict`])
    const cookie = { cookie: `other=1; kubewalk-token-${port}=${s.token}` }
    expect((await call('GET', '/', cookie)).status).toBe(200)
    expect((await call('GET', '/assets/a.js', cookie)).body).toBe('void 0')
    expect((await call('GET', '/events', cookie)).body).toContain('data: {"hello":1}')
    expect((await call('POST', '/api/do', { ...cookie, origin: s.origin, 'content-type': 'application/json' }, '{}')).status).toBe(202)
    // A request without the token in its URL sets nothing.
    expect((await call('GET', '/', cookie)).headers['set-cookie']).toBeUndefined()
    // Another server's cookie (another port), or a wrong one: 401.
    expect((await call('GET', '/', { cookie: `kubewalk-token-${port + 1}=${s.token}` })).status).toBe(401)
    expect((await call('GET', '/', { cookie: `kubewalk-token-${port}=${s.token.slice(1)}` })).status).toBe(401)
  })
})

describe('--host, --allowed-host and the certificate', () => {
  let dir: string
  const pem = async (name: string, san: string): Promise<{ cert: string; key: string }> => {
    await execa('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=kubewalk-test',
      '-addext',
      `subjectAltName=${san}`,
      '-keyout',
      join(dir, `${name}.key`),
      '-out',
      join(dir, `${name}.crt`),
    ])
    return { cert: await readFile(join(dir, `${name}.crt`), 'utf8'), key: await readFile(join(dir, `${name}.key`), 'utf8') }
  }
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kubewalk-tls-'))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it("0.0.0.0 over TLS answers as the machine's addresses and name, and prints a URL the certificate names", async () => {
    const tls = await pem('machine', `DNS:${hostname()},IP:127.0.0.1`)
    const a = addressing({ host: '0.0.0.0', tls }, 8443)
    expect(a.origin).toBe(`https://${hostname()}:8443`)
    const own = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i !== undefined && i.family === 'IPv4')
      .map((i) => `${i!.address}:8443`)
    expect([...a.hosts]).toEqual(expect.arrayContaining([...own, `${hostname().toLowerCase()}:8443`, '127.0.0.1:8443', 'localhost:8443']))
    expect(a.hosts.has('0.0.0.0:8443')).toBe(false)
    expect(a.warnings).toEqual([])
  })
  it('a certificate that does not name the printed host is warned about', async () => {
    const tls = await pem('other', 'DNS:other.example')
    expect(addressing({ host: '0.0.0.0', tls }, 8443).warnings).toEqual([
      `the certificate (--tls-cert) does not name ${hostname()}: browsers will refuse https://${hostname()}:8443; use a certificate for that name, or --allowed-host with a name it holds.`,
    ])
    const named = addressing({ host: '0.0.0.0', tls, allowedHosts: ['other.example'] }, 8443)
    expect(named.origin).toBe('https://other.example:8443')
    expect(named.warnings).toEqual([])
  })
  it('an --allowed-host name is answered over TLS, with the certificate checked against it (443 without a port too)', async () => {
    const tls = await pem('kw', 'DNS:kw.example')
    expect(addressing({ host: '127.0.0.1', tls, allowedHosts: ['kw.example'] }, 443).hosts.has('kw.example')).toBe(true)
    const served = await serve(
      { host: '127.0.0.1', port: 0, tls, allowedHosts: ['kw.example'] },
      { 'GET /': () => ({ status: 200, html: 'ok' }) },
      new Map(),
    )
    try {
      const p = Number(new URL(served.origin).port)
      expect(served.url).toBe(`https://kw.example:${p}/?token=${served.token}`)
      const get = (host: string) =>
        new Promise<number>((resolve, reject) => {
          const r = httpsRequest(
            { host: '127.0.0.1', port: p, path: `/?token=${served.token}`, servername: 'kw.example', ca: tls.cert, headers: { host } },
            (res) => {
              res.resume()
              resolve(res.statusCode ?? 0)
            },
          )
          r.on('error', reject)
          r.end()
        })
      expect(await get(`kw.example:${p}`)).toBe(200)
      expect(await get(`elsewhere.example:${p}`)).toBe(421)
    } finally {
      await served.close()
    }
  })
})
