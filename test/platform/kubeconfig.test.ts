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
import { clusterCaPem, probeVersions, resolveTarget, writeKubeconfigCopy } from '../../src/platform/kubeconfig.js'
import { kubeconfigYaml } from '../helpers.js'
import { kubeconfigIn, pem } from './kubeconfig-files.js'

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
  it('stops the version probe at Ctrl-C: a server that does not answer is not waited for', async () => {
    const kubeconfig = await fakeServer('v1.30.0')
    // http://, so the probe is kubectl's (the in-process one speaks only HTTPS); this kubectl hangs as on a paused server.
    const standIn = join(dir!, 'kubectl')
    await writeFile(standIn, '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 })
    const t = await resolveTarget({ kubeconfig, kubectl: standIn })
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 200)
    const began = performance.now()
    await expect(probeVersions(t, { env: process.env, timeoutMs: 20_000, signal: ac.signal })).rejects.toMatchObject({ code: 'E_INTERRUPTED' })
    expect(performance.now() - began).toBeLessThan(5_000)
    await t.dispose()
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

  it('names a missing --kubeconfig given relative to the cwd with its absolute path', async () => {
    await expect(resolveTarget({ kubeconfig: 'no/such/kubeconfig' })).rejects.toThrow(
      `--kubeconfig no/such/kubeconfig: no such file (${join(process.cwd(), 'no/such/kubeconfig')}).`,
    )
  })
})

describe('writeKubeconfigCopy', () => {
  it("merges the files as kubectl does: the first current-context, paths resolved against each file's folder (a plugin's only when it names a path)", async () => {
    const { readFile } = await import('node:fs/promises')
    const { parse } = await import('yaml')
    const dir = await mkdtemp(join(tmpdir(), 'kubewalk-copy-'))
    try {
      const a = join(dir, 'a.yaml')
      const b = join(dir, 'sub', 'b.yaml')
      await (await import('node:fs/promises')).mkdir(join(dir, 'sub'))
      await writeFile(a, stringify({ 'current-context': 'one', contexts: [{ name: 'one', context: { cluster: 'c', user: 'u' } }] }))
      await writeFile(
        b,
        stringify({
          'current-context': 'two',
          clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1', 'certificate-authority': 'ca.crt' } }],
          users: [
            { name: 'u', user: { exec: { command: './bin/login', apiVersion: 'client.authentication.k8s.io/v1' } } },
            { name: 'v', user: { exec: { command: 'gke-gcloud-auth-plugin' } } },
          ],
        }),
      )
      const copy = join(dir, 'copy')
      expect(await writeKubeconfigCopy([a, b, join(dir, 'missing')], copy)).toBe(true)
      const c = parse(await readFile(copy, 'utf8')) as Record<string, any>
      expect(c['current-context']).toBe('one')
      expect(c.clusters[0].cluster['certificate-authority']).toBe(join(dir, 'sub', 'ca.crt'))
      expect(c.users.map((u: { user: { exec: { command: string } } }) => u.user.exec.command)).toEqual([
        join(dir, 'sub', 'bin', 'login'),
        'gke-gcloud-auth-plugin',
      ])
      expect(await writeKubeconfigCopy([join(dir, 'missing')], join(dir, 'none'))).toBe(false)
      // One file with a relative path is rewritten too: the copy lives in another folder.
      expect(await writeKubeconfigCopy([b], copy)).toBe(true)
      expect((parse(await readFile(copy, 'utf8')) as Record<string, any>).clusters[0].cluster['certificate-authority']).toBe(
        join(dir, 'sub', 'ca.crt'),
      )
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
  it('one file that names no relative path is copied byte for byte (its comments kept), readable by its owner only', async () => {
    const { readFile, stat } = await import('node:fs/promises')
    const dir = await mkdtemp(join(tmpdir(), 'kubewalk-copy-'))
    try {
      const text = `# written by hand\napiVersion: v1\nkind: Config\nclusters:\n- name: c  # the lab\n  cluster: {server: 'https://127.0.0.1:1', certificate-authority: /etc/ca.crt}\nusers:\n- name: u\n  user: {exec: {command: gke-gcloud-auth-plugin}}\ncurrent-context: x\n`
      await writeFile(join(dir, 'config'), text)
      expect(await writeKubeconfigCopy([join(dir, 'config')], join(dir, 'copy'))).toBe(true)
      expect(await readFile(join(dir, 'copy'), 'utf8')).toBe(text)
      expect((await stat(join(dir, 'copy'))).mode & 0o777).toBe(0o600)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
