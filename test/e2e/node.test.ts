// A lab with a node, for real (root only): a Pod runs and calls the API server with its mounted token; with
// kube-proxy's rules gone, a Service IP fails at once and nothing leaves the machine; and `lab down` leaves the host
// exactly as it was before `lab up --node`.
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DEFAULT_LAB_VERSION,
  LEAVING_COUNTER,
  NODE_IMAGES,
  ensureLabBinaries,
  ensureNode,
  labDown,
  labStatus,
  labUp,
  type LabState,
} from '../../src/platform/lab/index.js'
import { nodeLayout } from '../../src/platform/lab/node/config.js'
import { iptablesCleanupScript, parseNftCounter } from '../../src/platform/lab/node/firewall.js'
import { hostHasCgroupV2 } from '../../src/platform/lab/node/host.js'
import { sha256 } from '../../src/platform/lab/node/images.js'
import { nodeCommonDir } from '../../src/platform/lab/node/parts.js'
import { readNodeFile } from '../../src/platform/lab/node/state.js'
import { stopProcessGroup } from '../../src/platform/lab/processes.js'
import { kubewalk, type JsonReport } from './cli.js'
import { isCI } from './global-setup.js'
import { hostSnapshot } from './node-host.js'

const version = process.env.KUBEWALK_LAB_VERSION || DEFAULT_LAB_VERSION
const minor = Number(/^v1\.(\d+)\./.exec(version)?.[1])
const cgroupV2 = await hostHasCgroupV2()

/**
 * A `docker save` tarball written by hand (manifest.json with RepoTags, the config, one layer), of the image `name`
 * whose one file is the static program `program` at /hello: what a user brings from a machine with a registry.
 */
async function dockerSaveTarball(dir: string, name: string, program: string): Promise<string> {
  const rootfs = path.join(dir, 'rootfs')
  const out = path.join(dir, 'image')
  await mkdir(rootfs, { recursive: true })
  await mkdir(out, { recursive: true })
  await copyFile(program, path.join(rootfs, 'hello'))
  await execa('tar', ['--owner=0', '--group=0', '-C', rootfs, '-cf', path.join(out, 'layer.tar'), '.'])
  const layer = await readFile(path.join(out, 'layer.tar'))
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Entrypoint: ['/hello'] },
    rootfs: { type: 'layers', diff_ids: [`sha256:${sha256(layer)}`] },
  })
  await writeFile(path.join(out, `${sha256(config)}.json`), config)
  await writeFile(path.join(out, 'manifest.json'), JSON.stringify([{ Config: `${sha256(config)}.json`, RepoTags: [name], Layers: ['layer.tar'] }]))
  const tarball = path.join(dir, 'hello.tar')
  await execa('tar', ['-C', out, '-cf', tarball, 'manifest.json', `${sha256(config)}.json`, 'layer.tar'])
  return tarball
}
const root = process.getuid?.() === 0
const skipReason = root ? '' : 'a lab with a node needs root (it mounts, makes links and routes, and writes cgroups)'
if (!root && isCI()) throw new Error(`CI=${process.env.CI} but not root: the node tests must not be skipped under CI`)

describe.skipIf(!root)(root ? `lab with a node (${version})` : `lab with a node (skipped: ${skipReason})`, () => {
  let parent = ''
  let dir = ''
  let state: LabState
  let kubectl = ''
  let before: Record<string, string> = {}
  const progress: string[] = []
  const k = (...args: string[]) => execa(kubectl, ['--kubeconfig', state.kubeconfig, ...args], { reject: false, env: { KUBERC: 'off' } })

  beforeAll(async () => {
    const binaries = await ensureLabBinaries({ version })
    const node = await ensureNode(binaries)
    kubectl = binaries.kubectl
    before = await hostSnapshot()
    parent = await mkdtemp(path.join(tmpdir(), 'kubewalk-node-e2e-'))
    dir = path.join(parent, 'lab')
    const began = performance.now()
    state = await labUp({
      dir,
      binaries,
      node,
      onProgress: (line) => {
        progress.push(line)
        process.stderr.write(`[node lab] ${line}\n`)
      },
    })
    process.stderr.write(`[node lab] ready in ${((performance.now() - began) / 1000).toFixed(1)} s\n`)
  }, 1_200_000)

  afterAll(async () => {
    if (dir) await labDown({ dir })
    if (parent) await rm(parent, { recursive: true, force: true })
  })

  it('shows the node Ready with CoreDNS running in lab status', async () => {
    const s = await labStatus({ dir })
    expect(s.node?.ready).toBe(true)
    expect(s.node?.components.map((c) => [c.name, c.alive])).toEqual([
      ['containerd', true],
      ['kubelet', true],
      ['kube-proxy', true],
      ['kube-scheduler', true],
    ])
    expect(s.node?.pods.some((p) => p.namespace === 'kube-system' && p.name.startsWith('coredns-') && p.phase === 'Running')).toBe(true)
  })

  it('runs a Pod from the tools image that calls https://kubernetes.default.svc/api with its mounted token and CA', async () => {
    expect((await k('run', 'e2e-tools', `--image=${NODE_IMAGES.tools}`, '--restart=Never', '--command', '--', 'sleep', '3600')).exitCode).toBe(0)
    const began = performance.now()
    const wait = await k('wait', '--for=condition=Ready', 'pod/e2e-tools', '--timeout=60s')
    expect(wait.exitCode, wait.stderr).toBe(0)
    process.stderr.write(`[node lab] Pod Ready ${((performance.now() - began) / 1000).toFixed(1)} s after kubectl run\n`)
    const sa = '/var/run/secrets/kubernetes.io/serviceaccount'
    const call = () =>
      k(
        'exec',
        'e2e-tools',
        '--',
        'sh',
        '-c',
        `curl -sS --max-time 10 --cacert ${sa}/ca.crt -H "Authorization: Bearer $(cat ${sa}/token)" https://kubernetes.default.svc/api`,
      )
    // The first call, never retried: lab up returns only once kube-proxy routes the kube-dns and kubernetes
    // Services (before it waited for that, this lookup failed with curl's exit 6 once in seven runs).
    const r = await call()
    expect(r.exitCode, r.stderr).toBe(0)
    expect((JSON.parse(r.stdout) as { kind: string }).kind).toBe('APIVersions')
  })

  // One test whose branch is the host's: this development VM mounts cgroup v1 (stat -f /sys/fs/cgroup: tmpfs), so the
  // cgroup v2 branch runs only on a host that has it (a skipped e2e test would fail CI's summary).
  it(
    cgroupV2
      ? 'on this cgroup v2 host says nothing about cgroups and sets no failCgroupV1'
      : `on this cgroup v1 host says so in one line and ${minor >= 31 ? 'runs the kubelet with failCgroupV1: false' : 'needs no override'}`,
    async () => {
      const config = await readFile(nodeLayout(dir).kubeletConfig, 'utf8')
      if (cgroupV2) {
        expect(progress.filter((l) => /cgroup/.test(l))).toEqual([])
        expect(config).not.toContain('failCgroupV1')
      } else {
        expect(progress.filter((l) => /cgroup v1/.test(l))).toHaveLength(1)
        expect(config.includes('failCgroupV1: false')).toBe(minor >= 31)
      }
    },
  )

  it("replays pod-token (11 steps) with the lab's own kubectl", async () => {
    const r = await kubewalk(['run', '--walkthrough', 'pod-token', '--kubeconfig', state.kubeconfig, '--kubectl', kubectl, '--reporter', 'json'])
    const report = JSON.parse(r.stdout) as JsonReport
    expect(report.steps.filter((s) => s.status !== 'passed').map((s) => `${s.id}: ${s.error?.message ?? s.status}`)).toEqual([])
    expect(report.steps).toHaveLength(11)
    expect(r.exitCode).toBe(0)
  })

  it('lab image import loads a docker-save tarball, and a Pod naming its short name runs it without a registry', async () => {
    const tarball = await dockerSaveTarball(path.join(parent, 'image'), 'kubewalk-e2e/hello:1', path.join(nodeCommonDir(), 'bin', 'pause'))
    const imported = await kubewalk(['lab', 'image', 'import', tarball, '--dir', dir])
    expect(imported.stderr).toBe(`imported into the node of ${dir}: docker.io/kubewalk-e2e/hello:1`)
    expect(imported.exitCode).toBe(0)
    expect((await k('run', 'e2e-hello', '--image=kubewalk-e2e/hello:1', '--restart=Never')).exitCode).toBe(0)
    const wait = await k('wait', '--for=condition=Ready', 'pod/e2e-hello', '--timeout=60s')
    expect(wait.exitCode, wait.stderr).toBe(0)
    // An image nobody imported fails to pull at once, on this machine (every registry points at a closed loopback port).
    expect((await k('run', 'e2e-missing', '--image=kubewalk-e2e/missing:1', '--restart=Never')).exitCode).toBe(0)
    let reason = ''
    for (let i = 0; i < 100 && !/ErrImagePull|ImagePullBackOff/.test(reason); i++) {
      reason = (await k('get', 'pod', 'e2e-missing', '-o', 'jsonpath={.status.containerStatuses[0].state.waiting.reason}')).stdout
      await new Promise((r) => setTimeout(r, 200))
    }
    expect(reason).toMatch(/ErrImagePull|ImagePullBackOff/)
    const message = (await k('get', 'pod', 'e2e-missing', '-o', 'jsonpath={.status.containerStatuses[0].state.waiting.message}')).stdout
    expect(message).toContain('127.0.0.1:9')
  })

  it("with kube-proxy's rules gone, a Pod's connection to a Service IP fails at once and nothing leaves the machine", async () => {
    const node = await readNodeFile(dir)
    await stopProcessGroup(node!.components['kube-proxy']!.pid)
    const save = await execa('iptables-save', [], { env: { PATH: `${process.env.PATH}:/usr/sbin:/sbin` } })
    await execa('iptables-restore', ['--noflush'], {
      input: iptablesCleanupScript(save.stdout),
      env: { PATH: `${process.env.PATH}:/usr/sbin:/sbin` },
    })
    const began = performance.now()
    const r = await k('exec', 'e2e-tools', '--', 'curl', '-sS', '--max-time', '10', '--insecure', `https://${node!.network.kubernetesServiceIp}/api`)
    const ms = performance.now() - began
    expect(r.exitCode).not.toBe(0)
    // curl's own words: the kernel answered "unreachable" at once; a packet sent out would have waited for the timeout.
    expect(r.stderr).toMatch(/Failed to connect to \S+ port 443 after \d+ ms/)
    expect(ms).toBeLessThan(5_000)
    const counter = await execa('nft', ['list', 'counter', 'inet', node!.network.nftTable, LEAVING_COUNTER], {
      env: { PATH: `${process.env.PATH}:/usr/sbin:/sbin` },
    })
    expect(parseNftCounter(counter.stdout)).toEqual({ packets: 0, bytes: 0 })
  })

  it('lab down leaves mounts, links, routes, iptables, nftables, sysctls, cgroups and the system paths as they were', async () => {
    await labDown({ dir })
    const journal = await readFile('/run/kubewalk/node.json', 'utf8').catch(() => undefined)
    expect(journal).toBeUndefined()
    expect(await hostSnapshot()).toEqual(before)
    dir = ''
  })
})
