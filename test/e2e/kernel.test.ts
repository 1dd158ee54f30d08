// The run's one shell (the kernel) and the argv guard on the shared lab: lines run as a reader's bash runs
// them (comments, continuations, heredocs, cd, functions, lower-case variables, set -u/-x, `&`), a change to
// an object that is not the run's is refused at kubectl's argv (exit 2), the user's kubeconfig is never
// written, a SIGKILL of kubewalk leaves no process of the kernel behind, and nothing is left on the cluster.
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { which } from '../../src/platform/shell.js'
import { kubewalk, type JsonReport } from './cli.js'
import { kubectl } from './kube.js'

const kubeconfig = inject('labKubeconfig')
const skipReason = inject('labSkipReason')
const labVersion = inject('labVersion')
const BIN = fileURLToPath(new URL('../../bin/kubewalk.js', import.meta.url))
const fence = '```'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubewalk-kernel-'))
})
afterAll(async () => rm(dir, { recursive: true, force: true }))

/** A Markdown walkthrough of these blocks, one step each, written to the test's folder. */
async function page(id: string, blocks: string[]): Promise<string> {
  const file = join(dir, `${id}.md`)
  await writeFile(file, `---\nid: ${id}\n---\n# ${id}\n\n${blocks.map((b) => `${fence}bash\n${b}\n${fence}\n`).join('\n')}`)
  return file
}

const replay = async (file: string, extra: string[] = []): Promise<{ exitCode: number; report: JsonReport; stderr: string }> => {
  const r = await kubewalk(['run', '--walkthrough', file, '--kubeconfig', kubeconfig, '--reporter', 'json', ...extra])
  return { exitCode: r.exitCode, report: JSON.parse(r.stdout) as JsonReport, stderr: r.stderr }
}

/** The ConfigMaps of the test's prefix on the lab. */
async function configMaps(prefix: string): Promise<string[]> {
  const r = await kubectl(kubeconfig, ['get', 'configmaps', '-o', 'name'])
  return r.stdout.split('\n').filter((n) => n.startsWith(`configmap/${prefix}`))
}

const cm = (name: string, value: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  key: ${value}\n`

/** A user's ConfigMap, as the lab stores it: its resourceVersion and data. */
async function userConfigMap(name: string): Promise<{ rv: string; data: unknown }> {
  const j = JSON.parse((await kubectl(kubeconfig, ['get', 'configmap', name, '-o', 'json'])).stdout) as {
    metadata: { resourceVersion: string }
    data: unknown
  }
  return { rv: j.metadata.resourceVersion, data: j.data }
}

describe.skipIf(kubeconfig === '')(`the kernel and the guard on the lab ${skipReason}`, () => {
  it("a trailing # comment does not hide an apply over a user's ConfigMap: refused (exit 2), the ConfigMap unchanged", async () => {
    expect((await kubectl(kubeconfig, ['apply', '-f', '-'], cm('kw-user-a', 'mine'))).exitCode).toBe(0)
    try {
      const before = await userConfigMap('kw-user-a')
      const file = await page('comment', [`cat > cm.yaml <<'EOF'\n${cm('kw-user-a', 'theirs')}EOF`, 'kubectl apply -f cm.yaml  # note'])
      const r = await replay(file)
      expect(r.exitCode).toBe(2)
      expect(r.report.steps[1]?.status).toBe('failed')
      expect(r.report.steps[1]?.error?.message).toMatch(/configmap\/kw-user-a in namespace default/)
      expect(await userConfigMap('kw-user-a')).toEqual(before)
    } finally {
      await kubectl(kubeconfig, ['delete', 'configmap', 'kw-user-a'])
    }
  })

  it("flags written as pflag reads them (`-nNS`, `-f-`) do not get past the guard: refused, the user's ConfigMaps unchanged", async () => {
    await kubectl(kubeconfig, ['create', 'namespace', 'kw-user-ns'])
    expect((await kubectl(kubeconfig, ['apply', '-n', 'kw-user-ns', '-f', '-'], cm('kw-user-c', 'mine'))).exitCode).toBe(0)
    expect((await kubectl(kubeconfig, ['apply', '-f', '-'], cm('kw-user-d', 'mine'))).exitCode).toBe(0)
    try {
      const before = await userConfigMap('kw-user-d')
      const deleting = await replay(await page('attached-ns', ['kubectl delete configmap kw-user-c -nkw-user-ns']))
      expect(deleting.exitCode).toBe(2)
      expect(deleting.report.steps[0]?.error?.message).toMatch(/configmap\/kw-user-c in namespace kw-user-ns/)
      expect((await kubectl(kubeconfig, ['get', 'configmap', 'kw-user-c', '-n', 'kw-user-ns', '-o', 'name'])).stdout.trim()).toBe(
        'configmap/kw-user-c',
      )
      const applying = await replay(await page('attached-file', [`kubectl apply -f- <<'EOF'\n${cm('kw-user-d', 'theirs')}EOF`]))
      expect(applying.exitCode).toBe(2)
      expect(applying.report.steps[0]?.error?.message).toMatch(/configmap\/kw-user-d in namespace default/)
      // Only the refusal: the call started beside the dry run was stopped before it read its input.
      expect(applying.report.steps[0]?.output.stderr).not.toMatch(/no objects passed/)
      expect(await userConfigMap('kw-user-d')).toEqual(before)
    } finally {
      await kubectl(kubeconfig, ['delete', 'namespace', 'kw-user-ns', '--wait=false'])
      await kubectl(kubeconfig, ['delete', 'configmap', 'kw-user-d'])
    }
  })

  it('a refusal inside `kubectl label … ; echo ok` fails the step with exit 2', async () => {
    expect((await kubectl(kubeconfig, ['apply', '-f', '-'], cm('kw-user-b', 'mine'))).exitCode).toBe(0)
    try {
      const before = await userConfigMap('kw-user-b')
      const r = await replay(await page('label', ['kubectl label configmap kw-user-b touched=yes ; echo ok']))
      expect(r.exitCode).toBe(2)
      expect(r.report.steps[0]?.status).toBe('failed')
      expect(await userConfigMap('kw-user-b')).toEqual(before)
    } finally {
      await kubectl(kubeconfig, ['delete', 'configmap', 'kw-user-b'])
    }
  })

  it('runs lines as bash does: continuation, heredoc, re-apply of its own, cd, functions, lower-case variables, set -u/-x, `&`; nothing left after', async () => {
    const file = await page('shell', [
      'set -u',
      'kubectl create configmap kw-kernel-a \\\n  --from-literal=key=one',
      `kubectl apply -f - <<'EOF'\n${cm('kw-kernel-b', 'two')}EOF`,
      `mkdir -p sub && cat > sub/c.yaml <<'EOF'\n${cm('kw-kernel-c', 'three')}EOF`,
      'cd sub',
      'kubectl apply -f c.yaml',
      'kubectl apply -f c.yaml',
      'value_of() { kubectl get configmap "$1" -o jsonpath=\'{.data.key}\'; }',
      'name=kw-kernel-c',
      'set -x',
      'value_of "$name"',
      'started=$(date +%s); sleep 20 & echo "back after $(( $(date +%s) - started )) s"',
    ])
    const began = performance.now()
    const r = await replay(file)
    expect(r.report.steps.map((s) => [s.id, s.status]).filter(([, s]) => s !== 'passed')).toEqual([])
    expect(r.exitCode).toBe(0)
    expect(r.report.steps[10]?.output.stdout).toBe('three')
    expect(r.report.steps[10]?.output.stderr).toMatch(/\+ value_of kw-kernel-c/)
    expect(r.report.steps[11]?.output.stdout).toMatch(/^back after [01] s/)
    expect(performance.now() - began).toBeLessThan(20_000)
    expect(await configMaps('kw-kernel-')).toEqual([])
  })

  it("what a call created is read back by kubewalk's own process (no kubectl start), and still cleaned up", async () => {
    const real = await which('kubectl')
    expect(real).toBeDefined()
    const log = join(dir, 'kubectl-calls')
    const wrapper = join(dir, 'logging', 'kubectl')
    await mkdir(dirname(wrapper), { recursive: true })
    await writeFile(wrapper, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${real}' "$@"\n`, { mode: 0o755 })
    const file = await page('direct', [
      'kubectl create configmap kw-direct-a --from-literal=k=v',
      `kubectl apply -f - <<'EOF'\n${cm('kw-direct-b', 'x')}EOF`,
    ])
    const r = await replay(file, ['--kubectl', wrapper])
    expect(r.exitCode).toBe(0)
    const calls = (await readFile(log, 'utf8')).trim().split('\n')
    // The create's dry run and real call went through kubectl; the apply's input names one new ConfigMap, which
    // kubewalk's process read (not there): only its real call. Nothing read them back (`get … -o json`). The cleanup,
    // from the guard's record, asks each object's uid before it deletes it.
    expect(calls.filter((c) => c.startsWith('create configmap kw-direct-a'))).toHaveLength(2)
    expect(calls.filter((c) => c.startsWith('apply '))).toEqual(['apply -f -'])
    expect(calls.filter((c) => c.startsWith('get ') && / -o json( |$)/.test(c))).toEqual([])
    expect(calls.filter((c) => c.startsWith('get ')).map((c) => c.split(' ')[1])).toEqual(['configmap/kw-direct-b', 'configmap/kw-direct-a'])
    expect(r.report.cleanup.map((c) => c.status)).toEqual(['done', 'done'])
    expect(await configMaps('kw-direct-')).toEqual([])
  })

  it("an apply whose manifest names no namespace is checked where kubectl sends it (the context's): over a user's ConfigMap there, refused", async () => {
    await kubectl(kubeconfig, ['create', 'namespace', 'kw-ctx-ns'])
    expect((await kubectl(kubeconfig, ['apply', '-n', 'kw-ctx-ns', '-f', '-'], cm('kw-user-ctx', 'mine'))).exitCode).toBe(0)
    const stored = async (): Promise<string> =>
      (await kubectl(kubeconfig, ['get', 'configmap', 'kw-user-ctx', '-n', 'kw-ctx-ns', '-o', 'jsonpath={.metadata.resourceVersion} {.data.key}']))
        .stdout
    try {
      const before = await stored()
      const r = await replay(
        await page('context-namespace', [
          'kubectl config set-context --current --namespace=kw-ctx-ns',
          `kubectl apply -f - <<'EOF'\n${cm('kw-user-ctx', 'theirs')}EOF`,
        ]),
      )
      expect(r.exitCode).toBe(2)
      expect(r.report.steps[1]?.error?.message).toMatch(/configmap\/kw-user-ctx in namespace kw-ctx-ns is not this run's/)
      expect(await stored()).toBe(before)
      expect(before).toMatch(/ mine$/)
    } finally {
      await kubectl(kubeconfig, ['delete', 'namespace', 'kw-ctx-ns', '--wait=false'])
    }
  })

  it("`exit 3` as a step's line fails that step with its code, skips the rest, and the run still cleans up", async () => {
    const r = await replay(await page('exit', ['kubectl create configmap kw-exit-a --from-literal=key=x', 'exit 3', 'echo never']))
    expect(r.exitCode).toBe(1)
    expect(r.report.steps.map((s) => s.status)).toEqual(['passed', 'failed', 'skipped'])
    expect(r.report.steps[1]?.error?.message).toMatch(/exited with code 3/)
    expect(await configMaps('kw-exit-')).toEqual([])
  })

  it("`kubectl config set-context --current --namespace=x` changes the run's copy, never the user's kubeconfig", async () => {
    const before = await readFile(kubeconfig, 'utf8')
    const r = await replay(
      await page('context', [
        'kubectl config set-context --current --namespace=kw-elsewhere',
        'kubectl config view --minify -o jsonpath="{..namespace}"',
      ]),
    )
    expect(r.exitCode).toBe(0)
    expect(r.report.steps[1]?.output.stdout).toBe('kw-elsewhere')
    expect(await readFile(kubeconfig, 'utf8')).toBe(before)
  })

  it('a `kubectl config` write to the user’s own kubeconfig (by --kubeconfig, or ~/.kube/config after `unset KUBECONFIG`) is refused, the file unchanged', async () => {
    const before = await readFile(kubeconfig, 'utf8')
    const home = join(dir, 'home')
    await mkdir(join(home, '.kube'), { recursive: true })
    await writeFile(join(home, '.kube', 'config'), before)
    for (const line of [
      `kubectl config set-context --current --namespace=kw-elsewhere --kubeconfig=${kubeconfig}`,
      `unset KUBECONFIG; HOME=${home} kubectl config use-context kubewalk-lab`,
    ]) {
      const r = await replay(await page('user-kubeconfig', [line]))
      // A refusal is exit 2, as the guard's other refusals.
      expect(r.exitCode).toBe(2)
      expect(r.report.steps[0]?.error?.message).toMatch(/would write .*, a kubeconfig that is not the run's/)
    }
    expect(await readFile(kubeconfig, 'utf8')).toBe(before)
    expect(await readFile(join(home, '.kube', 'config'), 'utf8')).toBe(before)
  })

  it('what a line creates after the page switched namespace is deleted there, as the guard recorded it, not where kubectl’s output leaves it', async () => {
    await kubectl(kubeconfig, ['create', 'namespace', 'kw-switched'])
    try {
      const r = await replay(
        await page('switched', [
          'kubectl config set-context --current --namespace=kw-switched',
          'kubectl create configmap kw-run-s --from-literal=a=1',
        ]),
      )
      expect(r.exitCode).toBe(0)
      expect(r.report.cleanup).toEqual([expect.objectContaining({ describe: 'delete configmap/kw-run-s in namespace kw-switched', status: 'done' })])
      expect((await kubectl(kubeconfig, ['get', 'configmaps', '-n', 'kw-switched', '-o', 'name'])).stdout).not.toContain('kw-run-s')
    } finally {
      await kubectl(kubeconfig, ['delete', 'namespace', 'kw-switched', '--wait=false'])
    }
  })

  it('a declared change (front matter, or --allow-changes) is allowed, and cleanup puts the object back as it was', async () => {
    expect((await kubectl(kubeconfig, ['apply', '-f', '-'], cm('kw-user-d', 'mine'))).exitCode).toBe(0)
    try {
      const labels = async (): Promise<unknown> =>
        (JSON.parse((await kubectl(kubeconfig, ['get', 'configmap', 'kw-user-d', '-o', 'json'])).stdout) as { metadata: { labels?: unknown } })
          .metadata.labels
      const before = { labels: await labels(), data: (await userConfigMap('kw-user-d')).data }
      const file = join(dir, 'declared.md')
      await writeFile(
        file,
        `---\nid: declared\nchanges: [configmap/kw-user-d]\n---\n# declared\n\n${fence}bash\nkubectl label configmap kw-user-d touched=yes\n${fence}\n`,
      )
      const r = await replay(file)
      expect(r.exitCode).toBe(0)
      expect(r.report.cleanup.map((c) => [c.describe, c.status])).toEqual([
        ['restore configmap/kw-user-d in namespace default as it was before the run', 'done'],
      ])
      expect({ labels: await labels(), data: (await userConfigMap('kw-user-d')).data }).toEqual(before)
      const flagged = await replay(await page('allowed', ['kubectl label configmap kw-user-d touched=again']), [
        '--allow-changes',
        'default/configmap/kw-*',
      ])
      expect(flagged.exitCode).toBe(0)
      expect(await labels()).toEqual(before.labels)
    } finally {
      await kubectl(kubeconfig, ['delete', 'configmap', 'kw-user-d'])
    }
  })

  // kubectl 1.34+ reads ~/.kube/kuberc: an alias (`ap` for apply) or a default flag changes a call without showing in its argv.
  it.skipIf(!/^v1\.(3[4-9]|[4-9]\d)\./.test(labVersion))(
    "with --use-kuberc, a kuberc's alias and default are guarded as kubectl runs them: refused over a user's objects, the run's own made and cleaned up",
    async () => {
      const home = join(dir, 'kuberc-home')
      await mkdir(join(home, '.kube'), { recursive: true })
      await writeFile(
        join(home, '.kube', 'kuberc'),
        'apiVersion: kubectl.config.k8s.io/v1beta1\nkind: Preference\naliases:\n- name: ap\n  command: apply\n' +
          'defaults:\n- command: delete\n  options:\n  - name: namespace\n    default: kw-user-kns\n',
      )
      await kubectl(kubeconfig, ['create', 'namespace', 'kw-user-kns'])
      expect((await kubectl(kubeconfig, ['apply', '-n', 'kw-user-kns', '-f', '-'], cm('kw-user-k2', 'mine'))).exitCode).toBe(0)
      expect((await kubectl(kubeconfig, ['apply', '-f', '-'], cm('kw-user-k', 'mine'))).exitCode).toBe(0)
      const run = async (file: string): Promise<{ exitCode: number; report: JsonReport }> => {
        const r = await kubewalk(['run', '--walkthrough', file, '--kubeconfig', kubeconfig, '--reporter', 'json', '--use-kuberc'], { HOME: home })
        return { exitCode: r.exitCode, report: JSON.parse(r.stdout) as JsonReport }
      }
      try {
        const before = await userConfigMap('kw-user-k')
        const aliased = await run(await page('kuberc-alias', [`kubectl ap -f - <<'EOF'\n${cm('kw-user-k', 'theirs')}EOF`]))
        expect(aliased.exitCode).toBe(2)
        expect(aliased.report.steps[0]?.error?.message).toMatch(/configmap\/kw-user-k in namespace default is not this run's/)
        expect(await userConfigMap('kw-user-k')).toEqual(before)
        // The default namespace moves `delete configmap kw-user-k2` into the user's namespace, where it is refused.
        const deleting = await run(await page('kuberc-default', ['kubectl delete configmap kw-user-k2']))
        expect(deleting.exitCode).toBe(2)
        expect(deleting.report.steps[0]?.error?.message).toMatch(/configmap\/kw-user-k2 in namespace kw-user-kns is not this run's/)
        expect((await kubectl(kubeconfig, ['get', 'configmap', 'kw-user-k2', '-n', 'kw-user-kns', '-o', 'name'])).stdout.trim()).toBe(
          'configmap/kw-user-k2',
        )
        // The run's own object made through the alias is recorded, and the cleanup removes it.
        const own = await run(
          await page('kuberc-own', [`kubectl ap -f - <<'EOF'\n${cm('kw-run-k', 'ours')}EOF`, 'kubectl get configmap kw-run-k -o name']),
        )
        expect(own.exitCode).toBe(0)
        expect(own.report.steps[1]?.output.stdout).toBe('configmap/kw-run-k\n')
        expect(await configMaps('kw-run-k')).toEqual([])
      } finally {
        await kubectl(kubeconfig, ['delete', 'namespace', 'kw-user-kns', '--wait=false'])
        await kubectl(kubeconfig, ['delete', 'configmap', 'kw-user-k', '--ignore-not-found'])
      }
    },
  )

  it('a SIGKILL of kubewalk mid-line leaves no process of the kernel', async () => {
    const mark = `${Math.floor(Math.random() * 1e6)}`
    const file = await page('killed', [`sleep 30.${mark}`])
    const child = spawn('node', [BIN, 'run', '--walkthrough', file, '--kubeconfig', kubeconfig, '--reporter', 'plain'], {
      stdio: 'ignore',
      env: { ...process.env, NO_COLOR: '1' },
    })
    const running = async (): Promise<boolean> => {
      for (const pid of await readdir('/proc').catch(() => [] as string[])) {
        if (!/^\d+$/.test(pid)) continue
        const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
        if (cmd.includes(`30.${mark}`) && !cmd.includes('.md')) return true
      }
      return false
    }
    const deadline = performance.now() + 30_000
    while (!(await running()) && performance.now() < deadline) await sleep(100)
    expect(await running()).toBe(true)
    child.kill('SIGKILL')
    const gone = performance.now() + 5_000
    while ((await running()) && performance.now() < gone) await sleep(100)
    expect(await running()).toBe(false)
  })
})
