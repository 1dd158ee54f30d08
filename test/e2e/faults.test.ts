// Faults, on a lab of its own (it is damaged on purpose): no kube-controller-manager, an API server
// paused with SIGSTOP, an API server killed mid-run. Each must end in a clear sentence, not a hang.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
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

/** A `kubewalk run` in a child process, its output gathered and its end caught from the start. */
interface Run {
  child: ChildProcess
  stdout: string
  stderr: string
  /** Its exit code, once it has ended (null: killed by a signal). */
  code?: number | null
  ended: Promise<number | null>
}

/**
 * Starts a run. Its end is listened for at once: a run that ends before the test awaits it (a fault that lands after
 * its last step) must not leave the test waiting for a 'close' that has already been emitted.
 */
function startRun(args: string[]): Run {
  const child = spawn('node', [BIN, 'run', '--kubeconfig', kubeconfig, ...args], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const run: Run = { child, stdout: '', stderr: '', ended: Promise.resolve(null) }
  child.stdout!.on('data', (d: Buffer) => (run.stdout += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (run.stderr += d.toString()))
  run.ended = new Promise((resolve) => child.on('close', (code) => resolve((run.code = code))))
  return run
}

/** What a run that did not do what the test waited for printed last, for the test's message. */
const lastWords = (run: Run): string => `${run.stdout}${run.stderr}`.trim().split('\n').slice(-3).join(' / ')

/** The run's exit code, or a failure naming what it printed if it has not ended within `ms` (then it is killed). */
async function exitOf(run: Run, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)))
  const code = await Promise.race([run.ended, late]).finally(() => clearTimeout(timer))
  if (code !== 'late') return code
  run.child.kill('SIGKILL')
  throw new Error(`the run did not exit within ${ms / 1000} s of its fault; it printed last: ${lastWords(run)}`)
}

/** Why a wait for the run gave up early: it had ended. */
const endedNote = (run: Run): string => (run.code === undefined ? '' : ` (the run ended with exit code ${run.code}: ${lastWords(run)})`)

/** Until step 08 of `run` has created the Secret, and its guard has recorded it (bounded: 20 s). */
async function waitForSecret(run: Run): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await secretExists(kubeconfig, 'default-token').catch(() => false)) return await guardDone(run)
    if (run.code !== undefined) break
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`the replay never created default-token${endedNote(run)}`)
}

/**
 * Step 08's apply goes through the run's kubectl guard, which reads the new Secret's uid back after the call: the Secret
 * exists a moment before that read ends. A fault aimed at step 09 waits for the read's record in the run's ledger (in
 * its scratch folder, the one its pid owns), or it lands in that read and the step reports the guard's failure instead.
 */
async function guardDone(run: Run): Promise<void> {
  for (let i = 0; i < 400 && run.code === undefined; i++) {
    for (const name of (await readdir(tmpdir())).filter((n) => n.startsWith(SCRATCH_PREFIX))) {
      const owner = await readFile(join(tmpdir(), name, PID_FILE), 'utf8').catch(() => '')
      if (Number(owner.trim()) !== run.child.pid) continue
      const ledger = await readLedger(join(tmpdir(), name, 'guard')).catch(() => undefined)
      if (ledger?.created.some((o) => o.name === 'default-token')) return
    }
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`the guard of run ${run.child.pid} never recorded default-token${endedNote(run)}`)
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
/** Lets a paused API server go on (nothing when it runs, or is gone). */
function resume(): void {
  if (!apiserverPid) return
  try {
    process.kill(-apiserverPid, 'SIGCONT')
  } catch {
    // already gone
  }
}
/** Pauses the API server, sends Ctrl-C, and once cleanup has begun (or the run ended) a second one; then lets the server go on. */
async function interruptTwicePaused(run: Run): Promise<void> {
  process.kill(-apiserverPid, 'SIGSTOP')
  run.child.kill('SIGINT')
  for (let i = 0; i < 100 && !run.stdout.includes('Cleaning up') && run.code === undefined; i++) await new Promise((r) => setTimeout(r, 50))
  run.child.kill('SIGINT')
  await new Promise((r) => setTimeout(r, 300))
  resume()
}
// A test that fails half-way must not hand the next one a paused server or its Secret: with default-token already
// there, the next run stops at step 07 and a fault aimed at step 09 never lands where it is aimed.
afterEach(async () => {
  if (!apiserverPid) return
  resume()
  await kubectl(kubeconfig, ['delete', 'secret', 'default-token', '--ignore-not-found'])
})
afterAll(async () => {
  resume()
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
    const run = startRun(['--timeout', '3', '--wait', '20', '--reporter', 'json'])
    // Pause once the Secret exists (step 09 is waiting for a controller that is not there).
    await waitForSecret(run)
    process.kill(-apiserverPid, 'SIGSTOP')
    const began = Date.now()
    const code = await exitOf(run, 60_000)
    const tookMs = Date.now() - began
    resume()
    expect(code).toBe(1)
    const report = JSON.parse(run.stdout) as JsonReport
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
    const run = startRun(['--wait', '20', '--reporter', 'json'])
    await waitForSecret(run)
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
    const code = await exitOf(run, 60_000)
    expect(code).toBe(1)
    const report = JSON.parse(run.stdout) as JsonReport
    expect(report.steps.find((s) => s.status === 'failed')?.error?.message).toMatch(/^list-secrets-after: the command exited with code (137|SIGKILL)/)
    expect(report.cleanup).toEqual([expect.objectContaining({ describe: 'delete Secret default-token', status: 'done' })])
    expect(await secretExists(kubeconfig, 'default-token')).toBe(false)
  })

  it('a second Ctrl-C during cleanup is explained, not obeyed; cleanup finishes', async () => {
    const run = startRun(['--timeout', '4', '--wait', '20', '--reporter', 'plain'])
    await waitForSecret(run)
    // Pause the API server so cleanup is slow, then interrupt twice.
    await interruptTwicePaused(run)
    const code = await exitOf(run, 60_000)
    expect(code).toBe(130)
    expect(run.stderr).toContain(
      'still cleaning up (delete Secret default-token); leaving now would leave it on the cluster. Press Ctrl-C again to leave anyway.',
    )
    // The run did not leave at the second Ctrl-C: cleanup ran to its end and reported.
    expect(run.stdout).toMatch(/[✓✗] delete Secret default-token/)
    expect(run.stdout).toMatch(/■ interrupted \(Ctrl-C or SIGTERM\)/)
  })

  it("a run that finds a default-token of the user's, paused and interrupted twice at step 07, ends and leaves that Secret as it was", async () => {
    // What an earlier failed run can leave: step 07 refuses to go on, and a fault after that lands on a run already ending.
    const seeded = await kubectl(
      kubeconfig,
      ['apply', '-f', '-'],
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: default-token\n  annotations:\n    kubernetes.io/service-account.name: default\ntype: kubernetes.io/service-account-token\n',
    )
    expect(seeded.exitCode).toBe(0)
    const uid = (await kubectl(kubeconfig, ['get', 'secret', 'default-token', '-o', 'jsonpath={.metadata.uid}'])).stdout
    const run = startRun(['--timeout', '4', '--wait', '20', '--reporter', 'plain'])
    for (let i = 0; i < 400 && !run.stdout.includes('▶ 07/14') && run.code === undefined; i++) await new Promise((r) => setTimeout(r, 50))
    expect(run.stdout, lastWords(run)).toContain('▶ 07/14')
    await interruptTwicePaused(run)
    // Stopped in step 07 (130), or step 07 refused before the Ctrl-C reached it (2); either way within its bounds.
    const code = await exitOf(run, 60_000)
    expect([2, 130], lastWords(run)).toContain(code)
    expect(run.stdout).toMatch(/^✘ 07\/14 list-secrets-before/m)
    // The run created nothing, so it has nothing to clean up; the user's Secret is the one that was there.
    expect(run.stdout).not.toContain('Cleaning up')
    expect((await kubectl(kubeconfig, ['get', 'secret', 'default-token', '-o', 'jsonpath={.metadata.uid}'])).stdout).toBe(uid)
  })

  it('an API server stopped mid-run fails the step and the report names what it could not delete', async () => {
    const run = startRun(['--timeout', '5', '--wait', '20', '--reporter', 'plain'])
    await waitForSecret(run)
    process.kill(-apiserverPid, 'SIGKILL')
    const code = await exitOf(run, 60_000)
    const stdout = run.stdout
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
