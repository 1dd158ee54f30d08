// Safe on a real cluster: what is not ours stays untouched, secrets stay masked, refusals exit 2,
// and an interrupted run still removes what it created. All against the shared lab.
import { spawn } from 'node:child_process'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { execa } from 'execa'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { parse as parseYaml, stringify } from 'yaml'
import { kubewalk, type JsonReport } from './cli.js'
import { kubeconfigAs as kubeconfigAsSa, kubectl, secretExists, TOKEN_SHAPED } from './kube.js'

const kubeconfig = inject('labKubeconfig')
const skipReason = inject('labSkipReason')
const BIN = fileURLToPath(new URL('../../bin/kubewalk.js', import.meta.url))

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubewalk-safety-'))
})
afterAll(async () => rm(dir, { recursive: true, force: true }))

const kubeconfigAs = (sa: string): Promise<string> => kubeconfigAsSa(kubeconfig, sa, dir)

describe.skipIf(kubeconfig === '')(`safety on the lab ${skipReason}`, () => {
  it.each([[[] as string[]], [['--from', 'apply-token-secret']]])(
    'leaves a default-token that is not ours untouched (args %j): exit 2',
    async (extra) => {
      expect((await kubectl(kubeconfig, ['create', 'secret', 'generic', 'default-token', '--from-literal=mine=precious'])).exitCode).toBe(0)
      try {
        const before = await kubectl(kubeconfig, ['get', 'secret', 'default-token', '-o', 'json'])
        const r = await kubewalk(['run', '--kubeconfig', kubeconfig, '--reporter', 'plain', ...extra], { TOKEN: '', APISERVER: '', CLUSTER_NAME: '' })
        expect(r.exitCode).toBe(2)
        expect(r.stdout).toMatch(/a Secret default-token already exists in namespace default and is not this run's/)
        const after = await kubectl(kubeconfig, ['get', 'secret', 'default-token', '-o', 'json'])
        const pick = (j: string) => {
          const s = JSON.parse(j) as { data: unknown; type: string; metadata: { resourceVersion: string; annotations?: unknown } }
          return { data: s.data, type: s.type, rv: s.metadata.resourceVersion, annotations: s.metadata.annotations }
        }
        expect(pick(after.stdout)).toEqual(pick(before.stdout))
      } finally {
        await kubectl(kubeconfig, ['delete', 'secret', 'default-token'])
      }
    },
  )

  it('refuses, before step 08 creates anything, a namespace where another token Secret serves the default ServiceAccount', async () => {
    const other =
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: default-token-old12\n  annotations:\n    kubernetes.io/service-account.name: default\ntype: kubernetes.io/service-account-token\n'
    expect((await kubectl(kubeconfig, ['apply', '-f', '-'], other)).exitCode).toBe(0)
    try {
      const r = await kubewalk(['run', '--kubeconfig', kubeconfig, '--reporter', 'json'], { TOKEN: '', APISERVER: '', CLUSTER_NAME: '' })
      expect(r.exitCode).toBe(2)
      const report = JSON.parse(r.stdout) as JsonReport
      const failed = report.steps.find((s) => s.status === 'failed')
      expect(failed?.id).toBe('apply-token-secret')
      expect(failed?.error?.message).toMatch(
        /^apply-token-secret: namespace default already has a token Secret for the default ServiceAccount \(default-token-old12\): step 11's line takes the token of every such Secret/,
      )
      expect(report.cleanup).toEqual([])
      expect(await secretExists(kubeconfig, 'default-token')).toBe(false)
    } finally {
      await kubectl(kubeconfig, ['delete', 'secret', 'default-token-old12'])
    }
  })

  it('a cleanup RBAC forbids is exit 1, naming what is left and the command that removes it', async () => {
    const ns = ['-n', 'default']
    await kubectl(kubeconfig, ['create', 'serviceaccount', 'kubewalk-keeper', ...ns])
    await kubectl(kubeconfig, ['create', 'role', 'kubewalk-keeper', '--verb=get,list,create,patch', '--resource=secrets', ...ns])
    await kubectl(kubeconfig, ['create', 'role', 'kubewalk-keeper-token', '--verb=create', '--resource=serviceaccounts/token', ...ns])
    await kubectl(kubeconfig, [
      'create',
      'rolebinding',
      'kubewalk-keeper',
      '--role=kubewalk-keeper',
      '--serviceaccount=default:kubewalk-keeper',
      ...ns,
    ])
    await kubectl(kubeconfig, [
      'create',
      'rolebinding',
      'kubewalk-keeper-token',
      '--role=kubewalk-keeper-token',
      '--serviceaccount=default:kubewalk-keeper',
      ...ns,
    ])
    try {
      const limited = await kubeconfigAs('kubewalk-keeper')
      for (const reporter of ['json', 'plain'] as const) {
        const r = await kubewalk(['run', '--kubeconfig', limited, '--to', 'read-secret-token', '--reporter', reporter])
        expect(r.exitCode).toBe(1)
        if (reporter === 'json') {
          const report = JSON.parse(r.stdout) as JsonReport
          expect(report.steps.every((s) => s.status === 'passed')).toBe(true)
          expect(report).toMatchObject({ ok: false, status: 'failed', cleanup: [{ describe: 'delete Secret default-token', status: 'failed' }] })
        } else {
          expect(r.stdout).toMatch(
            /^✘ failed: every step passed, but cleanup failed: left on the cluster: Secret default-token \(.*forbidden.*; remove it with: kubectl delete secret default-token --ignore-not-found\)/m,
          )
        }
        expect(await secretExists(kubeconfig, 'default-token')).toBe(true)
        await kubectl(kubeconfig, ['delete', 'secret', 'default-token'])
      }
    } finally {
      await kubectl(kubeconfig, ['delete', 'secret', 'default-token', '--ignore-not-found'])
      await kubectl(kubeconfig, ['delete', 'rolebinding,role', 'kubewalk-keeper', 'kubewalk-keeper-token', '--ignore-not-found', ...ns])
      await kubectl(kubeconfig, ['delete', 'serviceaccount', 'kubewalk-keeper', ...ns])
    }
  })

  it('masks tokens and Secret data in the pretty reporter, --out files, the transcript and stderr; --show-secrets shows them', async () => {
    const out = join(dir, 'report.txt')
    const transcriptFile = join(dir, 'transcript.md')
    const r = await kubewalk(['run', '--kubeconfig', kubeconfig, '--reporter', 'pretty', '--out', out, '--transcript', transcriptFile])
    expect(r.exitCode).toBe(0)
    const written = await readFile(out, 'utf8')
    const transcript = await readFile(transcriptFile, 'utf8')
    expect(written).toContain('14 passed')
    expect(transcript.match(/^## \d\d\. .* ✅$/gm)).toHaveLength(14)
    expect(transcript).toContain('"code": 401')
    for (const text of [written, transcript, r.stdout, r.stderr]) expect(text).not.toMatch(TOKEN_SHAPED)
    // The Secret's YAML: every data value masked, its keys still shown.
    expect(written).toMatch(/ca\.crt: \[masked\]/)
    expect(written).toMatch(/namespace: \[masked\]/)
    const jsonOut = join(dir, 'report.json')
    expect((await kubewalk(['run', '--kubeconfig', kubeconfig, '--to', 'secrets-yaml', '--reporter', 'json', '--out', jsonOut])).exitCode).toBe(0)
    expect(await readFile(jsonOut, 'utf8')).not.toMatch(TOKEN_SHAPED)

    const shown = await kubewalk(['run', '--kubeconfig', kubeconfig, '--to', 'create-token', '--reporter', 'plain', '--show-secrets'])
    expect(shown.stdout).toMatch(TOKEN_SHAPED)
  })

  it('masks Secret data that is not token-shaped, including the plain-text copy kubectl apply keeps in last-applied-configuration', async () => {
    // Someone else's Secret in the namespace, applied with stringData: its value is in the
    // annotation as plain text, and in data as base64; neither looks like a token.
    const plain = 'correct-horse-battery-staple'
    const manifest = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: kubewalk-e2e-applied\ntype: Opaque\nstringData:\n  dbpass: ${plain}\n`
    expect((await kubectl(kubeconfig, ['apply', '-f', '-'], manifest)).exitCode).toBe(0)
    try {
      const page = join(dir, 'masked.html')
      const r = await kubewalk(['run', '--kubeconfig', kubeconfig, '--only', 'secrets-yaml', '--reporter', 'plain', '--transcript', page])
      const html = await readFile(page, 'utf8')
      expect(r.stdout).toContain('name: kubewalk-e2e-applied')
      expect(r.stdout).toContain('kubectl.kubernetes.io/last-applied-configuration')
      for (const text of [r.stdout, r.stderr, html]) {
        expect(text).not.toContain(plain)
        expect(text).not.toContain(Buffer.from(plain).toString('base64'))
      }
      const json = await kubewalk(['run', '--kubeconfig', kubeconfig, '--only', 'secrets-yaml', '--reporter', 'json'])
      expect(json.stdout).toContain('kubewalk-e2e-applied')
      expect(json.stdout).not.toContain(plain)
    } finally {
      await kubectl(kubeconfig, ['delete', 'secret', 'kubewalk-e2e-applied'])
    }
  })

  it('writes --out from a terminal as plain text: no colour codes in the file', async () => {
    const { main } = await import('../helpers.js')
    const file = join(dir, 'from-a-terminal.txt')
    const err: string[] = []
    const code = await main(['run', '--kubeconfig', kubeconfig, '--only', 'list-clusters', '--out', file], {
      stdout: () => undefined,
      stderr: (t) => void err.push(t),
      isTTY: true,
      env: { ...process.env, NO_COLOR: '' },
    })
    expect(code).toBe(0)
    const written = await readFile(file, 'utf8')
    expect(written).toContain('✔ 01/1 list-clusters')
    expect(written).not.toContain('\x1b[')
    expect(err.join('')).toContain(`report written to ${file}`)
  })

  it('replays with --strict-tls: curl checks the server against the kubeconfig CA', async () => {
    const r = await kubewalk(['run', '--kubeconfig', kubeconfig, '--strict-tls', '--reporter', 'json'])
    const report = JSON.parse(r.stdout) as JsonReport
    expect(report.ok).toBe(true)
    const variants = report.steps.filter((s) => s.variant === 'strict-tls').map((s) => s.id)
    expect(variants).toEqual(['call-api', 'call-api-secret-token', 'call-api-revoked'])
    for (const s of report.steps.filter((x) => x.variant)) expect(s.command).toContain('--cacert "$KUBEWALK_CACERT"')
    // Proof the CA is used, not ignored: a loopback server with a certificate the lab's CA did not sign is refused.
    await execa('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      join(dir, 'k.pem'),
      '-out',
      join(dir, 'c.pem'),
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-days',
      '1',
    ])
    const server = createServer({ key: await readFile(join(dir, 'k.pem')), cert: await readFile(join(dir, 'c.pem')) }, (_req, res) =>
      res.end('{"kind":"APIVersions","versions":["v1"]}'),
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const stranger = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
      const env = { TOKEN: 'not-a-real-token', APISERVER: stranger }
      const insecure = await kubewalk(['run', '--kubeconfig', kubeconfig, '--only', 'call-api', '--reporter', 'json'], env)
      expect(insecure.exitCode).toBe(0)
      const strict = await kubewalk(['run', '--kubeconfig', kubeconfig, '--strict-tls', '--only', 'call-api', '--reporter', 'json'], env)
      expect(strict.exitCode).toBe(1)
      expect((JSON.parse(strict.stdout) as JsonReport).steps[0]?.error?.message).toMatch(/^call-api: the command exited with code 60: curl: \(60\)/)
    } finally {
      server.close()
    }
  })

  it('--context picks another context without writing the kubeconfig', async () => {
    const cfg = parseYaml(await readFile(kubeconfig, 'utf8')) as {
      'current-context': string
      clusters: { name: string; cluster: object }[]
      contexts: { name: string; context: { cluster: string; user: string } }[]
    }
    const lab = cfg['current-context']
    cfg.clusters.push({ name: 'elsewhere', cluster: { server: 'https://127.0.0.1:1' } })
    cfg.contexts.push({ name: 'elsewhere', context: { cluster: 'elsewhere', user: cfg.contexts[0]!.context.user } })
    cfg['current-context'] = 'elsewhere'
    const file = join(dir, 'two-contexts.kubeconfig')
    await writeFile(file, stringify(cfg), { mode: 0o600 })
    const before = await readFile(file)
    const { mtimeMs } = await (await import('node:fs/promises')).stat(file)
    const r = await kubewalk(['run', '--kubeconfig', file, '--context', lab, '--to', 'call-api', '--reporter', 'json'])
    expect(r.exitCode).toBe(0)
    const report = JSON.parse(r.stdout) as JsonReport
    expect(report.cluster).toMatchObject({ name: lab })
    // Step 01 lists both clusters; step 02 chose the context's.
    expect(report.steps[0]?.output.stdout).toContain('elsewhere\thttps://127.0.0.1:1')
    expect(report.steps[1]?.command).toBe(`export CLUSTER_NAME="${lab}"`)
    expect(await readFile(file)).toEqual(before)
    expect((await (await import('node:fs/promises')).stat(file)).mtimeMs).toBe(mtimeMs)
    // Without --context the current one is unreachable: a clear exit 2.
    const unreachable = await kubewalk(['run', '--kubeconfig', file, '--timeout', '5'])
    expect(unreachable.exitCode).toBe(2)
    expect(unreachable.stderr).toMatch(/cannot reach the API server of elsewhere at https:\/\/127\.0\.0\.1:1/)
  })

  it('refuses with exit 2 when RBAC does not let the user create tokens, and changes nothing', async () => {
    await kubectl(kubeconfig, ['create', 'serviceaccount', 'kubewalk-nobody'])
    try {
      const limited = await kubeconfigAs('kubewalk-nobody')
      const r = await kubewalk(['run', '--kubeconfig', limited, '--reporter', 'plain'])
      expect(r.exitCode).toBe(2)
      expect(r.stdout).toMatch(
        /create-token: the kubeconfig's user is not allowed to do this \(RBAC\): error: failed to create token: serviceaccounts "default" is forbidden/,
      )
      expect(r.stdout).not.toMatch(TOKEN_SHAPED)
      expect(await secretExists(kubeconfig, 'default-token')).toBe(false)
    } finally {
      await kubectl(kubeconfig, ['delete', 'serviceaccount', 'kubewalk-nobody'])
    }
  })

  it('refuses with exit 2 when RBAC lets the user mint tokens but not read Secrets, before creating anything', async () => {
    const ns = ['-n', 'default']
    await kubectl(kubeconfig, ['create', 'serviceaccount', 'kubewalk-minter', ...ns])
    await kubectl(kubeconfig, ['create', 'role', 'kubewalk-minter', '--verb=create', '--resource=serviceaccounts/token', ...ns])
    await kubectl(kubeconfig, [
      'create',
      'rolebinding',
      'kubewalk-minter',
      '--role=kubewalk-minter',
      '--serviceaccount=default:kubewalk-minter',
      ...ns,
    ])
    try {
      const limited = await kubeconfigAs('kubewalk-minter')
      const r = await kubewalk(['run', '--kubeconfig', limited, '--reporter', 'json'])
      expect(r.exitCode).toBe(2)
      const report = JSON.parse(r.stdout) as JsonReport
      expect(report.steps.filter((s) => s.status === 'passed').map((s) => s.id)).toContain('create-token')
      const failed = report.steps.find((s) => s.status === 'failed')
      expect(failed?.id).toBe('list-secrets-before')
      expect(failed?.error?.message).toMatch(/^list-secrets-before: the kubeconfig's user is not allowed to do this \(RBAC\): .*secrets is forbidden/)
      expect(report.cleanup).toEqual([])
      expect(await secretExists(kubeconfig, 'default-token')).toBe(false)
    } finally {
      await kubectl(kubeconfig, ['delete', 'rolebinding,role,serviceaccount', 'kubewalk-minter', ...ns])
    }
  })

  it.each([
    ['SIGINT', '✔ 08/14 apply-token-secret', true],
    ['SIGTERM', '✔ 08/14 apply-token-secret', true],
    ['SIGINT', '▶ 08/14 apply-token-secret', false],
    ['SIGINT', '▶ 11/14 read-secret-token', false],
    ['SIGINT', '▶ 14/14 call-api-revoked', false],
  ] as const)('on %s at "%s", stops, leaves no Secret behind, exits 130', async (signal, trigger, mustCleanUp) => {
    const child = spawn('node', [BIN, 'run', '--kubeconfig', kubeconfig, '--reporter', 'plain'], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let sent = false
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
      if (!sent && stdout.includes(trigger)) {
        sent = true
        child.kill(signal)
      }
    })
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)))
    expect(sent).toBe(true)
    expect(code).toBe(130)
    expect(stderr).toContain(`${signal}: stopping the current step, then removing what this run created`)
    expect(stdout).toMatch(/■ interrupted \(Ctrl-C or SIGTERM\)/)
    // Step 08 done: the Secret exists, so cleanup must say it removed it. Elsewhere it may or may not have existed yet.
    if (mustCleanUp) expect(stdout).toContain('✓ delete Secret default-token')
    expect(stdout).not.toContain('✗ delete Secret')
    expect(await secretExists(kubeconfig, 'default-token')).toBe(false)
  })
})
