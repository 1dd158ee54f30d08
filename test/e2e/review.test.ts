// The review's findings, on the lab: --isolate deletes its namespace on every path and names one a
// finalizer holds; a deleting step never deletes what the run did not create; a participant's check
// answers no instead of refusing; a walkthrough needs only what it declares.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { parse as parseYaml, stringify } from 'yaml'
import { readFile } from 'node:fs/promises'
import { findLabBinaries, labDown, labUp } from '../../src/platform/lab/index.js'
import { which } from '../../src/platform/shell.js'
import { kubewalk, type JsonReport } from './cli.js'
import { kubectl } from './kube.js'

const kubeconfig = inject('labKubeconfig')
const labVersion = inject('labVersion')
const skipReason = inject('labSkipReason')

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubewalk-review-'))
})
afterAll(async () => rm(dir, { recursive: true, force: true }))

async function kubewalkNamespaces(): Promise<string[]> {
  const r = await kubectl(kubeconfig, ['get', 'namespaces', '-o', 'jsonpath={range .items[*]}{.metadata.name}{"\\n"}{end}'])
  if (r.exitCode !== 0) throw new Error(r.stderr)
  return r.stdout.split('\n').filter((n) => n.startsWith('kubewalk-'))
}

/** A fresh namespace of the test's own, with the default ServiceAccount in it. */
async function namespace(name: string): Promise<void> {
  await kubectl(kubeconfig, ['create', 'namespace', name])
  await kubectl(kubeconfig, ['wait', '--for=jsonpath={.metadata.name}=default', 'serviceaccount/default', '-n', name, '--timeout=30s'])
}

/** A typed walkthrough in a folder of its own, outside the repository, with no node_modules. */
async function walkthroughFolder(name: string, index: string): Promise<string> {
  const folder = join(dir, name)
  await mkdir(folder, { recursive: true })
  await writeFile(join(folder, 'index.ts'), index)
  return `${folder}/`
}

describe.skipIf(kubeconfig === '')(`the review's findings on the lab ${skipReason}`, () => {
  it('--isolate deletes its namespace when an error comes between creating it and the first step', async () => {
    // A kubeconfig without the cluster's CA: --strict-tls finds that out only after the namespace exists.
    const cfg = parseYaml(await readFile(kubeconfig, 'utf8')) as { clusters: { name: string; cluster: Record<string, unknown> }[] }
    for (const c of cfg.clusters) {
      delete c.cluster['certificate-authority-data']
      delete c.cluster['certificate-authority']
      c.cluster['insecure-skip-tls-verify'] = true
    }
    const noCa = join(dir, 'no-ca.kubeconfig')
    await writeFile(noCa, stringify(cfg), { mode: 0o600 })
    const before = await kubewalkNamespaces()
    const r = await kubewalk(['run', '--kubeconfig', noCa, '--isolate', '--strict-tls', '--reporter', 'plain'])
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toMatch(/--strict-tls: the kubeconfig holds no CA for cluster/)
    expect(r.stderr).toMatch(/isolated: the run acts in namespace (kubewalk-[0-9a-f]{8})/)
    expect(r.stderr).toMatch(/delete namespace kubewalk-[0-9a-f]{8}: done/)
    expect(await kubewalkNamespaces()).toEqual(before)
  })

  it('--isolate names a namespace a finalizer holds past --namespace-timeout, with the command to watch it', async () => {
    const held = await walkthroughFolder(
      'held',
      `import { defineStep, defineWalkthrough } from 'kubewalk'
export default defineWalkthrough({ id: 'held', title: 'A ConfigMap a finalizer holds', vars: [], steps: [defineStep({
  id: 'make-held', number: '01', title: 'Make it', reads: [],
  command: "printf 'apiVersion: v1\\\\nkind: ConfigMap\\\\nmetadata:\\\\n  name: held\\\\n  finalizers: [kubewalk.test/hold]\\\\n' | kubectl create -f -",
  parse: (out) => out.stdout.trim(), check: (line) => [{ name: 'created', ok: line === 'configmap/held created' }],
})] })
`,
    )
    const r = await kubewalk([
      'run',
      '--kubeconfig',
      kubeconfig,
      '--walkthrough',
      held,
      '--isolate',
      '--namespace-timeout',
      '4',
      '--reporter',
      'json',
    ])
    const ns = /namespace (kubewalk-[0-9a-f]{8})/.exec(r.stderr)?.[1] ?? ''
    try {
      expect(ns).not.toBe('')
      const report = JSON.parse(r.stdout) as JsonReport & { cleanup: { describe: string; status: string; error?: string }[] }
      expect(report.steps.map((s) => s.status)).toEqual(['passed'])
      expect(report.cleanup).toEqual([
        {
          describe: `delete namespace ${ns}`,
          command: `kubectl delete namespace ${ns} --ignore-not-found --wait=true --timeout=4s`,
          status: 'failed',
          error: `namespace ${ns} is still Terminating after 4 s (a finalizer holds it); watch it with: kubectl get namespace ${ns} -w`,
        },
      ])
      expect(r.exitCode).toBe(1)
    } finally {
      await kubectl(kubeconfig, ['patch', 'configmap', 'held', '-n', ns, '--type=merge', '-p', '{"metadata":{"finalizers":null}}'])
      await kubectl(kubeconfig, ['wait', '--for=delete', `namespace/${ns}`, '--timeout=60s'])
    }
    expect(await kubewalkNamespaces()).not.toContain(ns)
  })

  it.each([
    ['--only', ['--only', 'delete-token-secret']],
    ['--from past the creating step', ['--from', '13']],
  ])('the article run %s refuses to delete a default-token the user made: exit 2, naming it and the command; it stays', async (_what, selection) => {
    await namespace('review-del')
    try {
      await kubectl(kubeconfig, ['create', 'secret', 'generic', 'default-token', '-n', 'review-del', '--from-literal=mine=yes'])
      const r = await kubewalk(['run', '--kubeconfig', kubeconfig, '--namespace', 'review-del', ...selection, '--reporter', 'json'])
      expect(r.exitCode).toBe(2)
      const report = JSON.parse(r.stdout) as JsonReport
      expect(report.steps.find((s) => s.id === 'delete-token-secret')?.error?.message).toBe(
        'delete-token-secret: this run did not create what the step deletes (Secret default-token), and kubewalk deletes only what its run created; run from the step that creates it, or delete it yourself: kubectl delete secret default-token --ignore-not-found.',
      )
      const still = await kubectl(kubeconfig, ['get', 'secret', 'default-token', '-n', 'review-del', '-o', 'jsonpath={.data.mine}'])
      expect(still.stdout).toBe(Buffer.from('yes').toString('base64'))
    } finally {
      await kubectl(kubeconfig, ['delete', 'namespace', 'review-del', '--wait=true'])
    }
  })

  it.each([
    ['delete-rolebinding', 'rolebinding'],
    ['delete-role', 'role'],
  ])("rbac-pods --only %s leaves the user's %s pod-reader alone", async (step, kind) => {
    await namespace('review-rbac')
    try {
      const made =
        kind === 'role'
          ? await kubectl(kubeconfig, ['create', 'role', 'pod-reader', '-n', 'review-rbac', '--verb=get', '--resource=pods'])
          : await kubectl(kubeconfig, [
              'create',
              'rolebinding',
              'pod-reader',
              '-n',
              'review-rbac',
              '--role=pod-reader',
              '--serviceaccount=review-rbac:default',
            ])
      expect(made.exitCode).toBe(0)
      const r = await kubewalk([
        'run',
        '--kubeconfig',
        kubeconfig,
        '--walkthrough',
        'rbac-pods',
        '--namespace',
        'review-rbac',
        '--only',
        step,
        '--reporter',
        'json',
      ])
      expect(r.exitCode).toBe(2)
      const report = JSON.parse(r.stdout) as JsonReport
      expect(report.steps[0]?.error?.message).toContain(`kubectl delete ${kind} pod-reader --ignore-not-found`)
      expect((await kubectl(kubeconfig, ['get', kind, 'pod-reader', '-n', 'review-rbac', '-o', 'name'])).exitCode).toBe(0)
    } finally {
      await kubectl(kubeconfig, ['delete', 'namespace', 'review-rbac', '--wait=true'])
    }
  })

  it('a walkthrough that runs Pods refuses a cluster with no node, before any step (the shared lab has none)', async () => {
    const r = await kubewalk(['run', '--kubeconfig', kubeconfig, '--walkthrough', 'pod-token', '--reporter', 'json'])
    expect(r.exitCode).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr.trim()).toMatch(
      /^kubewalk: walkthrough pod-token runs Pods, and \S+ has no node; a lab gets one with --node \(kubewalk lab up --node, run --lab --node\)\.$/,
    )
  })

  it("a participant's check whose assertion stops a replay fails as a check: exit 1, in the participant's words", async () => {
    await namespace('review-check')
    try {
      await kubectl(kubeconfig, ['create', 'secret', 'generic', 'default-token', '-n', 'review-check', '--from-literal=a=b'])
      const r = await kubewalk(['check', 'list-secrets-before', '--kubeconfig', kubeconfig, '--namespace', 'review-check', '--reporter', 'plain'])
      expect(r.exitCode).toBe(1)
      expect(r.stdout).toMatch(/no default-token Secret yet/)
      expect(r.stdout + r.stderr).not.toMatch(/stops before step 08/)
      expect(r.stderr).toContain('hint: this step comes before the Secret exists')
    } finally {
      await kubectl(kubeconfig, ['delete', 'namespace', 'review-check', '--wait=false'])
    }
  })
})

describe.skipIf(kubeconfig === '')(`a walkthrough needs only what it declares ${skipReason}`, () => {
  let bare: string
  let bin: string
  const labDir = (): string => join(dir, 'bare-lab')
  beforeAll(async () => {
    const binaries = await findLabBinaries(labVersion)
    if (!binaries) throw new Error(`no lab binaries for ${labVersion}`)
    // No kube-controller-manager: no namespace ever gets its default ServiceAccount.
    bare = (await labUp({ dir: labDir(), binaries, controllerManager: false })).kubeconfig
    // A PATH with bash, node and the lab's own kubectl, and no curl.
    bin = join(dir, 'no-curl-bin')
    await mkdir(bin)
    for (const tool of ['bash', 'sh', 'node']) await symlink((await which(tool))!, join(bin, tool))
    await symlink(join(dirname(binaries.kubectl), 'kubectl'), join(bin, 'kubectl'))
  }, 120_000)
  afterAll(async () => labDown({ dir: labDir() }), 60_000)

  it('runs a walkthrough that declares nothing, with no curl on PATH, on a lab without kube-controller-manager', async () => {
    expect((await kubectl(bare, ['get', 'serviceaccount', 'default', '-n', 'default', '-o', 'name'])).exitCode).not.toBe(0)
    const plain = await walkthroughFolder(
      'plain',
      `import { defineStep, defineWalkthrough, equal } from 'kubewalk'
export default defineWalkthrough({ id: 'plain', title: 'Read a namespace', vars: [], steps: [defineStep({
  id: 'read-default', number: '01', title: 'Read the default namespace', reads: [], command: 'kubectl get namespace default -o name',
  parse: (out) => out.stdout.trim(), check: (name) => [equal('the namespace', 'namespace/default', name)],
})] })
`,
    )
    const r = await kubewalk(['run', '--kubeconfig', bare, '--walkthrough', plain, '--reporter', 'json'], { PATH: bin })
    expect(r.stderr).toBe('')
    expect(r.exitCode).toBe(0)
    expect((JSON.parse(r.stdout) as JsonReport).steps.map((s) => s.status)).toEqual(['passed'])
  })
  it('refuses the article there in one sentence each: no curl, then no default ServiceAccount', async () => {
    const noCurl = await kubewalk(['run', '--kubeconfig', bare, '--reporter', 'plain'], { PATH: bin })
    expect(noCurl.exitCode).toBe(2)
    expect(noCurl.stderr.trim()).toBe("kubewalk: curl is not on PATH; install curl (walkthrough article's lines call it).")
    const noSa = await kubewalk(['run', '--kubeconfig', bare, '--reporter', 'plain', '--wait', '2'])
    expect(noSa.exitCode).toBe(2)
    expect(noSa.stderr).toMatch(
      /namespace default has no serviceaccount\/default after 2 s \(the walkthrough's lines expect it; a controller usually makes it\)/,
    )
  })
})
