import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import https from 'node:https'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LabError } from '../../../src/core/errors.js'
import { findLabBinaries, labBinDir, type LabBinaries } from '../../../src/platform/lab/build.js'
import { labDown, labStatus, labUp } from '../../../src/platform/lab/lab.js'
import { freePorts } from '../../../src/platform/lab/ports.js'
import { startedLabProcesses, stopStartedLabProcesses } from '../../../src/platform/lab/processes.js'
import { liveProcesses } from '../../helpers.js'

const binaries = await findLabBinaries(process.env.KUBEWALK_LAB_VERSION)
const inCI = process.env.CI === 'true'
const missing = `no lab binaries in ${labBinDir()}; build them with \`npx kubewalk lab build\``

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
    expect(onDisk).toMatchObject({ version: labBinaries().version, kubeconfig: state.kubeconfig, components: { etcd: state.components.etcd } })

    const status = await labStatus({ dir })
    expect(status.version).toBe(labBinaries().version)
    expect(status.components.map((c) => [c.name, c.alive, c.healthy])).toEqual([
      ['etcd', true, true],
      ['kube-apiserver', true, true],
      ['kube-controller-manager', true, true],
    ])

    const kubectl = labBinaries().kubectl
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

  it('serves etcd only to clients with a certificate from its own CA, and listens on loopback only', async () => {
    const dir = path.join(root, 'tls')
    const state = await labUp({ dir, binaries: labBinaries() })
    try {
      const pki = path.join(dir, 'pki')
      const pem = async (name: string) => readFile(path.join(pki, name))
      const etcd = `https://127.0.0.1:${state.components.etcd!.port}`
      const etcdCa = await pem('etcd-ca.crt')
      // The etcd v3 API over its JSON gateway: a range over every Secret, keys only.
      const secrets = {
        key: Buffer.from('/registry/secrets/').toString('base64'),
        range_end: Buffer.from('/registry/secrets0').toString('base64'),
        keys_only: true,
      }

      const withCert = await request(
        `${etcd}/v3/kv/range`,
        { ca: etcdCa, cert: await pem('etcd-healthcheck-client.crt'), key: await pem('etcd-healthcheck-client.key') },
        secrets,
      )
      expect(withCert.status).toBe(200)
      expect(JSON.parse(withCert.body).header).toBeDefined()

      const refused = [
        ['no client certificate', await request(`${etcd}/v3/kv/range`, { ca: etcdCa }, secrets)],
        [
          "the cluster CA's admin certificate",
          await request(`${etcd}/v3/kv/range`, { ca: etcdCa, cert: await pem('admin.crt'), key: await pem('admin.key') }, secrets),
        ],
        ['plain HTTP', await request(`http://127.0.0.1:${state.components.etcd!.port}/v3/kv/range`, {}, secrets)],
      ] as const
      for (const [who, answer] of refused) expect(answer.status, `${who}: ${answer.body}`).not.toBe(200)

      // kube-apiserver and kube-controller-manager: anonymous requests get health, nothing sensitive.
      const ca = await pem('ca.crt')
      expect((await request(`${state.server}/api/v1/secrets`, { ca })).status).toBe(403)
      const cm = `https://127.0.0.1:${state.components['kube-controller-manager']!.port}`
      expect((await request(`${cm}/healthz`, { ca })).status).toBe(200)
      for (const p of ['/metrics', '/configz', '/debug/pprof/']) expect((await request(`${cm}${p}`, { ca })).status, p).toBe(403)

      const listening = await listeningAddresses(Object.values(state.components).map((c) => c!.pid))
      expect(listening.length).toBeGreaterThanOrEqual(4)
      expect(
        listening.filter((a) => !a.startsWith('127.0.0.1:')),
        'listeners beyond loopback',
      ).toEqual([])
    } finally {
      await labDown({ dir })
    }
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
    const sa = await execa(
      labBinaries().kubectl,
      ['--kubeconfig', state.kubeconfig, '--cache-dir', path.join(root, 'kube-cache'), 'get', 'serviceaccount', 'default'],
      { reject: false },
    )
    expect(sa.stderr).toContain('NotFound')
    expect(await labDown({ dir })).toEqual({ stopped: ['etcd', 'kube-apiserver'], found: true })
    expect(existsSync(dir)).toBe(false)
  }, 60_000)

  // What a start killed between spawning etcd and recording its pid leaves: lab.json as labUp writes it before anything
  // starts, and a real etcd of the lab's build, its own process group's leader, whose data directory is in the lab's.
  async function interruptedStart(name: string): Promise<{ dir: string; pid: number }> {
    const dir = path.join(root, name)
    await mkdir(dir, { mode: 0o700 })
    await writeFile(
      path.join(dir, 'lab.json'),
      JSON.stringify({
        version: labBinaries().version,
        kubeconfig: path.join(dir, 'kubeconfig'),
        dir,
        clusterName: 'kubewalk-lab',
        server: 'https://127.0.0.1:1',
        status: 'starting',
        startedAt: new Date().toISOString(),
        components: {},
      }),
    )
    const [client, peer] = (await freePorts(2)) as [number, number]
    const etcd = spawn(
      labBinaries().etcd,
      [
        `--data-dir=${path.join(dir, 'etcd-data')}`,
        `--listen-client-urls=http://127.0.0.1:${client}`,
        `--advertise-client-urls=http://127.0.0.1:${client}`,
        `--listen-peer-urls=http://127.0.0.1:${peer}`,
        '--log-level=error',
      ],
      { detached: true, stdio: 'ignore' },
    )
    etcd.unref()
    const pid = etcd.pid!
    for (let i = 0; i < 100 && !existsSync(path.join(dir, 'etcd-data', 'member')); i++) await new Promise((r) => setTimeout(r, 50))
    expect(existsSync(path.join(dir, 'etcd-data', 'member')), 'the stray etcd started').toBe(true)
    return { dir, pid }
  }
  const running = (pid: number) => {
    try {
      process.kill(pid, 0)
      return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
    } catch {
      return false
    }
  }

  it('stops an etcd an interrupted start left unrecorded: lab up in that directory, and lab down', async () => {
    const strays: number[] = []
    try {
      const again = await interruptedStart('interrupted-up')
      strays.push(again.pid)
      const lines: string[] = []
      await labUp({ dir: again.dir, binaries: labBinaries(), onProgress: (l) => lines.push(l) })
      expect(running(again.pid)).toBe(false)
      expect(lines).toContain(`stopped etcd (pid ${again.pid}) left running, unrecorded, by an interrupted lab up`)
      await labDown({ dir: again.dir })

      const down = await interruptedStart('interrupted-down')
      strays.push(down.pid)
      expect(await labDown({ dir: down.dir })).toEqual({ stopped: [`etcd (pid ${down.pid})`], found: true })
      expect(running(down.pid)).toBe(false)
      expect(existsSync(down.dir)).toBe(false)
    } finally {
      for (const pid of strays) if (running(pid)) process.kill(-pid, 'SIGKILL')
    }
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

/** An HTTP(S) answer, or status 0 with the error's code when the connection or TLS handshake is refused. */
function request(url: string, tls: { ca?: Buffer; cert?: Buffer; key?: Buffer }, json?: unknown): Promise<{ status: number; body: string }> {
  const body = json === undefined ? undefined : JSON.stringify(json)
  return new Promise((resolve) => {
    const get = url.startsWith('https:') ? https.request : (http.request as typeof https.request)
    const req = get(
      url,
      { method: body ? 'POST' : 'GET', agent: false, timeout: 5_000, ...tls, ...(body ? { headers: { 'content-type': 'application/json' } } : {}) },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (text += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
        res.on('error', (e: NodeJS.ErrnoException) => resolve({ status: 0, body: e.code ?? e.message }))
      },
    )
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ status: 0, body: e.code ?? e.message }))
    req.end(body)
  })
}

/** Every TCP address the processes listen on, from their socket inodes and /proc/net/tcp{,6}. */
async function listeningAddresses(pids: number[]): Promise<string[]> {
  const inodes = new Set<string>()
  for (const pid of pids) {
    for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
      const m = /^socket:\[(\d+)\]$/.exec(await readlink(`/proc/${pid}/fd/${fd}`).catch(() => ''))
      if (m) inodes.add(m[1]!)
    }
  }
  const out: string[] = []
  for (const [file, v6] of [
    ['/proc/net/tcp', false],
    ['/proc/net/tcp6', true],
  ] as const) {
    for (const line of (await readFile(file, 'utf8').catch(() => '')).split('\n').slice(1)) {
      const f = line.trim().split(/\s+/)
      // local_address rem_address st … inode; st 0A is LISTEN.
      if (f[3] !== '0A' || !inodes.has(f[9] ?? '')) continue
      const [hex, port] = f[1]!.split(':') as [string, string]
      const addr = v6
        ? hex === '00000000000000000000000001000000'
          ? '::1'
          : hex === '0'.repeat(32)
            ? '::'
            : hex
        : hex
            .match(/../g)!
            .reverse()
            .map((b) => parseInt(b, 16))
            .join('.')
      out.push(`${addr}:${parseInt(port, 16)}`)
    }
  }
  return out
}
