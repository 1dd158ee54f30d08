// An HTTPS stand-in for an API server, for the mechanics of requests made from this process (e2e meets the lab):
// a self-signed certificate, each request answered by `answer`, what it saw and how many TLS handshakes it took.
import { execFileSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { onTestFinished } from 'vitest'
import type { DirectCredentials } from '../src/platform/version-probe.js'
import { testDir } from './temp-dir.js'

export interface HttpsStandIn {
  /** Credentials for it: its URL, no CA check, a bearer token `t`. */
  creds: DirectCredentials
  /** `METHOD URL AUTHORIZATION` of each request, in order. */
  seen: string[]
  handshakes(): number
}

/** Starts one on loopback, stopped when the test ends; `answer` is given each request (undefined: it never answers). */
export async function httpsStandIn(answer: ((req: IncomingMessage, res: ServerResponse) => void) | undefined): Promise<HttpsStandIn> {
  const dir = await testDir('kubewalk-https-')
  const files = ['-keyout', join(dir, 'k'), '-out', join(dir, 'c')]
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', ...files], { stdio: 'ignore' })
  const seen: string[] = []
  const server = createServer({ key: await readFile(join(dir, 'k')), cert: await readFile(join(dir, 'c')) }, (req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization}`)
    answer?.(req, res)
  })
  let handshakes = 0
  server.on('secureConnection', () => void handshakes++)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  onTestFinished(() => void server.closeAllConnections())
  onTestFinished(() => void server.close())
  const port = (server.address() as AddressInfo).port
  return {
    creds: { server: new URL(`https://127.0.0.1:${port}`), insecure: true, headers: { authorization: 'Bearer t' } },
    seen,
    handshakes: () => handshakes,
  }
}

/** Answers each request with the next [status, body] (a string as it is, anything else as JSON), then `otherwise`. */
export function answering(
  answers: [number, unknown][],
  otherwise: [number, unknown] = [500, {}],
): (req: IncomingMessage, res: ServerResponse) => void {
  return (_, res) => {
    const [status, body] = answers.shift() ?? otherwise
    res.writeHead(status, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body))
  }
}
