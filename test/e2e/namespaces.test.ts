// Any namespace, and a classroom on one shared cluster: a context's namespace, --namespace, --isolate
// (eight at once), the instructor's board, and both walkthroughs, on the shared lab.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { parse as parseYaml, stringify } from 'yaml'
import { kubewalk, type JsonReport } from './cli.js'
import { kubeconfigAs, kubectl } from './kube.js'

const kubeconfig = inject('labKubeconfig')
const skipReason = inject('labSkipReason')

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubewalk-ns-'))
})
afterAll(async () => rm(dir, { recursive: true, force: true }))

/** Names of the namespaces kubewalk made (label or prefix): none may outlive its run. */
async function kubewalkNamespaces(): Promise<string[]> {
  const r = await kubectl(kubeconfig, ['get', 'namespaces', '-o', 'jsonpath={range .items[*]}{.metadata.name}{"\\n"}{end}'])
  if (r.exitCode !== 0) throw new Error(r.stderr)
  return r.stdout.split('\n').filter((n) => n.startsWith('kubewalk-'))
}

/** What is in `default` that a replay could touch: its Secrets, Roles and RoleBindings, with versions. */
async function defaultState(): Promise<string> {
  const r = await kubectl(kubeconfig, [
    'get',
    'secrets,roles,rolebindings',
    '-n',
    'default',
    '-o',
    'jsonpath={range .items[*]}{.kind}/{.metadata.name}@{.metadata.resourceVersion}{"\\n"}{end}',
  ])
  if (r.exitCode !== 0) throw new Error(r.stderr)
  return r.stdout
}

/** The lab's kubeconfig with its context acting in `namespace`. */
async function kubeconfigIn(namespace: string): Promise<string> {
  const cfg = parseYaml(await readFile(kubeconfig, 'utf8')) as { contexts: { name: string; context: Record<string, string> }[] }
  cfg.contexts = cfg.contexts.map((c) => ({ ...c, context: { ...c.context, namespace } }))
  const file = join(dir, `${namespace}.kubeconfig`)
  await writeFile(file, stringify(cfg), { mode: 0o600 })
  return file
}

describe.skipIf(kubeconfig === '')(`namespaces on the lab ${skipReason}`, () => {
  it("replays in the context's namespace, and says so", async () => {
    await kubectl(kubeconfig, ['create', 'namespace', 'team-a'])
    try {
      await kubectl(kubeconfig, ['wait', '--for=jsonpath={.metadata.name}=default', 'serviceaccount/default', '-n', 'team-a', '--timeout=30s'])
      const r = await kubewalk(['run', '--kubeconfig', await kubeconfigIn('team-a'), '--reporter', 'json'])
      const report = JSON.parse(r.stdout) as JsonReport
      expect(report.steps.find((s) => s.status === 'failed')?.error?.message).toBeUndefined()
      expect(r.exitCode).toBe(0)
      expect(report.cluster.namespace).toBe('team-a')
      expect(report.steps.find((s) => s.id === 'create-token')?.assertions).toContainEqual(
        expect.objectContaining({ ok: true, actual: 'system:serviceaccount:team-a:default' }),
      )
    } finally {
      await kubectl(kubeconfig, ['delete', 'namespace', 'team-a', '--wait=false'])
    }
  })

  it('--namespace acts in another namespace without writing the kubeconfig; one that does not exist is exit 2', async () => {
    await kubectl(kubeconfig, ['create', 'namespace', 'team-b'])
    const before = await readFile(kubeconfig, 'utf8')
    try {
      const r = await kubewalk(['run', '--kubeconfig', kubeconfig, '--namespace', 'team-b', '--walkthrough', 'rbac-pods', '--reporter', 'json'])
      expect(r.exitCode).toBe(0)
      expect((JSON.parse(r.stdout) as JsonReport).cluster.namespace).toBe('team-b')
      expect(await readFile(kubeconfig, 'utf8')).toBe(before)
      const missing = await kubewalk(['run', '--kubeconfig', kubeconfig, '--namespace', 'no-such-team', '--reporter', 'plain'])
      expect(missing.exitCode).toBe(2)
      expect(missing.stderr).toMatch(/^kubewalk: namespace no-such-team does not exist; create it \(kubectl create namespace no-such-team\)/m)
    } finally {
      await kubectl(kubeconfig, ['delete', 'namespace', 'team-b', '--wait=false'])
    }
  })

  it('runs 8 isolated replays at once: all pass, each in its own namespace, none left, nothing in default touched', async () => {
    const before = await defaultState()
    const began = performance.now()
    const runs = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        kubewalk(['run', '--kubeconfig', kubeconfig, '--isolate', '--reporter', 'json', ...(i % 2 === 1 ? ['--walkthrough', 'rbac-pods'] : [])]),
      ),
    )
    const reports = runs.map((r) => JSON.parse(r.stdout) as JsonReport)
    process.stderr.write(
      `[e2e] 8 isolated replays at once: ${Math.round(performance.now() - began)} ms; slowest ${Math.max(...runs.map((r) => r.durationMs))} ms\n`,
    )
    expect(runs.map((r) => r.exitCode)).toEqual(Array(8).fill(0))
    const namespaces = reports.map((r) => r.cluster.namespace)
    expect(new Set(namespaces).size).toBe(8)
    for (const ns of namespaces) expect(ns).toMatch(/^kubewalk-[0-9a-f]{8}$/)
    for (const r of reports)
      expect(r.cleanup.at(-1)).toEqual({ describe: `delete namespace ${r.cluster.namespace}`, command: expect.any(String), status: 'done' })
    expect(await kubewalkNamespaces()).toEqual([])
    expect(await defaultState()).toBe(before)
  })

  it('--isolate for a user who may not create namespaces is exit 2, with nothing created', async () => {
    await kubectl(kubeconfig, ['create', 'serviceaccount', 'kubewalk-student'])
    try {
      const limited = await kubeconfigAs(kubeconfig, 'kubewalk-student', dir)
      const r = await kubewalk(['run', '--kubeconfig', limited, '--isolate'])
      expect(r.exitCode).toBe(2)
      expect(r.stderr).toMatch(/^kubewalk: --isolate needs to create a namespace, and the kubeconfig's user may not/m)
      expect(await kubewalkNamespaces()).toEqual([])
    } finally {
      await kubectl(kubeconfig, ['delete', 'serviceaccount', 'kubewalk-student'])
    }
  })

  it('the board shows which traced steps each participant has done, read-only', async () => {
    for (const ns of ['class-ann', 'class-bo']) await kubectl(kubeconfig, ['create', 'namespace', ns])
    try {
      // Ann applied the article's Secret (the controller fills it); Bo did nothing yet.
      const secret =
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: default-token\n  annotations:\n    kubernetes.io/service-account.name: default\ntype: kubernetes.io/service-account-token\n'
      await kubectl(kubeconfig, ['wait', '--for=jsonpath={.metadata.name}=default', 'serviceaccount/default', '-n', 'class-ann', '--timeout=30s'])
      expect((await kubectl(kubeconfig, ['apply', '-n', 'class-ann', '-f', '-'], secret)).exitCode).toBe(0)
      let board: { rows: { namespace: string; done: Record<string, boolean> }[]; noTrace: string[] } | undefined
      for (let i = 0; i < 40; i++) {
        const r = await kubewalk(['class', '--kubeconfig', kubeconfig, '--prefix', 'class-', '--reporter', 'json'])
        expect(r.exitCode).toBe(0)
        board = JSON.parse(r.stdout) as typeof board
        if (board?.rows[0]?.done['list-secrets-after']) break
        await new Promise((res) => setTimeout(res, 250))
      }
      expect(board?.rows).toEqual([
        { namespace: 'class-ann', done: { 'apply-token-secret': true, 'list-secrets-after': true } },
        { namespace: 'class-bo', done: { 'apply-token-secret': false, 'list-secrets-after': false } },
      ])
      expect(board?.noTrace).toContain('create-token')
      const plain = await kubewalk(['class', '--kubeconfig', kubeconfig, '--namespaces', 'class-ann,class-bo'])
      expect(plain.stdout).toMatch(/^class-ann\s+✓\s+✓$/m)
      expect(plain.stdout).toMatch(/^class-bo\s+·\s+·$/m)
    } finally {
      for (const ns of ['class-ann', 'class-bo']) await kubectl(kubeconfig, ['delete', 'namespace', ns, '--wait=false'])
    }
  })

  it.each([['--namespace=Team_A'], ['--namespace=-x']])('%s: not a namespace name, exit 2', async (flag) => {
    const r = await kubewalk(['run', '--kubeconfig', kubeconfig, flag])
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toMatch(/is not a namespace name/)
  })
  it('--namespace with --isolate is exit 2, nothing created', async () => {
    const r = await kubewalk(['run', '--kubeconfig', kubeconfig, '--namespace', 'x', '--isolate'])
    expect(r).toMatchObject({ exitCode: 2, stderr: 'kubewalk: --namespace and --isolate both choose the namespace; give one.' })
  })
})
