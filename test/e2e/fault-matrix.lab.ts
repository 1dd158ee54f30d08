// The fault matrix's hands on its lab's API server: kill it and start it again with the very argv
// it ran with (its certificates and etcd stay in the lab directory), pause and resume it, and wait
// until it answers. lab.json is left as labUp wrote it; the servers started here are stopped here.
import { spawn } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { copyFile, cp, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { execa } from 'execa'
import { labDown, labUp, type LabBinaries } from '../../src/platform/lab/index.js'

/** The lab's own kubectl, by its path: the fault tests' own calls never depend on PATH. */
export async function lab(kubectl: string, kubeconfig: string, args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const r = await execa(kubectl, ['--kubeconfig', kubeconfig, '--request-timeout', '5s', ...args], {
    reject: false,
    stdin: 'ignore',
    timeout: 15_000,
  })
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr }
}

/** True while `pid` runs (a zombie, or no such process, is not running). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  return !/^\d+ \(.*\) Z/s.test(readStat(pid))
}

function readStat(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return ''
  }
}

export class ApiServer {
  /** Groups this class started (the first server is labUp's, and labDown stops it). */
  private readonly started = new Set<number>()

  private constructor(
    private readonly dir: string,
    private readonly kubeconfig: string,
    private readonly kubectl: string,
    private readonly argv: string[],
    public pid: number,
  ) {}

  /** The running server of the lab in `dir`, with the argv read from /proc. */
  static async adopt(dir: string, kubeconfig: string, kubectl: string, pid: number): Promise<ApiServer> {
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter((a) => a !== '')
    if (!argv[0]?.endsWith('kube-apiserver')) throw new Error(`pid ${pid} is not a kube-apiserver: ${argv.join(' ')}`)
    return new ApiServer(dir, kubeconfig, kubectl, argv, pid)
  }

  pause(): void {
    this.signal('SIGSTOP')
  }

  resume(): void {
    this.signal('SIGCONT')
  }

  /** SIGKILL, then until the process is gone (its port is free again). */
  async kill(): Promise<void> {
    this.signal('SIGKILL')
    for (let i = 0; i < 200 && alive(this.pid); i++) await sleep(10)
    if (alive(this.pid)) throw new Error(`kube-apiserver ${this.pid} outlived SIGKILL by 2 s`)
    this.started.delete(this.pid)
  }

  /** The same argv again, detached in its own process group, output appended to a log in the lab directory. */
  start(): void {
    const fd = openSync(join(this.dir, 'kube-apiserver.restarted.log'), 'a')
    try {
      const child = spawn(this.argv[0]!, this.argv.slice(1), { cwd: this.dir, detached: true, stdio: ['ignore', fd, fd] })
      child.unref()
      if (child.pid === undefined) throw new Error(`could not start ${this.argv[0]}`)
      this.pid = child.pid
      this.started.add(child.pid)
    } finally {
      closeSync(fd)
    }
  }

  /** Until /readyz answers ok (bounded: 60 s). */
  async ready(): Promise<void> {
    const deadline = Date.now() + 60_000
    while (Date.now() < deadline) {
      const r = await lab(this.kubectl, this.kubeconfig, ['get', '--raw', '/readyz'])
      if (r.exitCode === 0 && r.stdout.trim() === 'ok') return
      await sleep(200)
    }
    throw new Error(`the lab's API server did not answer /readyz within 60 s (pid ${this.pid}, alive: ${alive(this.pid)})`)
  }

  /** Stops the servers this class started (the lab's first one is labDown's); never leaves one paused. */
  async stop(): Promise<void> {
    this.resume()
    for (const pid of this.started) {
      try {
        process.kill(-pid, 'SIGTERM')
      } catch {
        continue
      }
      for (let i = 0; i < 100 && alive(pid); i++) await sleep(50)
      try {
        process.kill(-pid, 'SIGKILL')
      } catch {
        // gone
      }
    }
    this.started.clear()
  }

  private signal(sig: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, sig)
    } catch {
      // already gone
    }
  }
}

/**
 * A copy of the built CLI (bin/kubewalk.js and dist/bundle; the package's other files linked), so a
 * rebuild of dist/ by someone else during the matrix's minutes cannot pull the CLI from under a run.
 */
export async function snapshotCli(root: string, into: string): Promise<string> {
  const bin = join(into, 'bin', 'kubewalk.js')
  for (let attempt = 1; ; attempt++) {
    await rm(into, { recursive: true, force: true })
    await mkdir(join(into, 'bin'), { recursive: true })
    await copyFile(join(root, 'bin', 'kubewalk.js'), bin)
    await cp(join(root, 'dist', 'bundle'), join(into, 'dist', 'bundle'), { recursive: true }).catch(() => {})
    for (const entry of await readdir(root)) {
      if (!['bin', 'dist', '.git'].includes(entry)) await symlink(join(root, entry), join(into, entry))
    }
    const r = await execa(process.execPath, [bin, '--version'], { reject: false, stdin: 'ignore' })
    if (r.exitCode === 0) return bin
    if (attempt === 10) throw new Error(`the built CLI does not start (npm run -s build?): ${r.stderr}`)
    await sleep(2_000)
  }
}

/** A lab of a fault test's own: a snapshot of the CLI, the lab, its adopted API server, the other components' pids. */
export interface FaultLab {
  parent: string
  bin: string
  kubeconfig: string
  apiserver: ApiServer
  /** etcd's and kube-controller-manager's pids: they must run throughout. */
  others: number[]
  kube(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>
  /**
   * Until kube-controller-manager fills a fresh token Secret in kube-system (bounded: 120 s); the ms
   * it took. After an API server was killed or paused, the controller manager's watches come back
   * on client-go's growing backoff, and a cell must not start before they are back: its step 09
   * would then fail on the lab, not on the fault.
   */
  controllerSettled(): Promise<number>
  down(): Promise<void>
}

const PROBE = 'kubewalk-settle-probe'
const PROBE_MANIFEST = `apiVersion: v1
kind: Secret
metadata:
  name: ${PROBE}
  namespace: kube-system
  annotations:
    kubernetes.io/service-account.name: default
type: kubernetes.io/service-account-token
`

/** Starts it (labUp returns once the default ServiceAccount exists: a clean baseline for a fault test). */
export async function faultLab(root: string, binaries: LabBinaries, prefix: string): Promise<FaultLab> {
  const parent = await mkdtemp(join(tmpdir(), prefix))
  const bin = await snapshotCli(root, join(parent, 'cli'))
  const dir = join(parent, 'lab')
  const state = await labUp({ dir, binaries })
  const apiserver = await ApiServer.adopt(dir, state.kubeconfig, binaries.kubectl, state.components['kube-apiserver']!.pid)
  const kube = (args: string[]) => lab(binaries.kubectl, state.kubeconfig, args)
  return {
    parent,
    bin,
    kubeconfig: state.kubeconfig,
    apiserver,
    others: [state.components.etcd!.pid, state.components['kube-controller-manager']!.pid],
    kube,
    controllerSettled: async () => {
      const started = performance.now()
      const manifest = join(parent, 'settle-probe.yaml')
      await writeFile(manifest, PROBE_MANIFEST)
      await kube(['delete', '-n', 'kube-system', 'secret', PROBE, '--ignore-not-found'])
      const created = await kube(['create', '-f', manifest])
      if (created.exitCode !== 0) throw new Error(`could not create the probe Secret: ${created.stderr}`)
      try {
        while (performance.now() - started < 120_000) {
          const r = await kube(['get', '-n', 'kube-system', 'secret', PROBE, '-o', 'jsonpath={.data.token}'])
          if (r.exitCode === 0 && r.stdout.trim() !== '') return Math.round(performance.now() - started)
          await sleep(100)
        }
        throw new Error(`kube-controller-manager did not fill the probe token Secret kube-system/${PROBE} within 120 s`)
      } finally {
        await kube(['delete', '-n', 'kube-system', 'secret', PROBE, '--ignore-not-found'])
      }
    },
    down: async () => {
      await apiserver.stop()
      await labDown({ dir })
      await rm(parent, { recursive: true, force: true })
    },
  }
}
