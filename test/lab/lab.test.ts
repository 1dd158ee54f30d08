import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LabError } from '../../src/errors.js'
import { findLabBinaries, labBinDir, type LabBinaries } from '../../src/lab/build.js'
import { labDown, labStatus, labUp } from '../../src/lab/lab.js'
import { startedLabProcesses, stopStartedLabProcesses } from '../../src/lab/processes.js'
import { liveProcesses } from '../helpers.js'

const binaries = await findLabBinaries()
const inCI = process.env.CI === 'true'
const missing = `no lab binaries in ${labBinDir()}; build them with \`npx kubewalk lab build\``
// The dispatcher's 1.33 client, as the article's `kubectl` resolves against this lab; the lab's own kubectl elsewhere.
const GCLOUD_KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33'

function labBinaries(): LabBinaries {
  if (!binaries) throw new Error(missing)
  return binaries
}

let root: string
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'kubewalk-lab-test-'))
})
afterAll(async () => {
  const leftover = await stopStartedLabProcesses()
  await rm(root, { recursive: true, force: true })
  expect(leftover, 'lab processes left running by a test').toEqual([])
})

describe.skipIf(!binaries && !inCI)(binaries || inCI ? 'lab' : `lab (skipped: ${missing})`, () => {
  it('comes up healthy, serves kubectl, refuses a second start, and goes down without a trace', async () => {
    const dir = path.join(root, 'up')
    const lines: string[] = []
    let t = Date.now()
    const state = await labUp({ dir, binaries: labBinaries(), onProgress: (line) => lines.push(line) })
    const upMs = Date.now() - t
    expect(lines.at(-1)).toMatch(/^lab ready in [\d.]+ s \(started \d{4}-\d\d-\d\dT/)

    expect(state.kubeconfig).toBe(path.join(dir, 'kubeconfig'))
    expect(state.clusterName).toBe('kubewalk-lab')
    expect(state.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    const pids = Object.values(state.components).map((c) => c!.pid)
    expect(pids).toHaveLength(3)

    const onDisk = JSON.parse(await readFile(path.join(dir, 'lab.json'), 'utf8'))
    expect(onDisk).toMatchObject({ version: 'v1.33.13', kubeconfig: state.kubeconfig, components: { etcd: state.components.etcd } })

    const status = await labStatus({ dir })
    expect(status.components.map((c) => [c.name, c.alive, c.healthy])).toEqual([
      ['etcd', true, true],
      ['kube-apiserver', true, true],
      ['kube-controller-manager', true, true],
    ])

    const kubectl = existsSync(GCLOUD_KUBECTL) ? GCLOUD_KUBECTL : labBinaries().kubectl
    const cacheDir = path.join(root, 'kube-cache')
    const readyz = await execa(kubectl, ['--kubeconfig', state.kubeconfig, '--cache-dir', cacheDir, 'get', '--raw', '/readyz'])
    expect(readyz.stdout).toBe('ok')
    const sa = await execa(kubectl, ['--kubeconfig', state.kubeconfig, '--cache-dir', cacheDir, 'get', 'serviceaccount', 'default', '-o', 'name'])
    expect(sa.stdout).toBe('serviceaccount/default')

    await expect(labUp({ dir, binaries: labBinaries() })).rejects.toThrow(/already running/)

    t = Date.now()
    expect(await labDown({ dir })).toEqual({ stopped: ['etcd', 'kube-apiserver', 'kube-controller-manager'], found: true })
    const downMs = Date.now() - t
    expect(existsSync(dir)).toBe(false)
    expect(await liveProcesses(dir)).toEqual([])
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow()
    expect(startedLabProcesses()).toEqual([])
    expect(await labDown({ dir }), 'a second labDown is a no-op').toEqual({ stopped: [], found: false })
    console.info(`labUp ${upMs} ms, labDown ${downMs} ms`)
  }, 60_000)

  it('cleans up everything when a component cannot start', async () => {
    const dir = path.join(root, 'bogus')
    const error: unknown = await labUp({ dir, binaries: { ...labBinaries(), kubeApiserver: '/bin/false' } }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LabError)
    const labError = error as LabError
    expect(labError.message).toMatch(/^kube-apiserver exited with code 1 while the lab was starting; see \S+kube-apiserver\.log\./)
    expect(labError.logFile).toMatch(/kube-apiserver\.log$/)
    expect(existsSync(labError.logFile!), 'the log outlives the removed lab directory').toBe(true)
    expect(existsSync(dir)).toBe(false)
    expect(await liveProcesses(dir)).toEqual([])
    expect(startedLabProcesses()).toEqual([])
    await rm(path.dirname(labError.logFile!), { recursive: true, force: true })
  }, 30_000)

  it('gives up after timeoutMs, naming the component that was not ready', async () => {
    const dir = path.join(root, 'slow')
    const error = (await labUp({ dir, binaries: labBinaries(), timeoutMs: 300 }).catch((e: unknown) => e)) as LabError
    expect(error).toBeInstanceOf(LabError)
    expect(error.message).toMatch(/^(etcd|kube-apiserver) was not ready within 0\.3 s \(.+\); see /)
    expect(existsSync(dir)).toBe(false)
    expect(startedLabProcesses()).toEqual([])
    await rm(path.dirname(error.logFile!), { recursive: true, force: true })
  }, 30_000)

  it('runs without kube-controller-manager, so no default ServiceAccount appears', async () => {
    const dir = path.join(root, 'no-cm')
    const state = await labUp({ dir, binaries: labBinaries(), controllerManager: false, clusterName: 'bare' })
    expect(state.components['kube-controller-manager']).toBeUndefined()
    const onDisk = JSON.parse(await readFile(path.join(dir, 'lab.json'), 'utf8'))
    expect(Object.keys(onDisk.components)).toEqual(['etcd', 'kube-apiserver'])
    const status = await labStatus({ dir })
    expect(status.components.map((c) => c.name)).toEqual(['etcd', 'kube-apiserver'])
    expect(status.components.every((c) => c.healthy)).toBe(true)
    const kubeconfig = await readFile(state.kubeconfig, 'utf8')
    expect(kubeconfig).toContain('current-context: bare')
    const sa = await execa(labBinaries().kubectl, ['--kubeconfig', state.kubeconfig, '--cache-dir', path.join(root, 'kube-cache'), 'get', 'serviceaccount', 'default'], { reject: false })
    expect(sa.stderr).toContain('NotFound')
    expect(await labDown({ dir })).toEqual({ stopped: ['etcd', 'kube-apiserver'], found: true })
    expect(existsSync(dir)).toBe(false)
  }, 60_000)

  it('never deletes a directory that is not a lab', async () => {
    const dir = path.join(root, 'not-a-lab')
    await mkdir(dir)
    await writeFile(path.join(dir, 'precious.txt'), 'keep me')
    await expect(labDown({ dir })).rejects.toThrow(/not a kubewalk lab; refusing to delete it/)
    await expect(labUp({ dir, binaries: labBinaries() })).rejects.toThrow(/not an empty directory or a kubewalk lab/)
    expect(await readFile(path.join(dir, 'precious.txt'), 'utf8')).toBe('keep me')
  })
})
