// The fault matrix ("a failure never looks like success"): for each of the article's 14 steps, a
// Ctrl-C, an API server killed and started again, and an API server paused past the run's timeout,
// each landing while that step runs. For every cell: the exit code, the time from the fault to the
// exit, what cleanup did, and what was left on the cluster once it answers again, which must be
// nothing or exactly what the report said it left. One lab of its own (it is damaged on purpose);
// the API server is restarted in it, never the whole lab.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findLabBinaries, DEFAULT_LAB_VERSION } from '../../src/platform/lab/index.js'
import { isCI } from './global-setup.js'
import { alive, faultLab, type ApiServer, type FaultLab } from './fault-matrix.lab.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
// Small limits keep the paused cells short; --wait covers step 14's 10 s token cache.
const TIMEOUT_S = 3
const WAIT_S = 15
const ATTEMPTS = 4
const STEPS = Array.from({ length: 14 }, (_, i) => String(i + 1).padStart(2, '0'))
// Steps 01–03 read only the kubeconfig: a server fault while they run is felt by step 04, the first
// line that calls the server.
const FIRST_SERVER_STEP = 4

type Fault = 'sigint' | 'kill' | 'pause'
const FAULTS: readonly Fault[] = ['sigint', 'kill', 'pause']

/** One cell as measured. */
interface Cell {
  step: string
  id: string
  fault: Fault
  exitCode: number | null
  /** From the fault to the run's exit. */
  ms: number
  /** The step the plain report marks failed first (undefined: none). */
  failedAt?: string
  /** Whether the fault was injected before the run reported the step's end. */
  inStep: boolean
  cleanup: { describe: string; ok: boolean; error?: string }[]
  /** What the report's `! left on the cluster:` line names, as kubectl names it (`secret/default-token`). */
  named: string[]
  /** Secrets in the namespace once the server answers again. */
  left: string[]
  attempts: number
  stdout: string
  stderr: string
}

const binaries = await findLabBinaries()
if (!binaries && isCI())
  throw new Error(`CI=${process.env.CI} and no lab binaries for ${DEFAULT_LAB_VERSION}: the fault matrix must not be skipped under CI`)

let bin = ''
let kubeconfig = ''
let apiserver: ApiServer | undefined
let others: number[] = []
let own: FaultLab | undefined
const runs = new Set<number>()
const cells: Cell[] = []

const kube = (args: string[]) => own!.kube(args)
const secrets = async (): Promise<string[]> => {
  const r = await kube(['get', 'secrets', '-n', 'default', '-o', 'name'])
  if (r.exitCode !== 0) throw new Error(`kubectl get secrets failed: ${r.stderr}`)
  return r.stdout.split('\n').filter(Boolean).sort()
}

beforeAll(async () => {
  if (!binaries) return
  own = await faultLab(ROOT, binaries, 'kubewalk-fault-matrix-')
  ;({ bin, kubeconfig, apiserver, others } = own)
  // A clean baseline: the controller manager has made the default ServiceAccount, and no Secret is there.
  expect(await secrets()).toEqual([])
})

afterAll(async () => {
  for (const pid of runs) signalGroup(pid, 'SIGKILL')
  await own?.down()
  if (cells.length > 0) process.stderr.write(table(cells))
})

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    // already gone
  }
}

/** One replay with one fault landing at the start of step `step`. */
async function runCell(step: string, fault: Fault): Promise<Omit<Cell, 'left' | 'attempts'>> {
  const server = apiserver!
  // Detached, so SIGINT goes to its whole process group, as a terminal's Ctrl-C does.
  const child = spawn(
    process.execPath,
    [bin, 'run', '--kubeconfig', kubeconfig, '--reporter', 'plain', '--timeout', String(TIMEOUT_S), '--wait', String(WAIT_S)],
    {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  )
  runs.add(child.pid!)
  let stdout = ''
  let injectedAt = 0
  let inStep = false
  let killed: Promise<void> | undefined
  let restarted: Promise<void> | undefined
  // The killed server is started again as soon as the run reports a failed step: so the fault is
  // always felt, and what follows (skipped steps, then cleanup) meets a server that is starting.
  const restart = () => (restarted ??= killed?.then(() => server.start()))
  const start = new RegExp(`^▶ ${step}/14 `, 'm')
  const end = new RegExp(`^[✔✘-] ${step}/14 `, 'm')
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString()
    if (injectedAt !== 0) {
      if (/^✘ /m.test(stdout.slice(stdout.search(start)))) void restart()
      return
    }
    if (!start.test(stdout)) return
    inStep = !end.test(stdout)
    injectedAt = performance.now()
    if (fault === 'sigint') signalGroup(child.pid!, 'SIGINT')
    else if (fault === 'pause') server.pause()
    else killed = server.kill()
  })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
  const bound = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 90_000).unref())
  const code = await Promise.race([exited, bound])
  const ms = Math.round(performance.now() - injectedAt)
  runs.delete(child.pid!)
  if (code === 'hung') signalGroup(child.pid!, 'SIGKILL')
  // The paused server resumes only after the run has ended (its timeouts spent).
  if (fault === 'pause') server.resume()
  await restart()
  const failedAt = /^✘ (\d\d)\/14 /m.exec(stdout)?.[1]
  const cleanup = [...stdout.matchAll(/^ {2}([✓✗]) (delete .+?)(?:: (.*))?$/gm)].map((m) => ({
    describe: m[2]!,
    ok: m[1] === '✓',
    ...(m[3] ? { error: m[3] } : {}),
  }))
  const leftLine = /^! left on the cluster: (.*)$/m.exec(stdout)?.[1] ?? ''
  const named = [...leftLine.matchAll(/(?:^|; )(\w+) (\S+) \(/g)].map((m) => `${m[1]!.toLowerCase()}/${m[2]}`).sort()
  const id = new RegExp(`^▶ ${step}/14 (\\S+)`, 'm').exec(stdout)?.[1] ?? '?'
  return {
    step,
    id,
    fault,
    exitCode: code === 'hung' ? null : code,
    ms: injectedAt === 0 ? -1 : ms,
    ...(failedAt ? { failedAt } : {}),
    inStep: injectedAt !== 0 && inStep,
    cleanup,
    named,
    stdout,
    stderr,
  }
}

/** Whether the fault was felt in the step it was aimed at (else the cell is run again). */
function landed(c: Omit<Cell, 'left' | 'attempts'>): boolean {
  if (!c.inStep) return false
  if (c.fault === 'sigint') return c.failedAt === c.step || (c.failedAt === undefined && new RegExp(`^- ${c.step}/14 `, 'm').test(c.stdout))
  return Number(c.failedAt ?? 0) === Math.max(Number(c.step), FIRST_SERVER_STEP)
}

async function measure(step: string, fault: Fault): Promise<Cell> {
  for (let attempt = 1; ; attempt++) {
    expect(await secrets(), 'a clean namespace before the cell').toEqual([])
    // CI once saw step 10's paused cell fail at step 09 four times: the token controller's watches
    // were still backing off from the cells before it. Each cell starts on a settled lab.
    const settledMs = await own!.controllerSettled()
    if (settledMs > 2_000)
      process.stderr.write(`[e2e] fault matrix: the controller manager filled a probe token ${settledMs} ms after the cell before ${step} ${fault}\n`)
    const c = await runCell(step, fault)
    await apiserver!.ready()
    const left = await secrets()
    // Whatever the run left is removed before the next cell (after it has been recorded and checked).
    for (const name of left) await kube(['delete', name, '--ignore-not-found'])
    const cell = { ...c, left, attempts: attempt }
    if (landed(c) || attempt === ATTEMPTS) return cell
    expect(left, `a fault that missed step ${step} still leaves only what was named`).toEqual(left.length === 0 ? [] : c.named)
    process.stderr.write(
      `[e2e] fault matrix: ${fault} missed step ${step} (failed at ${c.failedAt ?? 'none'}, exit ${c.exitCode}${c.ms === -1 ? ', the step never started' : ''}); again\n${c.stderr}`,
    )
  }
}

describe.skipIf(!binaries)(binaries ? 'fault matrix' : `fault matrix (skipped: no lab binaries for ${DEFAULT_LAB_VERSION})`, () => {
  it.each(STEPS.flatMap((step) => FAULTS.map((fault) => [step, fault] as const)))('step %s, %s', async (step, fault) => {
    const c = await measure(step, fault)
    cells.push(c)
    const why = `${fault} at step ${step}:\n${c.stdout}\n${c.stderr}`
    expect(c.inStep && landed(c), `the fault landed in step ${step} within ${ATTEMPTS} attempts (${why})`).toBe(true)
    expect(c.exitCode, why).toBe(fault === 'sigint' ? 130 : 1)
    if (fault === 'sigint') expect(c.stdout, why).toMatch(/^■ interrupted/m)
    else expect(c.stdout, why).toMatch(/^✘ failed: /m)
    // No hang: a Ctrl-C or a dead server ends the run at once; a paused one after a step's and a cleanup's timeout.
    expect(c.ms, why).toBeLessThan(fault === 'pause' ? (2 * TIMEOUT_S + 6) * 1000 : 6_000)
    if (fault === 'pause') expect(c.ms, why).toBeGreaterThan(TIMEOUT_S * 1000 - 500)
    // What a failed cleanup named is what the report's last line names, and nothing else is left.
    expect(c.named, why).toEqual(
      c.cleanup
        .filter((x) => !x.ok)
        .map((x) => `${x.describe.split(' ')[1]!.toLowerCase()}/${x.describe.split(' ')[2]}`)
        .sort(),
    )
    expect(
      c.left.length === 0 || JSON.stringify(c.left) === JSON.stringify(c.named),
      `left ${JSON.stringify(c.left)}, named ${JSON.stringify(c.named)} (${why})`,
    ).toBe(true)
    // Only the API server was disturbed: etcd and the controller manager ran throughout.
    expect(others.every(alive)).toBe(true)
  })
})

/** The measured matrix: one `[e2e] fault matrix` line per cell, then the README's table. */
function table(all: Cell[]): string {
  const show = (c: Cell | undefined): string => {
    if (!c) return 'not run'
    const cleanup = c.cleanup.length === 0 ? '—' : c.cleanup.every((x) => x.ok) ? 'done' : 'failed'
    const left =
      c.left.length === 0
        ? 'nothing'
        : c.left.map((l) => l.replace('secret/', 'Secret ')).join(', ') +
          (JSON.stringify(c.left) === JSON.stringify(c.named) ? ' (named)' : ' (NOT named)')
    return `${c.exitCode ?? 'hung'} / ${(c.ms / 1000).toFixed(1)} s / ${cleanup} / ${left}`
  }
  const lines = all.map(
    (c) =>
      `[e2e] fault matrix ${c.step} ${c.id} ${c.fault}: exit ${c.exitCode}, ${c.ms} ms to exit, failed at ${c.failedAt ?? '—'}, cleanup ${JSON.stringify(c.cleanup)}, left ${JSON.stringify(c.left)}, attempts ${c.attempts}`,
  )
  const rows = STEPS.map((s) => {
    const of = (f: Fault) => all.find((c) => c.step === s && c.fault === f)
    const id = all.find((c) => c.step === s)?.id ?? '?'
    return `| ${s} ${id} | ${show(of('sigint'))} | ${show(of('kill'))} | ${show(of('pause'))} |`
  })
  return `${lines.join('\n')}\n[e2e] fault matrix (exit / seconds from fault to exit / cleanup / left on the cluster):\n| step | SIGINT | API server killed, restarted | API server paused, resumed after the run |\n|---|---|---|---|\n${rows.join('\n')}\n`
}
