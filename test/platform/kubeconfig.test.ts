// resolveTarget against a stand-in /version endpoint on loopback: only the version gate is faked here;
// the real API server is the e2e suite's.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join, relative } from 'node:path'
import { stringify } from 'yaml'
import { afterEach, describe, expect, it } from 'vitest'
import { PreconditionError } from '../../src/core/errors.js'
import { clusterCaPem, probeServer, resolveTarget } from '../../src/platform/kubeconfig.js'
import { runScript } from '../../src/platform/shell.js'
import { kubeconfigYaml } from '../helpers.js'

let server: Server | undefined
let dir: string | undefined
const requested: string[] = []
afterEach(async () => {
  server?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

async function fakeServer(gitVersion: string): Promise<string> {
  server = createServer((req, res) => {
    requested.push(req.url ?? '')
    res.setHeader('content-type', 'application/json')
    res.end(req.url?.split('?')[0] === '/version' ? JSON.stringify({ major: '1', minor: gitVersion.split('.')[1], gitVersion }) : '{}')
  })
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r))
  dir = await mkdtemp(join(tmpdir(), 'kubewalk-kc-'))
  const file = join(dir, 'config')
  await writeFile(file, kubeconfigYaml([{ name: 'old', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }], {}))
  return file
}

describe('resolveTarget and probeServer', () => {
  it("puts kubectl's cache where it is told (KUBECACHEDIR, a lab's folder) and leaves it to kubectl otherwise", async () => {
    const kubeconfig = await fakeServer('v1.30.0')
    const standIn = join(dir!, 'kubectl')
    await writeFile(standIn, '#!/bin/sh\nexit 0\n', { mode: 0o755 })
    const lab = await resolveTarget({ kubeconfig, kubectl: standIn, kubeCacheDir: join(dir!, 'lab', 'kube-cache') })
    expect(lab.env.KUBECACHEDIR).toBe(join(dir!, 'lab', 'kube-cache'))
    await lab.dispose()
    const plain = await resolveTarget({ kubeconfig, kubectl: standIn })
    expect(plain.env.KUBECACHEDIR).toBeUndefined()
    await plain.dispose()
  })
  it('refuses a server older than the walkthrough requires (the article: 1.24, where kubectl create token came), before any step', async () => {
    const { main } = await import('../helpers.js')
    const kubeconfig = await fakeServer('v1.23.17')
    let err = ''
    let out = ''
    const code = await main(['run', '--kubeconfig', kubeconfig, '--reporter', 'json'], {
      stdout: (t) => void (out += t),
      stderr: (t) => void (err += t),
      isTTY: false,
      env: { ...process.env },
    })
    expect(code).toBe(2)
    expect(err).toContain('old runs Kubernetes v1.23.17; walkthrough article needs 1.24 or newer.')
    expect(out).toBe('')
  })
  it('accepts 1.24 and reports the version and cluster', async () => {
    const kubeconfig = await fakeServer('v1.24.0')
    const t = await resolveTarget({ kubeconfig })
    expect({ version: await probeServer(t), cluster: t.cluster.name, context: t.context, env: t.env.KUBECONFIG }).toEqual({
      version: 'v1.24.0',
      cluster: 'old',
      context: 'old',
      env: kubeconfig,
    })
    await t.dispose()
  })
  it("gives kubectl the run's --timeout as its request timeout", async () => {
    const kubeconfig = await fakeServer('v1.30.0')
    const t = await resolveTarget({ kubeconfig })
    requested.length = 0
    await probeServer(t, { timeoutMs: 42_000 })
    // client-go sends its request timeout to the server as ?timeout=.
    expect(requested).toContain('/version?timeout=41s')
    await t.dispose()
  })
  it("--kubectl links the given binary as kubectl first on the run's PATH; without one on PATH, refuses", async () => {
    const kubeconfig = await fakeServer('v1.30.0')
    const env = { PATH: '/nonexistent-bin' }
    await expect(resolveTarget({ kubeconfig, env })).rejects.toThrow('kubectl is not on PATH; install kubectl, pass --kubectl FILE, or try --lab')
    const t = await resolveTarget({ kubeconfig, env, kubectl: '/opt/lab/bin/kubectl' })
    const [dir, rest] = (t.env.PATH ?? '').split(':')
    expect(rest).toBe('/nonexistent-bin')
    const { readlinkSync, existsSync } = await import('node:fs')
    expect(readlinkSync(`${dir}/kubectl`)).toBe('/opt/lab/bin/kubectl')
    expect(t.env.KUBECONFIG).toBe(kubeconfig)
    await t.dispose()
    expect(existsSync(dir!)).toBe(false)
  })
  it('creates no overlay directory when nothing is overlaid', async () => {
    const kubeconfig = await fakeServer('v1.30.0')
    const { readdirSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const overlays = (): string[] => readdirSync(tmpdir()).filter((d) => d.startsWith('kubewalk-scratch-'))
    const before = overlays()
    const t = await resolveTarget({ kubeconfig })
    expect(t.env).toEqual({ KUBECONFIG: kubeconfig })
    expect(overlays()).toEqual(before)
    await t.dispose()
  })
  it('applies --context through an overlay file first in KUBECONFIG, and removes it', async () => {
    const kubeconfig = await fakeServer('v1.30.0')
    const t = await resolveTarget({ kubeconfig, context: 'old' })
    const overlay = t.env.KUBECONFIG?.split(':')[0] ?? ''
    expect(t.env.KUBECONFIG).toBe(`${overlay}:${kubeconfig}`)
    const { existsSync, readFileSync } = await import('node:fs')
    expect(readFileSync(overlay, 'utf8')).toContain('current-context: old')
    await t.dispose()
    expect(existsSync(overlay)).toBe(false)
  })
})

describe('kubewalk run with variables from the shell', () => {
  it('refuses to send a token minted here to the $APISERVER the shell remembers from elsewhere', async () => {
    const { main } = await import('../helpers.js')
    const kubeconfig = await fakeServer('v1.30.0')
    let err = ''
    const code = await main(['run', '--kubeconfig', kubeconfig, '--from', 'create-token'], {
      stdout: () => {},
      stderr: (t) => void (err += t),
      isTTY: false,
      env: { ...process.env, APISERVER: 'https://elsewhere.example:6443' },
    })
    expect(code).toBe(2)
    expect(err).toMatch(
      /\$APISERVER is https:\/\/elsewhere\.example:6443, but this run sets \$TOKEN on old \(http:\/\/127\.0\.0\.1:\d+\): it would be sent to another server/,
    )
  })
})

describe('relative paths in a kubeconfig resolve against the folder of the file that names them', () => {
  const pem = (name: string): string => `-----BEGIN CERTIFICATE-----\n${Buffer.from(name).toString('base64')}\n-----END CERTIFICATE-----\n`
  // A kubeconfig in its own folder with a cluster (and context) NAME whose CA is the relative CA.
  async function kubeconfigIn(folder: string, name: string, ca: string): Promise<string> {
    const { mkdir } = await import('node:fs/promises')
    await mkdir(folder, { recursive: true })
    const file = join(folder, 'config')
    await writeFile(
      file,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': name,
        clusters: [{ name, cluster: { server: 'https://127.0.0.1:1', 'certificate-authority': ca } }],
        contexts: [{ name, context: { cluster: name, user: 'u' } }],
        users: [{ name: 'u', user: { token: 'x' } }],
      }),
    )
    return file
  }
  const fresh = async (): Promise<string> => (dir = await mkdtemp(join(tmpdir(), 'kubewalk-kc-')))

  it('reads certificate-authority: ca.crt beside a --kubeconfig given relative to the cwd', async () => {
    const d = await fresh()
    const file = await kubeconfigIn(join(d, 'kube'), 'a', 'ca.crt')
    await writeFile(join(d, 'kube', 'ca.crt'), pem('a'))
    const t = await resolveTarget({ kubeconfig: relative(process.cwd(), file) })
    expect(await clusterCaPem(t)).toBe(pem('a'))
    await t.dispose()
  })

  it("reads each KUBECONFIG entry's paths against its own folder, entries relative to the cwd", async () => {
    const d = await fresh()
    const a = await kubeconfigIn(join(d, 'a'), 'a', 'ca.crt')
    const b = await kubeconfigIn(join(d, 'b'), 'b', '../certs/b.crt')
    await writeFile(join(d, 'a', 'ca.crt'), pem('a'))
    const { mkdir } = await import('node:fs/promises')
    await mkdir(join(d, 'certs'))
    await writeFile(join(d, 'certs', 'b.crt'), pem('b'))
    const env = { ...process.env, KUBECONFIG: [relative(process.cwd(), a), b].join(delimiter) }
    for (const [context, want] of [
      ['a', pem('a')],
      ['b', pem('b')],
    ] as const) {
      const t = await resolveTarget({ env, context })
      expect(await clusterCaPem(t, env)).toBe(want)
      await t.dispose()
    }
  })

  it('names the CA file as kubectl resolves it (absolute) when it does not exist: exit 2, one line', async () => {
    const d = await fresh()
    const file = await kubeconfigIn(join(d, 'kube'), 'a', 'missing.crt')
    const t = await resolveTarget({ kubeconfig: file })
    const failure = clusterCaPem(t)
    await expect(failure).rejects.toThrow(PreconditionError)
    await expect(failure).rejects.toThrow(
      `--strict-tls: cannot read the CA file ${join(d, 'kube', 'missing.crt')} named by the kubeconfig of cluster a: no such file.`,
    )
    await t.dispose()
  })

  it('matches kubectl: the --context overlay first in KUBECONFIG does not move where a relative CA resolves', async () => {
    const d = await fresh()
    const file = await kubeconfigIn(join(d, 'kube'), 'a', 'ca.crt')
    await writeFile(join(d, 'kube', 'ca.crt'), pem('a'))
    const t = await resolveTarget({ kubeconfig: relative(process.cwd(), file), context: 'a' })
    expect(t.env.KUBECONFIG?.split(delimiter)).toHaveLength(2)
    // A real kubectl, the lab's first on PATH (test/kubectl-path.ts): --flatten inlines each file reference as kubectl resolved it.
    const r = await runScript('kubectl config view --raw --minify --flatten -o json', { env: { ...process.env, ...t.env }, timeoutMs: 30_000 })
    expect(r.stderr).toBe('')
    const data = (JSON.parse(r.stdout) as { clusters: { cluster: { 'certificate-authority-data': string } }[] }).clusters[0]?.cluster[
      'certificate-authority-data'
    ]
    expect(Buffer.from(data ?? '', 'base64').toString('utf8')).toBe(pem('a'))
    expect(await clusterCaPem(t)).toBe(pem('a'))
    await t.dispose()
  })

  it('names a missing --kubeconfig given relative to the cwd with its absolute path', async () => {
    await expect(resolveTarget({ kubeconfig: 'no/such/kubeconfig' })).rejects.toThrow(
      `--kubeconfig no/such/kubeconfig: no such file (${join(process.cwd(), 'no/such/kubeconfig')}).`,
    )
  })
})
