// Kubernetes versions on real control planes: the article on each supported lab version with the
// lab's own kubectl (a matrix, as CI runs it), the article's own v1.28.3 with the lab's kubectl 1.28.3
// showing no version drift, a matrix against a server that does not answer, and a kuberc that would
// change what the lines print. Every kubectl here is a lab's own build. A missing build is a failure
// under CI, never a skip.
import { createServer } from 'node:net'
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { stringify } from 'yaml'
import { findLabBinaries, labBinDir, ARTICLE_LAB_VERSION, SUPPORTED_LAB_VERSIONS } from '../../src/platform/lab/index.js'
import { kubewalk, type JsonReport } from './cli.js'
import { isCI } from './global-setup.js'

const kubeconfig = inject('labKubeconfig')
const labVersion = inject('labVersion')
const present = await Promise.all(SUPPORTED_LAB_VERSIONS.map(async (v) => [v, (await findLabBinaries(v)) !== undefined] as const))
const missing = present.filter(([, ok]) => !ok).map(([v]) => v)
if (missing.length > 0 && isCI())
  throw new Error(
    `CI=${process.env.CI} and no lab binaries for ${missing.join(', ')}: run kubewalk lab build --version for each (version tests must not be skipped under CI)`,
  )
const skip = missing.length > 0 ? `(no lab binaries for ${missing.join(', ')})` : ''

interface MatrixJson {
  ok: boolean
  cells: {
    server: { name: string; version: string }
    kubectl: { path: string; version: string }
    inSkew: boolean | null
    ok: boolean
    failedStep?: string
    reason?: string
    durationMs: number
    drift: { expected: number; version: number; real: number }
  }[]
}

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubewalk-versions-'))
})
afterAll(async () => rm(dir, { recursive: true, force: true }))

describe.skipIf(skip !== '')(`versions ${skip}`, () => {
  it('a matrix of the supported versions × their own kubectls: the article passes on each, in skew and out', async () => {
    const kubectls = SUPPORTED_LAB_VERSIONS.flatMap((v) => ['--kubectl', join(labBinDir(v), 'kubectl')])
    const r = await kubewalk(['matrix', '--parallel', '3', '--reporter', 'json', ...kubectls], {}, 600_000)
    const m = JSON.parse(r.stdout) as MatrixJson
    process.stderr.write(
      `[e2e] matrix:\n${m.cells.map((c) => `  ${c.server.version} × kubectl ${c.kubectl.version}: ${c.ok ? 'passed' : `failed at ${c.failedStep}`} in ${c.durationMs} ms, drift ${c.drift.expected}/${c.drift.version}/${c.drift.real}`).join('\n')}\n`,
    )
    expect(m.cells).toHaveLength(9)
    // Each server with its own kubectl (what `minikube kubectl` gives): the whole article, no real drift.
    for (const v of SUPPORTED_LAB_VERSIONS) {
      const own = m.cells.find((c) => c.server.version === v && c.kubectl.version === v)
      expect(own, `${v} × its own kubectl`).toMatchObject({ ok: true, inSkew: true, drift: { real: 0 } })
    }
    // The article's own versions: only tokens, times, ids, addresses and the patch release differ.
    expect(m.cells.find((c) => c.server.version === ARTICLE_LAB_VERSION && c.kubectl.version === ARTICLE_LAB_VERSION)?.drift.version).toBe(0)
    // 1.28, 1.33 and 1.37 are four or more minors apart: only each server with its own kubectl is in skew.
    expect(
      m.cells
        .filter((c) => c.inSkew)
        .map((c) => `${c.server.version} × ${c.kubectl.version}`)
        .sort(),
    ).toEqual(SUPPORTED_LAB_VERSIONS.map((v) => `${v} × ${v}`).sort())
    expect(m.cells.filter((c) => c.inSkew === false)).toHaveLength(6)
    // Measured: every cell passes, in skew and out (README, "Versions and the matrix").
    expect(m.cells.filter((c) => !c.ok).map((c) => `${c.server.version} × ${c.kubectl.version}: ${c.failedStep} ${c.reason}`)).toEqual([])
    expect(m.ok).toBe(true)
    expect(r.exitCode).toBe(0)
  })

  it("the article on v1.28.3 with the lab's own kubectl 1.28.3: zero version drift", async () => {
    const kubectl = join(labBinDir(ARTICLE_LAB_VERSION), 'kubectl')
    const r = await kubewalk(['drift', '--lab', '--lab-version', 'article', '--kubectl', kubectl, '--reporter', 'json'], {}, 300_000)
    expect(r.exitCode).toBe(0)
    const drift = JSON.parse(r.stdout) as { id: string; items: { kind: string; path: string }[] }[]
    expect(drift.flatMap((d) => d.items.filter((i) => i.kind !== 'expected').map((i) => `${d.id} ${i.path}`))).toEqual([])
    expect(drift.length).toBe(14)
  })
})

/** A kubeconfig whose context `dead` points at a loopback port nothing listens on. */
async function deadKubeconfig(): Promise<string> {
  const port = await new Promise<number>((resolve, reject) => {
    const probe = createServer()
      .listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number }
        probe.close(() => resolve(port))
      })
      .on('error', reject)
  })
  const file = join(dir, 'dead.kubeconfig')
  await writeFile(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'dead',
      clusters: [{ name: 'dead', cluster: { server: `https://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'nobody', user: { token: 'not-a-token' } }],
      contexts: [{ name: 'dead', context: { cluster: 'dead', user: 'nobody' } }],
    }),
    { mode: 0o600 },
  )
  return file
}

describe.skipIf(kubeconfig === '')(`matrix --context against a server that does not answer (kubectl ${labVersion}, the lab's own)`, () => {
  let dead: string
  const kubectl = (): string => join(labBinDir(labVersion), 'kubectl')
  beforeAll(async () => {
    dead = await deadKubeconfig()
  })

  it('json: the cell failed with its skew unknown (inSkew null), the matrix not ok, exit 1', async () => {
    const r = await kubewalk(['matrix', '--kubeconfig', dead, '--context', 'dead', '--kubectl', kubectl(), '--reporter', 'json'])
    expect(r.exitCode).toBe(1)
    const m = JSON.parse(r.stdout) as MatrixJson
    expect(m.ok).toBe(false)
    expect(m.cells).toHaveLength(1)
    expect(m.cells[0]).toMatchObject({
      server: { name: 'dead', version: 'unknown' },
      kubectl: { path: kubectl(), version: labVersion },
      inSkew: null,
      ok: false,
    })
  })

  it.each([
    ['plain', /^dead +unknown +v1\.\d+\.\d+ +\S+ +unknown +failed/m],
    ['pretty', /^(\x1b\[31m)?dead +unknown +v1\.\d+\.\d+ +\S+ +unknown +failed/m],
    ['markdown', /^\| dead \| unknown \| v1\.\d+\.\d+ \| `\S+` \| unknown \| ❌ failed/m],
    ['junit', /<testsuites name="kubewalk matrix" tests="1" failures="1"/],
  ])('%s: "unknown" skew, a failure, exit 1', async (reporter, row) => {
    const r = await kubewalk(['matrix', '--kubeconfig', dead, '--context', 'dead', '--kubectl', kubectl(), '--reporter', reporter])
    expect(r.stdout).toMatch(row)
    expect(r.exitCode).toBe(1)
  })
})

describe.skipIf(kubeconfig === '' || !/^v1\.(3[4-9]|[4-9]\d)\./.test(labVersion))(`kuberc (kubectl 1.34+) on the shared lab ${labVersion}`, () => {
  it('is off for the run, said once; honoured with --use-kuberc, where a get that prints JSON fails at once naming the cause', async () => {
    const home = join(dir, 'home')
    await mkdir(join(home, '.kube'), { recursive: true })
    await writeFile(
      join(home, '.kube', 'kuberc'),
      'apiVersion: kubectl.config.k8s.io/v1beta1\nkind: Preference\ndefaults:\n- command: get\n  options:\n  - name: output\n    default: json\n',
    )
    const kubectl = join(labBinDir(labVersion), 'kubectl')
    const off = await kubewalk(['run', '--kubeconfig', kubeconfig, '--kubectl', kubectl, '--to', 'list-secrets-after', '--reporter', 'json'], {
      HOME: home,
    })
    expect(off.exitCode).toBe(0)
    expect(off.stderr.split('\n').filter((l) => l.includes('kuberc'))).toHaveLength(1)
    expect(off.stderr).toContain(`kubectl's kuberc (${join(home, '.kube', 'kuberc')}) is off for this run (KUBERC=off)`)
    const on = await kubewalk(
      ['run', '--kubeconfig', kubeconfig, '--kubectl', kubectl, '--to', 'list-secrets-after', '--reporter', 'json', '--use-kuberc'],
      { HOME: home },
    )
    expect(on.exitCode).toBe(1)
    const report = JSON.parse(on.stdout) as JsonReport
    const failed = report.steps.find((s) => s.status === 'failed')
    expect(failed?.id).toBe('list-secrets-before')
    expect(failed?.error?.message).toMatch(
      /^list-secrets-before: kubectl printed no table \(it begins "\{"\): another output format was chosen, e\.g\. by a kuberc default or an alias$/,
    )
    expect(failed?.attempts).toBe(1)
    expect(report.cluster.kubectl).toEqual({ path: kubectl, version: labVersion })
  })
})
