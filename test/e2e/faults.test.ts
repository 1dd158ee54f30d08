// Faults, on a lab of its own (it is damaged on purpose): no kube-controller-manager, an API server
// paused with SIGSTOP, an API server killed mid-run. Each must end in a clear sentence, not a hang.
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { findLabBinaries, labDown, labUp } from '../../src/platform/lab/index.js'
import { readLedger } from '../../src/engine/guard/ledger.js'
import { PID_FILE, SCRATCH_PREFIX } from '../../src/platform/scratch.js'
import { kubewalk, type JsonReport } from './cli.js'
import { kubectl, secretExists } from './kube.js'

const skipReason = inject('labSkipReason')
const BIN = fileURLToPath(new URL('../../bin/kubewalk.js', import.meta.url))

let parent = ''
let dir = ''
let kubeconfig = ''
let apiserverPid = 0

/** Until step 08 of the replay `pid` runs has created the Secret, and its guard has recorded it (bounded: 20 s). */
async function waitForSecret(pid: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await secretExists(kubeconfig, 'default-token').catch(() => false)) return await guardDone(pid)
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('the replay never created default-token')
}

/**
 * Step 08's apply goes through the run's kubectl guard, which reads the new Secret's uid back after the call: the Secret
 * exists a moment before that read ends. A fault aimed at step 09 waits for the read's record in the run's ledger (in
 * its scratch folder, the one its pid owns), or it lands in that read and the step reports the guard's failure instead.
 */
async function guardDone(pid: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    for (const name of (await readdir(tmpdir())).filter((n) => n.startsWith(SCRATCH_PREFIX))) {
      const owner = await readFile(join(tmpdir(), name, PID_FILE), 'utf8').catch(() => '')
      if (Number(owner.trim()) !== pid) continue
      const ledger = await readLedger(join(tmpdir(), name, 'guard')).catch(() => undefined)
      if (ledger?.created.some((o) => o.name === 'default-token')) return
    }
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`the guard of run ${pid} never recorded default-token`)
}

beforeAll(async () => {
  if (skipReason !== '') return
  const binaries = await findLabBinaries()
  if (!binaries) throw new Error('lab binaries vanished after global setup')
  parent = await mkdtemp(join(tmpdir(), 'kubewalk-faults-'))
  dir = join(parent, 'lab')
  const state = await labUp({ dir, binaries, controllerManager: false })
  kubeconfig = state.kubeconfig
  apiserverPid = state.components['kube-apiserver']!.pid
  // Without the controller manager nobody creates the default ServiceAccount: the test does.
  expect((await kubectl(kubeconfig, ['create', 'serviceaccount', 'default'])).exitCode).toBe(0)
})
afterAll(async () => {
  if (apiserverPid) {
    try {
      process.kill(-apiserverPid, 'SIGCONT')
    } catch {
      // already gone
    }
  }
  if (dir) await labDown({ dir })
  if (parent) await rm(parent, { recursive: true, force: true })
})

describe.skipIf(skipReason !== '')(`faults ${skipReason}`, () => {
  it('without kube-controller-manager, step 09 fails within its wait limit naming the token controller, and cleanup still runs', async () => {
    const r = await kubewalk(['run', '--kubeconfig', kubeconfig, '--wait', '3', '--reporter', 'json'])
    expect(r.exitCode).toBe(1)
    const report = JSON.parse(r.stdout) as JsonReport
    const step = report.steps.find((s) => s.id === 'list-secrets-after')!
    expect(step.status).toBe('failed')
    expect(step.error?.message).toBe(
      'list-secrets-after: DATA is 3 (ca.crt, namespace, token) (expected "3", got "0") after waiting 3 s for the token controller (kube-controller-manager) to fill default-token.',
    )
    expect(step.durationMs).toBeLessThan(6_000)
    expect(report.steps.filter((s) => s.status === 'skipped').map((s) => s.id)).toEqual([
      'secrets-yaml',
      'read-secret-token',
      'call-api-secret-token',
      'delete-token-secret',
      'call-api-revoked',
    ])
    expect(report.cleanup).toEqual([
      { describe: 'delete Secret default-token', command: 'kubectl delete secret default-token --ignore-not-found', status: 'done' },
    ])
    expect(await secretExists(kubeconfig, 'default-token')).toBe(false)
  })

  it('an API server paused with SIGSTOP ends the step with a timeout naming the command; after SIGCONT the lab answers again', async () => {
    const child = spawn('node', [BIN, 'run', '--kubeconfig', kubeconfig, '--timeout', '3', '--wait', '20', '--reporter', 'json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    // Pause once the Secret exists (step 09 is waiting for a controller that is not there).
    await waitForSecret(child.pid!)
    process.kill(-apiserverPid, 'SIGSTOP')
    const began = Date.now()
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    const tookMs = Date.now() - began
    process.kill(-apiserverPid, 'SIGCONT')
    expect(code).toBe(1)
    const report = JSON.parse(stdout) as JsonReport
    const step = report.steps.find((s) => s.status === 'failed')!
    expect(step.id).toBe('list-secrets-after')
    expect(step.error?.message).toBe(
      'list-secrets-after: the command did not finish within 3 s (is the API server answering?); raise --timeout if it is just slow.',
    )
    // Cleanup could not reach the paused server either, and says so instead of hanging.
    expect(report.cleanup).toEqual([
      expect.objectContaining({ describe: 'delete Secret default-token', status: 'failed', error: 'no answer within 3 s' }),
    ])
    expect(tookMs).toBeLessThan(15_000)
    // Recovery: the server answers again, and the Secret the report said was left is there to remove.
    expect((await kubectl(kubeconfig, ['get', '--raw', '/readyz'])).stdout).toBe('ok')
    expect(await secretExists(kubeconfig, 'default-token')).toBe(true)
    await kubectl(kubeconfig, ['delete', 'secret', 'default-token'])
  })

  it('a kubectl killed mid-step fails the step and cleanup still runs', async () => {
    const child = spawn('node', [BIN, 'run', '--kubeconfig', kubeconfig, '--wait', '20', '--reporter', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    await waitForSecret(child.pid!)
    // Step 09 reruns `kubectl get secrets` every 250 ms: kill one of them.
    let killed = false
    for (let i = 0; i < 100 && !killed; i++) {
      const { stdout: pids } = await execa('pgrep', ['-f', '(^|/)kubectl get secrets$'], { reject: false })
      for (const pid of pids.split('\n').filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL')
          killed = true
        } catch {
          // it finished first
        }
      }
      if (!killed) await new Promise((r) => setTimeout(r, 20))
    }
    expect(killed).toBe(true)
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code).toBe(1)
    const report = JSON.parse(stdout) as JsonReport
    expect(report.steps.find((s) => s.status === 'failed')?.error?.message).toMatch(/^list-secrets-after: the command exited with code (137|SIGKILL)/)
    expect(report.cleanup).toEqual([expect.objectContaining({ describe: 'delete Secret default-token', status: 'done' })])
    expect(await secretExists(kubeconfig, 'default-token')).toBe(false)
  })

  it('a second Ctrl-C during cleanup is explained, not obeyed; cleanup finishes', async () => {
    const child = spawn('node', [BIN, 'run', '--kubeconfig', kubeconfig, '--timeout', '4', '--wait', '20', '--reporter', 'plain'], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    await waitForSecret(child.pid!)
    // Pause the API server so cleanup is slow, then interrupt twice.
    process.kill(-apiserverPid, 'SIGSTOP')
    child.kill('SIGINT')
    for (let i = 0; i < 100 && !stdout.includes('Cleaning up'); i++) await new Promise((r) => setTimeout(r, 50))
    child.kill('SIGINT')
    await new Promise((r) => setTimeout(r, 300))
    process.kill(-apiserverPid, 'SIGCONT')
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code).toBe(130)
    expect(stderr).toContain(
      'still cleaning up (delete Secret default-token); leaving now would leave it on the cluster. Press Ctrl-C again to leave anyway.',
    )
    // The run did not leave at the second Ctrl-C: cleanup ran to its end and reported.
    expect(stdout).toMatch(/[✓✗] delete Secret default-token/)
    expect(stdout).toMatch(/■ interrupted \(Ctrl-C or SIGTERM\)/)
    await kubectl(kubeconfig, ['delete', 'secret', 'default-token', '--ignore-not-found'])
  })

  it('an API server stopped mid-run fails the step and the report names what it could not delete', async () => {
    const child = spawn('node', [BIN, 'run', '--kubeconfig', kubeconfig, '--timeout', '5', '--wait', '20', '--reporter', 'plain'], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    await waitForSecret(child.pid!)
    process.kill(-apiserverPid, 'SIGKILL')
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code).toBe(1)
    // kubectl words it by timing: "The connection to the server … was refused" when it
    // dials a dead server, "dial tcp …: connection refused - error from a previous
    // attempt: … connection reset by peer" when the kill lands mid-request.
    expect(stdout).toMatch(
      /✘ 09\/14 list-secrets-after .*: the command exited with code 1: (The connection to the server 127\.0\.0\.1:\d+ was refused|.*dial tcp 127\.0\.0\.1:\d+: connect: connection refused)/,
    )
    expect(stdout).toMatch(/✗ delete Secret default-token: The connection to the server 127\.0\.0\.1:\d+ was refused/)
    expect(stdout).toMatch(
      /! left on the cluster: Secret default-token \(The connection to the server 127\.0\.0\.1:\d+ was refused[^;]*; remove it with: kubectl delete secret default-token --ignore-not-found\)/,
    )
    const lab = JSON.parse(await readFile(join(dir, 'lab.json'), 'utf8')) as { components: Record<string, { pid: number }> }
    expect(lab.components['kube-apiserver']?.pid).toBe(apiserverPid)
    apiserverPid = 0
  })
})
