// Kubernetes versions on real control planes: the article on each supported lab version with the
// lab's own kubectl (a matrix, as CI runs it), the article's own v1.28.3 with kubectl 1.28 showing no
// version drift, and a kuberc that would change what the lines print. A missing build is a failure
// under CI, never a skip.
import { existsSync } from 'node:fs'
import { mkdtemp, mkdir, realpath, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { findLabBinaries, labBinDir, ARTICLE_LAB_VERSION, SUPPORTED_LAB_VERSIONS } from '../../src/lab/index.js'
import { which } from '../../src/shell.js'
import { kubewalk, type JsonReport } from './cli.js'
import { isCI } from './global-setup.js'

const kubeconfig = inject('labKubeconfig')
const labVersion = inject('labVersion')
const present = await Promise.all(SUPPORTED_LAB_VERSIONS.map(async (v) => [v, (await findLabBinaries(v)) !== undefined] as const))
const missing = present.filter(([, ok]) => !ok).map(([v]) => v)
if (missing.length > 0 && isCI()) throw new Error(`CI=${process.env.CI} and no lab binaries for ${missing.join(', ')}: run kubewalk lab build --version for each (version tests must not be skipped under CI)`)
const skip = missing.length > 0 ? `(no lab binaries for ${missing.join(', ')})` : ''

interface MatrixJson {
  ok: boolean
  cells: { server: { name: string; version: string }; kubectl: { path: string; version: string }; inSkew: boolean; ok: boolean; failedStep?: string; durationMs: number; drift: { expected: number; version: number; real: number } }[]
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
    process.stderr.write(`[e2e] matrix:\n${m.cells.map((c) => `  ${c.server.version} × kubectl ${c.kubectl.version}: ${c.ok ? 'passed' : `failed at ${c.failedStep}`} in ${c.durationMs} ms, drift ${c.drift.expected}/${c.drift.version}/${c.drift.real}`).join('\n')}\n`)
    expect(m.cells).toHaveLength(9)
    // Each server with its own kubectl (what `minikube kubectl` gives): the whole article, no real drift.
    for (const v of SUPPORTED_LAB_VERSIONS) {
      const own = m.cells.find((c) => c.server.version === v && c.kubectl.version === v)
      expect(own, `${v} × its own kubectl`).toMatchObject({ ok: true, inSkew: true, drift: { real: 0 } })
    }
    // The article's own versions: only tokens, times, ids, addresses and the patch release differ.
    expect(m.cells.find((c) => c.server.version === ARTICLE_LAB_VERSION && c.kubectl.version === ARTICLE_LAB_VERSION)?.drift.version).toBe(0)
    // 1.28 against 1.37 is nine minors apart: outside the skew, marked so, and it does not decide the exit code.
    expect(m.cells.filter((c) => !c.inSkew).length).toBeGreaterThan(0)
    expect(r.exitCode).toBe(m.cells.every((c) => c.ok || !c.inSkew) ? 0 : 1)
    expect(m.ok).toBe(r.exitCode === 0)
  })

  it('the article on v1.28.3 with the installed kubectl 1.28 (the lab\'s own when it is absent): zero version drift', async () => {
    // google-cloud-cli keeps kubectl.1.NN beside the dispatcher that PATH's kubectl links to.
    const onPath = await which('kubectl')
    const beside = onPath ? join(dirname(await realpath(onPath)), 'kubectl.1.28') : undefined
    const kubectl = beside !== undefined && existsSync(beside) ? beside : join(labBinDir(ARTICLE_LAB_VERSION), 'kubectl')
    process.stderr.write(`[e2e] article versions: v1.28.3 × ${kubectl}\n`)
    const r = await kubewalk(['drift', '--lab', '--lab-version', 'article', '--kubectl', kubectl, '--reporter', 'json'], {}, 300_000)
    expect(r.exitCode).toBe(0)
    const drift = JSON.parse(r.stdout) as { id: string; items: { kind: string; path: string }[] }[]
    expect(drift.flatMap((d) => d.items.filter((i) => i.kind !== 'expected').map((i) => `${d.id} ${i.path}`))).toEqual([])
    expect(drift.length).toBe(14)
  })
})

describe.skipIf(kubeconfig === '' || !/^v1\.(3[4-9]|[4-9]\d)\./.test(labVersion))(`kuberc (kubectl 1.34+) on the shared lab ${labVersion}`, () => {
  it('is off for the run, said once; honoured with --use-kuberc, where a get that prints JSON fails at once naming the cause', async () => {
    const home = join(dir, 'home')
    await mkdir(join(home, '.kube'), { recursive: true })
    await writeFile(join(home, '.kube', 'kuberc'), 'apiVersion: kubectl.config.k8s.io/v1beta1\nkind: Preference\ndefaults:\n- command: get\n  options:\n  - name: output\n    default: json\n')
    const kubectl = join(labBinDir(labVersion), 'kubectl')
    const off = await kubewalk(['run', '--kubeconfig', kubeconfig, '--kubectl', kubectl, '--to', 'list-secrets-after', '--reporter', 'json'], { HOME: home })
    expect(off.exitCode).toBe(0)
    expect(off.stderr.split('\n').filter((l) => l.includes('kuberc'))).toHaveLength(1)
    expect(off.stderr).toContain(`kubectl's kuberc (${join(home, '.kube', 'kuberc')}) is off for this run (KUBERC=off)`)
    const on = await kubewalk(['run', '--kubeconfig', kubeconfig, '--kubectl', kubectl, '--to', 'list-secrets-after', '--reporter', 'json', '--use-kuberc'], { HOME: home })
    expect(on.exitCode).toBe(1)
    const report = JSON.parse(on.stdout) as JsonReport
    const failed = report.steps.find((s) => s.status === 'failed')
    expect(failed?.id).toBe('list-secrets-before')
    expect(failed?.error?.message).toMatch(/^list-secrets-before: kubectl printed no table \(it begins "\{"\): another output format was chosen, e\.g\. by a kuberc default or an alias$/)
    expect(failed?.attempts).toBe(1)
    expect(report.cluster.kubectl).toEqual({ path: kubectl, version: labVersion })
  })
})
