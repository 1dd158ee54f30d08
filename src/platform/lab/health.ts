// Health probes of the lab's components: each answers true, or a short reason to show while waiting.
import https from 'node:https'
import { errorMessage } from '../../core/errors.js'

/** PEM bytes for a TLS client: the CA to trust and, for client-certificate auth, a certificate and key. */
export interface TlsFiles {
  ca: Buffer
  cert?: Buffer
  key?: Buffer
}

/** An HTTP answer: status and body. */
export interface HttpAnswer {
  status: number
  body: string
}

/** GET over HTTPS on loopback, trusting only `tls.ca`; no proxy, no keep-alive. */
export function httpsGet(url: string, tls: TlsFiles, timeoutMs = 2_000): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { agent: false, timeout: timeoutMs, ...tls }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    req.on('error', reject)
  })
}

function probeError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code
  return code ?? errorMessage(error)
}

/** etcd's /health, over TLS with a client certificate its CA signed (etcd refuses any other client). */
export async function etcdHealth(port: number, tls: TlsFiles): Promise<true | string> {
  try {
    const { status, body } = await httpsGet(`https://127.0.0.1:${port}/health`, tls)
    return status === 200 && /"health":\s*"true"/.test(body) ? true : `/health ${status}: ${body.trim()}`
  } catch (error) {
    return `/health: ${probeError(error)}`
  }
}

export async function apiserverReady(server: string, tls: TlsFiles): Promise<true | string> {
  try {
    const { status, body } = await httpsGet(`${server}/readyz`, tls)
    if (status === 200 && body.trim() === 'ok') return true
    const failing = body
      .split('\n')
      .filter((l) => l.startsWith('[-]'))
      .map((l) => l.slice(3).replace(/ failed: reason withheld$/, ''))
    return `/readyz ${status}${failing.length > 0 ? `: waiting for ${failing.join(', ')}` : ''}`
  } catch (error) {
    return `/readyz: ${probeError(error)}`
  }
}

export async function defaultServiceAccount(server: string, tls: TlsFiles): Promise<true | string> {
  try {
    const { status } = await httpsGet(`${server}/api/v1/namespaces/default/serviceaccounts/default`, tls)
    return status === 200 ? true : `serviceaccount/default: ${status}`
  } catch (error) {
    return `serviceaccount/default: ${probeError(error)}`
  }
}

/** kube-controller-manager's /healthz, one of the paths it serves without authentication. */
export async function controllerManagerHealth(port: number, ca: Buffer): Promise<true | string> {
  try {
    const { status, body } = await httpsGet(`https://127.0.0.1:${port}/healthz`, { ca })
    return status === 200 && body.trim() === 'ok' ? true : `/healthz ${status}: ${body.trim().split('\n').slice(-3).join(' ')}`
  } catch (error) {
    return `/healthz: ${probeError(error)}`
  }
}
