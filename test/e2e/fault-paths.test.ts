// The fault matrix, extended to the paths the review touched: --isolate runs and a deleting step run
// without its creating step, each with a Ctrl-C landing in it; and a load case, eight --isolate runs
// while the API server is paused for 5 s mid-run. Every run ends with a truthful exit code (0 only if
// every step passed and every cleanup was done; 1 when a step failed or something is left, named;
// 130 on a signal), and no namespace of theirs is left. One lab of its own (its API server is paused).
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findLabBinaries, DEFAULT_LAB_VERSION } from '../../src/platform/lab/index.js'
import { isCI } from './global-setup.js'
import { faultLab, type ApiServer, type FaultLab } from './fault-matrix.lab.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const binaries = await findLabBinaries()
if (!binaries && isCI())
  throw new Error(`CI=${process.env.CI} and no lab binaries for ${DEFAULT_LAB_VERSION}: the fault paths must not be skipped under CI`)

let bin = ''
let kubeconfig = ''
let apiserver: ApiServer | undefined
let own: FaultLab | undefined
const kube = (args: string[]) => own!.kube(args)

beforeAll(async () => {
  if (!binaries) return
  own = await faultLab(ROOT, binaries, 'kubewalk-fault-paths-')
  ;({ bin, kubeconfig, apiserver } = own)
})

afterAll(async () => own?.down())

interface Ended {
  code: number | null
  stdout: string
  stderr: string
}

/** A replay in a process group of its own (SIGINT to the group, as a terminal's Ctrl-C), with the lab's kubectl. */
function replay(args: string[], onStdout?: (all: string, pid: number) => void, env: Record<string, string> = {}): Promise<Ended> {
  const child = spawn(process.execPath, [bin, 'run', '--kubeconfig', kubeconfig, '--kubectl', binaries!.kubectl, '--reporter', 'plain', ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString()
    onStdout?.(stdout, child.pid!)
  })
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()))
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 240_000)
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    }),
  )
}

/** One Ctrl-C, as soon as the report shows step `id` starting. */
function ctrlCAt(id: string): (all: string, pid: number) => void {
  let sent = false
  return (all, pid) => {
    if (sent || !new RegExp(`^▶ \\d+/\\d+ ${id} `, 'm').test(all)) return
    sent = true
    process.kill(-pid, 'SIGINT')
  }
}

/** The namespaces kubewalk made that are still there (Terminating ones included), after waiting for them to go. */
async function kubewalkNamespaces(waitMs = 120_000): Promise<string[]> {
  const deadline = Date.now() + waitMs
  for (;;) {
    const r = await kube(['get', 'namespaces', '-l', 'app.kubernetes.io/managed-by=kubewalk', '-o', 'name'])
    const names = r.stdout.split('\n').filter(Boolean)
    if (names.length === 0 || Date.now() > deadline) return names
    await new Promise((r) => setTimeout(r, 1000))
  }
}

/** What a plain report says about how the run ended. */
function verdict(e: Ended): { passed: boolean; failed: boolean; interrupted: boolean; left: boolean; cleanupFailed: boolean } {
  return {
    passed: /^✔ 14 passed, 0 failed, 0 skipped/m.test(e.stdout),
    failed: /^✘ failed: /m.test(e.stdout),
    interrupted: /^■ interrupted/m.test(e.stdout),
    left: /^! left on the cluster: /m.test(e.stdout),
    cleanupFailed: /^ {2}✗ /m.test(e.stdout),
  }
}

describe.skipIf(!binaries)(binaries ? 'fault paths' : `fault paths (skipped: no lab binaries for ${DEFAULT_LAB_VERSION})`, () => {
  it.each(['create-token', 'apply-token-secret', 'list-secrets-after', 'delete-token-secret'])(
    '--isolate with Ctrl-C landing in step %s: exit 130, its namespace deleted',
    async (step) => {
      const e = await replay(['--isolate'], ctrlCAt(step))
      const why = `${e.stdout}\n${e.stderr}`
      expect(e.code, why).toBe(130)
      expect(verdict(e).interrupted, why).toBe(true)
      const ns = /namespace (kubewalk-[0-9a-f]{8})/.exec(e.stderr)?.[1]
      expect(ns, why).toBeDefined()
      expect(e.stdout, why).toMatch(new RegExp(`^ {2}✓ delete namespace ${ns}$`, 'm'))
      expect(await kubewalkNamespaces(), why).toEqual([])
    },
  )

  it("a deleting step run alone over the user's object, with a Ctrl-C as it starts: it stays, and the run says why it stopped", async () => {
    await kube(['create', 'secret', 'generic', 'default-token', '--from-literal=mine=yes'])
    try {
      const e = await replay(['--only', 'delete-token-secret'], ctrlCAt('delete-token-secret'))
      const why = `${e.stdout}\n${e.stderr}`
      // The refusal comes before any line runs; a Ctrl-C that lands first makes it an interruption.
      expect([2, 130], why).toContain(e.code)
      expect((await kube(['get', 'secret', 'default-token', '-o', 'jsonpath={.data.mine}'])).stdout).toBe(Buffer.from('yes').toString('base64'))
    } finally {
      await kube(['delete', 'secret', 'default-token', '--ignore-not-found'])
    }
  })

  it('--from 03 (the cluster chosen in the shell) with a Ctrl-C landing in its deleting step 13: what step 08 made is removed, exit 130', async () => {
    const e = await replay(['--from', '03'], ctrlCAt('delete-token-secret'), { CLUSTER_NAME: 'kubewalk-lab' })
    const why = `${e.stdout}\n${e.stderr}`
    expect(e.code, why).toBe(130)
    expect((await kube(['get', 'secrets', '-o', 'name'])).stdout.trim(), why).toBe('')
  })

  it('eight --isolate runs while the API server is paused for 5 s mid-run: each exit code tells the truth, no namespace is left', async () => {
    let paused = false
    const pauseOnce = (all: string): void => {
      if (paused || !/^▶ 05\/14 call-api /m.test(all)) return
      paused = true
      apiserver!.pause()
      setTimeout(() => apiserver!.resume(), 5_000)
    }
    const began = performance.now()
    const runs = await Promise.all(Array.from({ length: 8 }, () => replay(['--isolate', '--timeout', '20', '--wait', '60'], pauseOnce)))
    expect(paused).toBe(true)
    const summary = runs.map((e) => ({ code: e.code, ...verdict(e) }))
    process.stderr.write(
      `[e2e] fault paths: 8 --isolate runs with a 5 s pause, ${Math.round((performance.now() - began) / 1000)} s: exits ${runs.map((e) => e.code).join(' ')}\n`,
    )
    for (const [i, e] of runs.entries()) {
      const v = summary[i]!
      const why = `run ${i}: ${e.stdout}\n${e.stderr}`
      expect([0, 1], why).toContain(e.code)
      if (e.code === 0) expect(v.passed && !v.cleanupFailed && !v.left, why).toBe(true)
      if (e.code === 1) expect(v.failed || v.left, why).toBe(true)
      if (v.left) expect(e.code, why).toBe(1)
    }
    expect(await kubewalkNamespaces()).toEqual([])
  })
})
