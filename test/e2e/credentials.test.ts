// Real kubeconfigs on the lab: credential plugins that fail or want a terminal, a proxy that is not
// there, tls-server-name under --strict-tls, --kubectl as a command, and a merged kubeconfig with
// clusters the run never calls. Every kubectl here is the lab's own build.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, connect, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { parse as parseYaml, stringify } from 'yaml'
import { kubewalk, type JsonReport } from './cli.js'
import { kubectl, labKubectl as labKubectlPath } from './kube.js'

const kubeconfig = inject('labKubeconfig')
const skipReason = inject('labSkipReason')
const BIN = fileURLToPath(new URL('../../bin/kubewalk.js', import.meta.url))

interface Config {
  clusters: { name: string; cluster: Record<string, unknown> }[]
  users: { name: string; user: Record<string, unknown> }[]
  contexts: { name: string; context: Record<string, unknown> }[]
  'current-context': string
}

let dir: string
let labKubectl: string
let lab: Config
let server: URL
beforeAll(async () => {
  if (kubeconfig === '') return
  dir = await mkdtemp(join(tmpdir(), 'kubewalk-creds-'))
  labKubectl = labKubectlPath()
  lab = parseYaml(await readFile(kubeconfig, 'utf8')) as Config
  server = new URL(lab.clusters[0]?.cluster.server as string)
})
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

/** The lab's kubeconfig with its cluster and user changed, written under `dir`. */
async function variant(name: string, change: { cluster?: Record<string, unknown>; user?: Record<string, unknown> }): Promise<string> {
  const c = structuredClone(lab)
  for (const cl of c.clusters) cl.cluster = { ...cl.cluster, ...change.cluster }
  if (change.user) for (const u of c.users) u.user = change.user
  const file = join(dir, name)
  await writeFile(file, stringify(c), { mode: 0o600 })
  return file
}

async function script(name: string, text: string): Promise<string> {
  const file = join(dir, name)
  await writeFile(file, `#!/bin/sh\n${text}\n`)
  await chmod(file, 0o755)
  return file
}

const execUser = (command: string, interactiveMode = 'IfAvailable') => ({
  exec: { apiVersion: 'client.authentication.k8s.io/v1', command, interactiveMode },
})
const closedPort = async (): Promise<number> => {
  const s = createServer()
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const { port } = s.address() as { port: number }
  await new Promise((resolve) => s.close(resolve))
  return port
}

describe.skipIf(kubeconfig === '')(`real kubeconfigs on the lab ${skipReason}`, () => {
  const run = (config: string, args: string[] = [], env: Record<string, string> = {}) =>
    kubewalk(['run', '--kubeconfig', config, '--kubectl', labKubectl, ...args], env)

  it.each([
    [
      'a missing exec plugin',
      () => variant('missing', { user: execUser('kubectl-does-not-exist') }),
      /^kubewalk: cannot call the API server of \S+: the kubeconfig's user logs in with the credential plugin kubectl-does-not-exist, which is not installed \(not on PATH\); install it/m,
    ],
    [
      'an expired login',
      async () =>
        variant('expired', {
          user: execUser(
            await script('expired-login', 'echo "error: the refresh token has expired; run \'mycloud auth login\' to log in again" >&2; exit 1'),
          ),
        }),
      /^kubewalk: cannot call the API server of \S+: the kubeconfig's credential plugin \S+expired-login failed \(exit code 1\): error: the refresh token has expired.*; your login has expired or is missing: log in again/m,
    ],
    [
      'a plugin that wants a terminal, without one',
      async () => variant('prompt', { user: execUser(await script('prompting', 'exit 3'), 'Always') }),
      /^kubewalk: cannot call the API server of \S+: the kubeconfig's credential plugin wants to ask you to log in \(interactiveMode\), and kubewalk's standard input is not a terminal/m,
    ],
    [
      'an oidc auth-provider with no token to send',
      () =>
        variant('oidc', {
          user: { 'auth-provider': { name: 'oidc', config: { 'client-id': 'kubewalk', 'idp-issuer-url': 'https://127.0.0.1:1' } } },
        }),
      /^kubewalk: cannot call the API server of \S+: the kubeconfig's user logs in with the oidc auth-provider and holds neither a valid id-token nor a refresh-token/m,
    ],
    [
      'the removed gcp auth-provider',
      () => variant('gcp', { user: { 'auth-provider': { name: 'gcp' } } }),
      /^kubewalk: cannot call the API server of \S+: the kubeconfig's user logs in with the gcp auth-provider, which this kubectl no longer has; use the "gke-gcloud-auth-plugin"/m,
    ],
    [
      'a proxy-url nobody listens on',
      async () => variant('proxy', { cluster: { 'proxy-url': `http://127.0.0.1:${await closedPort()}` } }),
      /^kubewalk: cannot call the API server of \S+: kubectl reaches cluster \S+ through the kubeconfig's proxy-url http:\/\/127\.0\.0\.1:\d+, and got no answer \(.*\); start that proxy or tunnel/m,
    ],
  ])('names %s, with the fix: exit 2, not "cannot reach the API server"', async (_what, make, message) => {
    const r = await run(await make(), ['--reporter', 'json'])
    expect(r.stderr).toMatch(message)
    expect(r.exitCode).toBe(2)
    expect(r.stderr).not.toMatch(/cannot reach the API server/)
  })

  it('hands a credential plugin that must log in the terminal kubewalk runs in; later lines use its cached login', async () => {
    await kubectl(kubeconfig, ['create', 'serviceaccount', 'kubewalk-terminal'])
    // The replay checks that serviceaccount/default exists: the plugin's user may read it.
    await kubectl(kubeconfig, ['create', 'rolebinding', 'kubewalk-terminal', '--clusterrole=view', '--serviceaccount=default:kubewalk-terminal'])
    try {
      const token = (await kubectl(kubeconfig, ['create', 'token', 'kubewalk-terminal'])).stdout.trim()
      const cache = join(dir, 'login-cache')
      // Like kubelogin or a cloud's plugin: it logs in only on a terminal, then answers from its cache.
      const plugin = await script(
        'terminal-login',
        `if [ ! -f '${cache}' ]; then [ -t 0 ] || { echo 'error: not logged in, and no terminal to log in on' >&2; exit 1; }; touch '${cache}'; fi\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${token}"}}'`,
      )
      const config = await variant('terminal', { user: execUser(plugin, 'IfAvailable') })
      const line = [process.execPath, BIN, 'run', '--kubeconfig', config, '--kubectl', labKubectl, '--only', 'list-clusters', '--reporter', 'plain']
        .map((a) => `'${a}'`)
        .join(' ')
      // script(1) gives the command a pseudo-terminal on its standard input.
      const r = await execa('script', ['-qec', line, '/dev/null'], {
        reject: false,
        timeout: 60_000,
        env: { ...process.env, NO_COLOR: '1' },
        stdin: 'ignore',
      })
      expect(r.stdout).toMatch(/✔ 1 passed, 0 failed/)
      expect(r.exitCode).toBe(0)
    } finally {
      await kubectl(kubeconfig, ['delete', 'rolebinding', 'kubewalk-terminal'])
      await kubectl(kubeconfig, ['delete', 'serviceaccount', 'kubewalk-terminal'])
    }
  })

  describe('--strict-tls with tls-server-name', () => {
    let forwarder: Server
    let port: number
    beforeAll(async () => {
      // 127.0.0.2 is loopback too, but not a name in the lab's serving certificate (src/platform/lab/certs.ts:
      // 127.0.0.1, localhost, kubernetes, …): only tls-server-name makes the certificate check pass.
      forwarder = createServer((c) => {
        const up = connect(Number(server.port), '127.0.0.1')
        c.pipe(up).pipe(c)
        c.on('error', () => up.destroy())
        up.on('error', () => c.destroy())
      })
      await new Promise<void>((resolve) => forwarder.listen(0, '127.0.0.2', resolve))
      port = (forwarder.address() as { port: number }).port
    })
    afterAll(async () => new Promise((resolve) => forwarder.close(resolve)))

    it('curl checks the certificate as tls-server-name while connecting to the server address', async () => {
      const config = await variant('tls-name', { cluster: { server: `https://127.0.0.2:${port}`, 'tls-server-name': 'kubernetes' } })
      const r = await run(config, ['--strict-tls', '--reporter', 'json'])
      const report = JSON.parse(r.stdout) as JsonReport
      const strict = report.steps.filter((s) => s.variant === 'strict-tls')
      expect(strict.map((s) => [s.id, s.status])).toEqual([
        ['call-api', 'passed'],
        ['call-api-secret-token', 'passed'],
        ['call-api-revoked', 'passed'],
      ])
      expect(r.exitCode).toBe(0)
      // The same cluster without tls-server-name: kubectl refuses 127.0.0.2 itself, before any step.
      const plain = await run(await variant('no-tls-name', { cluster: { server: `https://127.0.0.2:${port}` } }), [
        '--strict-tls',
        '--reporter',
        'json',
      ])
      expect(plain.exitCode).toBe(2)
      expect(plain.stderr).toMatch(/certificate is valid for .*not 127\.0\.0\.2/)
    })
  })

  it('--kubectl takes a command with arguments: `env FOO=1 <the lab kubectl>` replays the article', async () => {
    const r = await kubewalk(['run', '--kubeconfig', kubeconfig, '--kubectl', `env KUBEWALK_E2E=1 ${labKubectl}`, '--reporter', 'json'])
    const report = JSON.parse(r.stdout) as JsonReport
    expect(report.steps.every((s) => s.status === 'passed')).toBe(true)
    expect(r.exitCode).toBe(0)
  })

  it('step 01 checks the cluster the run uses: an http:// and an empty server elsewhere in KUBECONFIG do not fail it', async () => {
    const extra = join(dir, 'extra')
    await writeFile(
      extra,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          { name: 'legacy-http', cluster: { server: 'http://127.0.0.1:1' } },
          { name: 'stub', cluster: { server: '' } },
        ],
      }),
    )
    const r = await kubewalk(['run', '--kubectl', labKubectl, '--to', 'apiserver-url', '--reporter', 'json'], {
      KUBECONFIG: `${kubeconfig}:${extra}`,
    })
    const report = JSON.parse(r.stdout) as JsonReport
    const first = report.steps[0]
    expect(first?.output.stdout).toMatch(/^legacy-http\thttp:\/\/127\.0\.0\.1:1$/m)
    expect(first?.output.stdout).toMatch(/^stub\t$/m)
    expect(report.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'passed'])
    expect(r.exitCode).toBe(0)
  })
})
