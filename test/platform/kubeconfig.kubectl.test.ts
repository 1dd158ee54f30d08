// resolveTarget and probeServer through a real kubectl (the lab's, first on PATH: the lab-kubectl project), against a
// stand-in /version endpoint on loopback: only the version gate is faked here; the real API server is the e2e suite's.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join, relative } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { clusterCaPem, probeServer, resolveTarget } from '../../src/platform/kubeconfig.js'
import { runScript } from '../../src/platform/shell.js'
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
})

describe('relative paths in a kubeconfig resolve as kubectl resolves them', () => {
  const fresh = async (): Promise<string> => (dir = await mkdtemp(join(tmpdir(), 'kubewalk-kc-')))
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
})
