// The whole article against the real lab, through the CLI, with the lab's kubectl and with kubectls of other releases.
import { mkdtemp, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { execa } from 'execa'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { ARTICLE_LAB_VERSION, DEFAULT_LAB_VERSION, EXTRA_KUBECTL_VERSIONS, findLabKubectl } from '../../src/platform/lab/index.js'
import { steps } from '../../steps/index.js'
import { parseTokenRequestLog } from '../../steps/lib/v8log.js'
import { kubewalk, type JsonReport } from './cli.js'

const kubeconfig = inject('labKubeconfig')
const labVersion = inject('labVersion')
const skipReason = inject('labSkipReason')
const labMinor = Number(/^v1\.(\d+)/.exec(labVersion)?.[1])
// What the report names is the binary itself, the link followed.
const labKubectl = await findLabKubectl(labVersion)

// Each kubectl and the -v=8 format it logs (measured: test/fixtures/v8/README.md); how to build it when missing.
const clients = await Promise.all(
  [
    { version: ARTICLE_LAB_VERSION, format: 'printf', how: '' },
    { version: EXTRA_KUBECTL_VERSIONS.find((v) => v.startsWith('v1.32.')) ?? 'v1.32.13', format: 'structured-body', how: ' --kubectl-only' },
    { version: 'v1.33.13', format: 'structured', how: '' },
    { version: DEFAULT_LAB_VERSION, format: 'structured', how: '' },
  ].map(async (c) => ({ ...c, kubectl: await findLabKubectl(c.version) })),
)

const TOKEN_SHAPED = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}|ZXlK[A-Za-z0-9+/]{16,}/

async function secretExists(name: string): Promise<boolean> {
  const r = await execa('kubectl', ['--kubeconfig', kubeconfig, 'get', 'secret', name, '-o', 'name', '--ignore-not-found'], { reject: false })
  return r.stdout.trim() !== ''
}

function expectFullPass(report: JsonReport): void {
  const failed = report.steps.filter((s) => s.status !== 'passed').map((s) => `${s.id}: ${s.status} ${s.error?.message ?? ''}`)
  expect(failed).toEqual([])
  expect(report.ok).toBe(true)
  expect(report.steps.map((s) => s.id)).toEqual(steps.map((s) => s.id))
  const revoked = report.steps.find((s) => s.id === 'call-api-revoked')
  expect(revoked?.assertions.find((a) => a.name === 'code is 401')).toMatchObject({ ok: true, actual: 401 })
  expect(report.cleanup).toEqual([])
}

describe.skipIf(kubeconfig === '')(`replay against the lab ${skipReason}`, () => {
  it("replays all 14 steps with the kubectl on PATH, the lab's own, and reports JSON", async () => {
    const r = await kubewalk(['run', '--kubeconfig', kubeconfig, '--reporter', 'json'])
    expect(r.stderr).toBe('')
    const report = JSON.parse(r.stdout) as JsonReport
    expectFullPass(report)
    expect(r.exitCode).toBe(0)
    expect(report.cluster).toMatchObject({ name: 'kubewalk-lab', version: labVersion, kubectl: { path: labKubectl, version: labVersion } })
    expect(r.stdout).not.toMatch(TOKEN_SHAPED)
    expect(await secretExists('default-token')).toBe(false)
    // Drift against the article: the lab and its kubectl are newer, so the -v=8 format and the jti claim are version changes, nothing real.
    const drift = (report as JsonReport & { drift: { id: string; items: { path: string; kind: string }[] }[] }).drift
    const kinds = Object.fromEntries(drift.flatMap((d) => d.items.map((i) => [`${d.id} ${i.path}`, i.kind])))
    expect(kinds).toMatchObject({
      'create-token claims.jti': 'version',
      'token-duration format': 'version',
      'token-duration body.encoding': 'version',
      'list-clusters rows[0].server': 'expected',
    })
    expect(Object.values(kinds)).not.toContain('real')
    process.stderr.write(
      `[e2e] full replay (kubectl on PATH): ${r.durationMs} ms; revocation waited ${report.steps.at(-1)?.durationMs} ms over ${report.steps.at(-1)?.attempts} attempts\n`,
    )
  })

  it('plain reporter shows every command, output and check, with tokens masked', async () => {
    const r = await kubewalk(['run', '--kubeconfig', kubeconfig, '--reporter', 'plain'])
    expect(r.exitCode).toBe(0)
    for (const s of steps)
      expect(r.stdout).toContain(`$ ${s.command instanceof Function ? 'export CLUSTER_NAME="kubewalk-lab"' : s.command.split('\n')[0]}`)
    expect(r.stdout).toContain('✓ code is 401')
    expect(r.stdout).toMatch(/14 passed, 0 failed, 0 skipped/)
    expect(r.stdout).not.toMatch(TOKEN_SHAPED)
    expect(r.stdout).toContain('[masked token]')
  })

  it('kubewalk drift prints only the differences and exits 0 when none is real', async () => {
    const r = await kubewalk(['drift', '--kubeconfig', kubeconfig])
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(
      /^\nDrift from the recording \(Kubernetes v1\.28\.3, kubectl v1\.28\.2\): \d+ expected, \d+ from newer versions, 0 real$/m,
    )
    expect(r.stdout).toContain('~ create-token claims.jti')
    expect(r.stdout).not.toContain('▶ 01/14')
  })

  it('cleans up what it created when the run stops before the article deletes it', async () => {
    const r = await kubewalk(['run', '--kubeconfig', kubeconfig, '--to', 'read-secret-token', '--reporter', 'json'])
    const report = JSON.parse(r.stdout) as JsonReport
    expect(report.ok).toBe(true)
    expect(report.cleanup).toEqual([
      { describe: 'delete Secret default-token', command: 'kubectl delete secret default-token --ignore-not-found', status: 'done' },
    ])
    expect(await secretExists('default-token')).toBe(false)
  })

  // kubectls of kubewalk's own builds, one for each -v=8 format the parser knows, proven on real output: the
  // labs' 1.28 (printf, JSON bodies: the article's), 1.33 and 1.37 (structured, protobuf), and 1.32 built alone
  // (structured bodies, printf request lines). Beyond one minor of the lab is outside kubectl's supported skew,
  // but the article's commands are stable APIs; if one stops replaying, that is news.
  const tmpDirs: string[] = []
  afterAll(async () => Promise.all(tmpDirs.map((d) => rm(d, { recursive: true, force: true }))))
  for (const { version, format, kubectl, how } of clients) {
    const minor = Number(/^v1\.(\d+)/.exec(version)?.[1])
    const skew = Math.abs(minor - labMinor) > 1 ? `, outside the supported skew of the lab's 1.${labMinor}` : ''
    const why = kubectl ? '' : `not built: run npx kubewalk lab build --version ${version}${how}`
    it.skipIf(why !== '')(`replays with kubectl ${version} (${format} -v=8 log)${skew}${why ? ` (skipped: ${why})` : ''}`, async () => {
      const dir = await mkdtemp(join(tmpdir(), `kubewalk-kubectl-${version}-`))
      tmpDirs.push(dir)
      await symlink(kubectl!, join(dir, 'kubectl'))
      const r = await kubewalk(['run', '--kubeconfig', kubeconfig, '--reporter', 'json'], { PATH: `${dir}${delimiter}${process.env.PATH ?? ''}` })
      const report = JSON.parse(r.stdout) as JsonReport
      expectFullPass(report)
      expect(report.cluster.kubectl).toEqual({ path: kubectl, version })
      const v8 = report.steps.find((s) => s.id === 'token-duration')
      expect(v8?.output.stderr).toContain(`User-Agent: kubectl/${version} (linux/amd64)`)
      expect(parseTokenRequestLog('token-duration', v8?.output.stderr ?? '').format).toBe(format)
      expect(v8?.assertions.every((a) => a.ok)).toBe(true)
      // Up to 1.31 the logged body is JSON and holds expirationSeconds, as in the article; from 1.32
      // it is protobuf, cut before that field, and the lifetime comes from the printed token.
      const lifetimeFrom = v8?.assertions.find((a) => /expirationSeconds|lifetime/.test(a.name))?.name
      expect(lifetimeFrom).toBe(
        minor <= 31
          ? 'expirationSeconds in the response body'
          : 'lifetime (kubectl cut the logged body before expirationSeconds; read from the printed token)',
      )
      process.stderr.write(`[e2e] replay with kubectl ${version}: ${r.durationMs} ms\n`)
    })
  }
})
