// A workshop on the shared lab, as an instructor and 30 participants live it: class open for 30, every
// participant replays the article with their own kubeconfig at once (14/14), the board shows 30 rows,
// a participant can do nothing to another's namespace or the cluster, and after class close nothing is
// left and every token (handed out, minted, kept in a Secret) is refused with 401.
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, readdir, rm, stat, symlink } from 'node:fs/promises'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { execa } from 'execa'
import { parseDocument } from 'yaml'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { labBinDir } from '../../src/platform/lab/index.js'
import { kubewalk, type JsonReport } from './cli.js'

const kubeconfig = inject('labKubeconfig')
const labVersion = inject('labVersion')
const skipReason = inject('labSkipReason')
const N = 30
const prefix = `kwc${randomBytes(2).toString('hex')}-`
const name = (i: number): string => `p${String(i).padStart(2, '0')}`

let dir: string
let out: string
let env: Record<string, string>
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubewalk-class-open-'))
  out = join(dir, 'out')
  const bin = join(dir, 'bin')
  await mkdir(bin)
  await symlink(join(labBinDir(labVersion), 'kubectl'), join(bin, 'kubectl'))
  env = { PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`, KUBERC: 'off' }
})
afterAll(async () => {
  // Whatever a failed test left: the class goes (re-running close is safe).
  if (kubeconfig !== '') await kubewalk(['class', 'close', '--prefix', prefix, '--kubeconfig', kubeconfig], env)
  await rm(dir, { recursive: true, force: true })
})

/** kubectl as participant `who`, through their kubeconfig (the token never on argv). */
const as = (who: string, args: string[]) =>
  execa('kubectl', args, { env: { ...process.env, ...env, KUBECONFIG: join(out, `${who}.kubeconfig`) }, reject: false, timeout: 60_000 })

/** The HTTP status the API server answers a bearer token with (GET /api), with the participant's CA. */
async function statusOf(token: string, server: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${server}/api`, { headers: { authorization: `Bearer ${token}` }, ca }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', reject)
    req.end()
  })
}

describe.skipIf(kubeconfig === '')(`class open, a class of ${N}, close ${skipReason}`, () => {
  const tokens: { who: string; kind: string; token: string }[] = []
  let server = ''
  let ca = ''

  it(`class open --participants ${N}: a kubeconfig each (0600, in a 0700 folder), a table with no token`, { timeout: 120_000 }, async () => {
    const r = await kubewalk(['class', 'open', '--participants', String(N), '--prefix', prefix, '--out', out, '--kubeconfig', kubeconfig], env)
    expect(r.stderr).not.toMatch(/kubewalk: (?!the API server is https:\/\/127)/)
    expect(r.exitCode).toBe(0)
    expect((await stat(out)).mode & 0o777).toBe(0o700)
    const files = (await readdir(out)).sort()
    expect(files).toEqual(['hand-out-codes.txt', ...Array.from({ length: N }, (_, i) => `${name(i + 1)}.kubeconfig`)].sort())
    for (const f of files) expect((await stat(join(out, f))).mode & 0o777).toBe(0o600)
    for (let i = 1; i <= N; i++) {
      const k = parseDocument(await readFile(join(out, `${name(i)}.kubeconfig`), 'utf8')).toJS() as {
        clusters: { cluster: { server: string; 'certificate-authority-data': string } }[]
        users: { user: { token: string } }[]
        contexts: { context: { namespace: string } }[]
      }
      expect(k.contexts[0]?.context.namespace).toBe(`${prefix}${name(i)}`)
      tokens.push({ who: name(i), kind: 'handed out', token: k.users[0]?.user.token as string })
      server = k.clusters[0]?.cluster.server as string
      ca = Buffer.from(k.clusters[0]?.cluster['certificate-authority-data'] as string, 'base64').toString('utf8')
    }
    expect(r.stdout).toMatch(new RegExp(`^p01 +${prefix}p01 +${out}/p01.kubeconfig +\\d{4}-\\d\\d-\\d\\dT`, 'm'))
    for (const t of tokens) expect(`${r.stdout}${r.stderr}`).not.toContain(t.token)
    const codes = await readFile(join(out, 'hand-out-codes.txt'), 'utf8')
    expect(codes.split('\n').filter((l) => /^p\d\d [2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$/.test(l))).toHaveLength(N)
    // A second open of the same class is refused, and creates nothing.
    const again = await kubewalk(
      ['class', 'open', '--participants', '2', '--prefix', prefix, '--out', join(dir, 'again'), '--kubeconfig', kubeconfig],
      env,
    )
    expect(again.exitCode).toBe(2)
    expect(again.stderr).toContain(`class ${prefix} is open already (${N} namespace(s))`)
  })

  it(
    `${N} participants replay the article at once, each in their own namespace, 14/14, and report their progress`,
    { timeout: 600_000 },
    async () => {
      const runs = await Promise.all(
        Array.from({ length: N }, (_, i) =>
          kubewalk(['run', '--kubeconfig', join(out, `${name(i + 1)}.kubeconfig`), '--reporter', 'json', '--report-progress'], env, 540_000),
        ),
      )
      const summary = runs.map((r, i) => {
        const report = JSON.parse(r.stdout || '{}') as Partial<JsonReport>
        return {
          who: name(i + 1),
          exit: r.exitCode,
          namespace: report.cluster?.namespace,
          passed: report.steps?.filter((s) => s.status === 'passed').length,
        }
      })
      expect(summary).toEqual(Array.from({ length: N }, (_, i) => ({ who: name(i + 1), exit: 0, namespace: `${prefix}${name(i + 1)}`, passed: 14 })))
      for (const [i, r] of runs.entries()) expect(`${r.stdout}${r.stderr}`).not.toContain(tokens[i]?.token)
    },
  )

  it(`the board and class status show ${N} rows, each with the 14 steps its participant reported`, { timeout: 120_000 }, async () => {
    const board = await kubewalk(['class', '--prefix', prefix, '--reporter', 'json', '--kubeconfig', kubeconfig], env)
    expect(board.exitCode).toBe(0)
    const rows = (JSON.parse(board.stdout) as { rows: { namespace: string; reported?: Record<string, unknown> }[] }).rows
    expect(rows).toHaveLength(N)
    for (const row of rows) expect(Object.keys(row.reported ?? {})).toHaveLength(14)
    const status = await kubewalk(['class', 'status', '--prefix', prefix, '--json', '--kubeconfig', kubeconfig], env)
    expect(status.exitCode).toBe(0)
    const s = JSON.parse(status.stdout) as { participants: { name: string; namespace: string; tokenExpires?: string; done: string[] }[] }
    expect(s.participants).toHaveLength(N)
    for (const p of s.participants) {
      expect(p.tokenExpires).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
      expect(p.done).toHaveLength(14)
    }
  })

  const pairs = [
    [1, 2],
    [17, 5],
    [30, 1],
  ] as const
  it.each(pairs)('participant %i can do nothing to participant %i, nor to the cluster (403 every time)', { timeout: 120_000 }, async (a, b) => {
    const A = name(a)
    const B = `${prefix}${name(b)}`
    const refused = [
      ['get', 'configmaps', '-n', B],
      ['get', 'serviceaccount', 'participant', '-n', B],
      ['get', 'secrets', '-n', B, '--watch', '--request-timeout=5s'],
      ['create', 'configmap', 'x', '-n', B],
      ['patch', 'serviceaccount', 'participant', '-n', B, '-p', '{"metadata":{"labels":{"x":"y"}}}'],
      ['delete', 'serviceaccount', 'participant', '-n', B],
      ['delete', 'configmaps', '--all', '-n', B],
      ['create', 'token', 'default', '-n', B],
      ['delete', 'namespace', B],
      ['create', 'namespace', `${prefix}x${a}`],
      ['create', 'clusterrole', `${prefix}x${a}`, '--verb=get', '--resource=pods'],
      ['delete', 'clusterrole', 'admin', '--dry-run=server'],
      ['create', 'clusterrolebinding', `${prefix}x${a}`, '--clusterrole=cluster-admin', `--serviceaccount=${prefix}${A}:participant`],
      ['delete', 'clusterrolebinding', 'cluster-admin', '--dry-run=server'],
      ['get', 'secrets', '-n', 'kube-system'],
      ['get', 'configmaps', '--as=admin'],
      ['get', 'configmaps', '--as=x', '--as-group=system:masters'],
      ['get', 'configmaps', `--as=system:serviceaccount:${B}:participant`],
      ['get', 'configmaps', `--as=system:serviceaccount:kube-system:default`],
    ]
    for (const args of refused) {
      const r = await as(A, args)
      expect({ args, exit: r.exitCode, forbidden: /\(Forbidden\)|is forbidden/.test(r.stderr) }).toEqual({ args, exit: 1, forbidden: true })
    }
    // In their own namespace they are admin.
    expect((await as(A, ['auth', 'can-i', 'create', 'rolebindings'])).stdout).toBe('yes')
    // PodSecurity baseline: a Pod with a hostPath volume or host networking is refused at admission.
    for (const spec of [
      {
        volumes: [{ name: 'h', hostPath: { path: '/' } }],
        containers: [{ name: 'c', image: 'busybox', volumeMounts: [{ name: 'h', mountPath: '/h' }] }],
      },
      { hostPID: true, containers: [{ name: 'c', image: 'busybox' }] },
      { containers: [{ name: 'c', image: 'busybox', securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }] },
    ]) {
      const pod = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'host' }, spec })
      const r = await execa('kubectl', ['create', '--dry-run=server', '-f', '-'], {
        input: pod,
        env: { ...process.env, ...env, KUBECONFIG: join(out, `${A}.kubeconfig`) },
        reject: false,
      })
      expect(r.exitCode).toBe(1)
      expect(r.stderr).toMatch(/violates PodSecurity "baseline:latest"/)
    }
    // A privileged Pod: the lab's API server (--allow-privileged=false) refuses it before PodSecurity would.
    const privileged = await as(A, ['run', 'priv', '--image=busybox', '--privileged', '--dry-run=server'])
    expect(privileged.exitCode).toBe(1)
    expect(privileged.stderr).toMatch(/privileged: Forbidden|violates PodSecurity "baseline:latest": privileged/)
  })

  it(
    'class close leaves nothing, and every token (handed out, minted by a participant, kept in a Secret) is then refused with 401',
    { timeout: 300_000 },
    async () => {
      // A participant mints a token, and keeps one in a Secret, before the class ends.
      const minted = await as('p03', ['create', 'token', 'default', '--duration=1h'])
      expect(minted.exitCode).toBe(0)
      tokens.push({ who: 'p03', kind: 'minted', token: minted.stdout.trim() })
      const secret = JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'kept', annotations: { 'kubernetes.io/service-account.name': 'default' } },
        type: 'kubernetes.io/service-account-token',
      })
      const kept = await execa('kubectl', ['apply', '-f', '-'], {
        input: secret,
        env: { ...process.env, ...env, KUBECONFIG: join(out, 'p04.kubeconfig') },
        reject: false,
      })
      expect(kept.exitCode).toBe(0)
      let data = ''
      for (let i = 0; i < 120 && data === ''; i++) {
        data = (await as('p04', ['get', 'secret', 'kept', '-o', 'jsonpath={.data.token}'])).stdout
        if (data === '') await sleep(250)
      }
      tokens.push({ who: 'p04', kind: 'kept in a Secret', token: Buffer.from(data, 'base64').toString('utf8') })
      const before = await Promise.all(tokens.map((t) => statusOf(t.token, server, ca)))
      expect(before.every((s) => s === 200)).toBe(true)

      const r = await kubewalk(['class', 'close', '--prefix', prefix, '--kubeconfig', kubeconfig], env)
      expect(r.exitCode).toBe(0)
      expect(r.stdout).toContain(`class ${prefix}: ${N} of ${N} namespace(s) deleted`)
      expect(r.stdout).toContain('the API server may still accept a token it checked in the last 10 s (its token cache)')
      const left = await execa('kubectl', ['get', 'namespaces', '-o', 'name', '--kubeconfig', kubeconfig], { env: { ...process.env, ...env } })
      expect(left.stdout.split('\n').filter((n) => n.startsWith(`namespace/${prefix}`))).toEqual([])
      // Past the API server's token cache, every one of them is refused.
      await sleep(11_000)
      const after = await Promise.all(tokens.map(async (t) => ({ who: t.who, kind: t.kind, status: await statusOf(t.token, server, ca) })))
      expect(after).toEqual(tokens.map((t) => ({ who: t.who, kind: t.kind, status: 401 })))
      // Closing again is safe.
      const again = await kubewalk(['class', 'close', '--prefix', prefix, '--kubeconfig', kubeconfig], env)
      expect(again.exitCode).toBe(0)
      expect(again.stdout).toContain('nothing to close')
    },
  )
})
