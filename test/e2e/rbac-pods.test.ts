// The second walkthrough on the lab: every reporter, masking, a participant's checks, the same
// guarantees on Ctrl-C, and nothing left behind.
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { XMLParser } from 'fast-xml-parser'
import { describe, expect, inject, it } from 'vitest'
import { kubewalk, type JsonReport } from './cli.js'
import { kubeconfigAs, kubectl, labKubectl, TOKEN_SHAPED } from './kube.js'

const kubeconfig = inject('labKubeconfig')
const skipReason = inject('labSkipReason')
const BIN = fileURLToPath(new URL('../../bin/kubewalk.js', import.meta.url))

/** Whether rbac-pods' objects exist in `default`; a kubectl error fails the test rather than read as "no". */
async function leftovers(): Promise<string[]> {
  const r = await kubectl(kubeconfig, ['get', 'role/pod-reader', 'rolebinding/pod-reader', '--ignore-not-found', '-o', 'name'])
  if (r.exitCode !== 0) throw new Error(`kubectl get failed: ${r.stderr}`)
  return r.stdout.split('\n').filter((l) => l !== '')
}

describe.skipIf(kubeconfig === '')(`rbac-pods on the lab ${skipReason}`, () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    kubewalk(['run', '--walkthrough', 'rbac-pods', '--kubeconfig', kubeconfig, ...args], env)

  it('replays from 403 to 200 and back, with json: every step passed, token masked, nothing left', async () => {
    const r = await run(['--reporter', 'json'])
    expect(r.exitCode).toBe(0)
    const report = JSON.parse(r.stdout) as JsonReport
    expect(report).toMatchObject({ ok: true, walkthrough: 'rbac-pods', cluster: { namespace: 'default' } })
    expect(report.steps.map((s) => s.status)).toEqual(Array(12).fill('passed'))
    const forbidden = report.steps.find((s) => s.id === 'pods-forbidden')
    expect(forbidden?.assertions).toContainEqual({ name: 'code is 403', ok: true, expected: 403, actual: 403 })
    expect(report.steps.find((s) => s.id === 'pods-allowed')?.assertions[0]).toMatchObject({ ok: true, actual: 'PodList' })
    expect(r.stdout).not.toMatch(TOKEN_SHAPED)
    expect(report.cleanup).toEqual([])
    expect(await leftovers()).toEqual([])
  })

  it.each([['junit'], ['tap'], ['plain']])('with --reporter %s', async (reporter) => {
    const r = await run(['--reporter', reporter])
    expect(r.exitCode).toBe(0)
    expect(r.stdout).not.toMatch(TOKEN_SHAPED)
    if (reporter === 'junit') {
      const doc = new XMLParser({ ignoreAttributes: false }).parse(r.stdout) as { testsuites: { '@_tests': string; '@_failures': string } }
      expect(doc.testsuites).toMatchObject({ '@_tests': '12', '@_failures': '0' })
    }
    if (reporter === 'tap') expect(r.stdout).toMatch(/^1\.\.12$/m)
    if (reporter === 'plain') expect(r.stdout).toMatch(/^✔ 12 passed, 0 failed, 0 skipped/m)
    expect(await leftovers()).toEqual([])
  })

  it('drift against its recording: nothing real', async () => {
    const r = await kubewalk(['drift', '--walkthrough', 'rbac-pods', '--kubeconfig', kubeconfig, '--reporter', 'json'])
    expect(r.exitCode).toBe(0)
    const drift = JSON.parse(r.stdout) as { id: string; items: { kind: string }[] }[]
    expect(drift.flatMap((d) => d.items).filter((i) => i.kind === 'real')).toEqual([])
    expect(drift.map((d) => d.id)).toContain('pods-allowed')
  })

  it("refuses a pod-reader Role that is not the run's, before creating anything", async () => {
    expect((await kubectl(kubeconfig, ['create', 'role', 'pod-reader', '--verb=get', '--resource=configmaps'])).exitCode).toBe(0)
    try {
      const r = await run(['--reporter', 'json'])
      expect(r.exitCode).toBe(2)
      const report = JSON.parse(r.stdout) as JsonReport
      expect(report.steps.find((s) => s.status === 'failed')?.error?.message).toMatch(
        /^create-role: a Role pod-reader already exists in namespace default and is not this run's/,
      )
      expect(report.cleanup).toEqual([])
      const role = await kubectl(kubeconfig, ['get', 'role', 'pod-reader', '-o', 'jsonpath={.rules[0].resources[0]}'])
      expect(role.stdout).toBe('configmaps')
    } finally {
      await kubectl(kubeconfig, ['delete', 'role', 'pod-reader'])
    }
  })

  it('on Ctrl-C after the RoleBinding, stops and removes both objects, exit 130', async () => {
    const child = spawn('node', [BIN, 'run', '--walkthrough', 'rbac-pods', '--kubeconfig', kubeconfig, '--reporter', 'plain'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    })
    let stdout = ''
    let sent = false
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
      if (!sent && stdout.includes('✔ 07/12 create-rolebinding')) {
        sent = true
        child.kill('SIGINT')
      }
    })
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(sent).toBe(true)
    expect(code).toBe(130)
    expect(stdout).toMatch(/✓ delete RoleBinding pod-reader/)
    expect(stdout).toMatch(/✓ delete Role pod-reader/)
    expect(await leftovers()).toEqual([])
  })

  it('a user who may not impersonate: can-i --as is Forbidden, exit 2 at once, not "kubectl says no" nor a wait', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kubewalk-canI-'))
    // May read ServiceAccounts (the walkthrough requires serviceaccount/default) and mint their tokens
    // (step 03), nothing else: no impersonate verb.
    const setup = [
      ['create', 'serviceaccount', 'kubewalk-no-impersonate'],
      ['create', 'role', 'kubewalk-token-minter', '--verb=create', '--verb=get', '--resource=serviceaccounts/token', '--resource=serviceaccounts'],
      ['create', 'rolebinding', 'kubewalk-token-minter', '--role=kubewalk-token-minter', '--serviceaccount=default:kubewalk-no-impersonate'],
    ]
    try {
      for (const args of setup) expect((await kubectl(kubeconfig, args)).stderr).toBe('')
      const limited = await kubeconfigAs(kubeconfig, 'kubewalk-no-impersonate', dir)
      const r = await kubewalk([
        'run',
        '--walkthrough',
        'rbac-pods',
        '--kubeconfig',
        limited,
        '--kubectl',
        labKubectl(),
        '--to',
        'can-i-before',
        '--reporter',
        'json',
      ])
      const report = JSON.parse(r.stdout) as JsonReport
      expect(report.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'passed', 'passed', 'failed'])
      const canI = report.steps[4]
      expect(canI?.error?.message).toMatch(/^can-i-before: the kubeconfig's user is not allowed to do this \(RBAC\): .*cannot impersonate/)
      expect(canI?.attempts).toBe(1)
      expect(r.exitCode).toBe(2)
      // Step 08 waits 30 s for a "yes": the same answer must end it on the first attempt.
      const after = await kubewalk(
        ['run', '--walkthrough', 'rbac-pods', '--kubeconfig', limited, '--kubectl', labKubectl(), '--only', 'can-i-after', '--reporter', 'json'],
        { NAMESPACE: 'default' },
      )
      const step = (JSON.parse(after.stdout) as JsonReport).steps[0]
      expect([after.exitCode, step?.attempts, step?.durationMs !== undefined && step.durationMs < 10_000]).toEqual([2, 1, true])
    } finally {
      await kubectl(kubeconfig, ['delete', 'rolebinding,role', 'kubewalk-token-minter', '--ignore-not-found'])
      await kubectl(kubeconfig, ['delete', 'serviceaccount', 'kubewalk-no-impersonate', '--ignore-not-found'])
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('checks a participant: a RoleBinding for the right ServiceAccount passes, one for another fails with the hint', async () => {
    const check = (id: string, env: Record<string, string> = {}) =>
      kubewalk(['check', '--walkthrough', 'rbac-pods', id, '--kubeconfig', kubeconfig], env)
    await kubectl(kubeconfig, ['create', 'role', 'pod-reader', '--verb=get', '--verb=list', '--resource=pods'])
    try {
      const role = await check('create-role')
      expect([role.exitCode, role.stderr]).toEqual([0, ''])
      await kubectl(kubeconfig, ['create', 'rolebinding', 'pod-reader', '--role=pod-reader', '--serviceaccount=default:someone-else'])
      const wrong = await check('create-rolebinding')
      expect(wrong.exitCode).toBe(1)
      expect(wrong.stdout).toContain('✗ for the ServiceAccount default in default')
      expect(wrong.stderr).toContain("the walkthrough's line: kubewalk check --walkthrough rbac-pods create-rolebinding --solution")
      await kubectl(kubeconfig, ['delete', 'rolebinding', 'pod-reader'])
      await kubectl(kubeconfig, ['create', 'rolebinding', 'pod-reader', '--role=pod-reader', '--serviceaccount=default:default'])
      expect((await check('create-rolebinding')).exitCode).toBe(0)
      // can-i reads $NAMESPACE, which the participant exported at step 02.
      expect((await check('can-i-after')).exitCode).toBe(2)
      expect((await check('can-i-after', { NAMESPACE: 'default' })).exitCode).toBe(0)
    } finally {
      await kubectl(kubeconfig, ['delete', 'rolebinding,role', 'pod-reader', '--ignore-not-found'])
    }
  })
})
