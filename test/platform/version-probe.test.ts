// The in-process version probe: which kubeconfigs it takes on itself (the rest go to kubectl), an HTTPS request with a
// CA and a bearer token, and the client version remembered per kubectl file. The server here is a stand-in for the
// request's mechanics only; test/e2e/version-probe.test.ts asks the real lab.
import { execFileSync } from 'node:child_process'
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConfigView } from '../../src/platform/kubeconfig.js'
import { directCredentials, kubectlVersionCached, serverVersion } from '../../src/platform/version-probe.js'

let dir: string
let server: Server
let port: number
let ca: string
const seen: { url?: string; authorization?: string }[] = []

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubewalk-probe-'))
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  )
  ca = await readFile(join(dir, 'cert.pem'), 'utf8')
  server = createServer({ key: await readFile(join(dir, 'key.pem')), cert: ca }, (req, res) => {
    seen.push({ url: req.url, authorization: req.headers.authorization })
    if (req.headers.authorization !== 'Bearer good') return void res.writeHead(401).end('{"kind":"Status","code":401}')
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ major: '1', minor: '37', gitVersion: 'v1.37.2' }))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  port = (server.address() as AddressInfo).port
})
afterAll(async () => {
  server.close()
  await rm(dir, { recursive: true, force: true })
})

const config = (
  user: ConfigView['users'] extends (infer U)[] | undefined ? (U extends { user?: infer V } ? V : never) : never,
  cluster: Record<string, unknown> = {},
): ConfigView => ({
  'current-context': 'c',
  clusters: [
    { name: 'k', cluster: { server: `https://127.0.0.1:${port}`, 'certificate-authority-data': Buffer.from(ca).toString('base64'), ...cluster } },
  ],
  contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
  users: [{ name: 'u', user }],
})

describe('directCredentials', () => {
  it.each([
    ['an exec credential plugin', { exec: { command: 'gke-gcloud-auth-plugin' } }, {}, {}],
    ['an auth-provider', { 'auth-provider': { name: 'oidc' } }, {}, {}],
    ['impersonation', { token: 'good', as: 'someone' }, {}, {}],
    ["the cluster's proxy-url", { token: 'good' }, { 'proxy-url': 'http://127.0.0.1:3128' }, {}],
    ['HTTPS_PROXY in the environment', { token: 'good' }, {}, { HTTPS_PROXY: 'http://127.0.0.1:3128' }],
    ['a plain-http server', { token: 'good' }, { server: 'http://127.0.0.1:1' }, {}],
    ['a token file that cannot be read', { tokenFile: '/nonexistent/token' }, {}, {}],
  ])('leaves %s to kubectl', async (_what, user, cluster, env) => {
    expect(await directCredentials(config(user, cluster), 'c', env)).toBeUndefined()
  })
  it('reads a token from its file, and the CA from the data', async () => {
    const file = join(dir, 'token')
    await writeFile(file, 'good\n')
    const c = await directCredentials(config({ tokenFile: file }), 'c', {})
    expect(c?.headers).toEqual({ authorization: 'Bearer good' })
    expect(c?.ca?.toString()).toBe(ca)
  })
})

describe('serverVersion', () => {
  it('asks GET /version with the token and verifies the server against the CA', async () => {
    seen.length = 0
    const c = await directCredentials(config({ token: 'good' }), 'c', {})
    expect(await serverVersion(c!, 5_000)).toBe('v1.37.2')
    expect(seen).toEqual([{ url: '/version', authorization: 'Bearer good' }])
  })
  it('answers undefined (kubectl then says why) for a refused token, an unknown CA, or a closed port', async () => {
    const refused = await directCredentials(config({ token: 'bad' }), 'c', {})
    expect(await serverVersion(refused!, 5_000)).toBeUndefined()
    const otherCa = await directCredentials(config({ token: 'good' }, { 'certificate-authority-data': undefined }), 'c', {})
    expect(await serverVersion(otherCa!, 5_000)).toBeUndefined()
    const closed = await directCredentials(config({ token: 'good' }, { server: 'https://127.0.0.1:1' }), 'c', {})
    expect(await serverVersion(closed!, 5_000)).toBeUndefined()
  })
})

describe('kubectlVersionCached', () => {
  it('starts the kubectl once per file, then remembers its version until the file changes', async () => {
    const bin = join(dir, 'bin')
    execFileSync('mkdir', ['-p', bin])
    const kubectl = join(bin, 'kubectl')
    const calls = join(dir, 'calls')
    const script = (v: string): string => `#!/bin/sh\necho x >> ${calls}\necho '{"clientVersion":{"gitVersion":"${v}"}}'\n`
    await writeFile(kubectl, script('v1.37.2'))
    await chmod(kubectl, 0o755)
    const env = { XDG_CACHE_HOME: join(dir, 'cache') }
    expect(await kubectlVersionCached(kubectl, env)).toBe('v1.37.2')
    expect(await kubectlVersionCached(kubectl, env)).toBe('v1.37.2')
    expect((await readFile(calls, 'utf8')).split('\n').filter(Boolean)).toHaveLength(1)
    await writeFile(kubectl, script('v1.33.13-longer'))
    expect(await kubectlVersionCached(kubectl, env)).toBe('v1.33.13-longer')
    expect((await readFile(calls, 'utf8')).split('\n').filter(Boolean)).toHaveLength(2)
  })
  it('is undefined for a program that is not a kubectl', async () => {
    expect(await kubectlVersionCached('/bin/true', { XDG_CACHE_HOME: join(dir, 'cache2') })).toBeUndefined()
  })
})
