// A lab with a node, for real (root only): a Pod runs and calls the API server with its mounted token; with
// kube-proxy's rules gone, a Service IP fails at once and nothing leaves the machine; and `lab down` leaves the host
// exactly as it was before `lab up --node`.
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
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
import { cacheImage, cachedImages, type CachedImage } from '../../src/platform/lab/node/image-cache.js'
import { buildImage, sha256 } from '../../src/platform/lab/node/images.js'
import { namesLookedUp } from '../../src/platform/lab/node/registry.js'
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
/**
 * A stand-in for Docker Hub's nginx, named `nginx` (docker.io/library/nginx:latest): Debian's busybox-static serving a
 * page with its httpd on port 80. What a Kubernetes docs page's `kubectl run --image=nginx` pulls.
 */
async function standInNginx(dir: string): Promise<string> {
  const rootfs = path.join(dir, 'nginx-rootfs')
  await mkdir(path.join(rootfs, 'bin'), { recursive: true })
  await mkdir(path.join(rootfs, 'www'))
  await copyFile('/bin/busybox', path.join(rootfs, 'bin', 'busybox'))
  await symlink('busybox', path.join(rootfs, 'bin', 'sh'))
  await writeFile(path.join(rootfs, 'www', 'index.html'), 'kubewalk stand-in nginx\n')
  const tarball = path.join(dir, 'nginx.tar')
  await buildImage(rootfs, tarball, 'docker.io/library/nginx:latest', { entrypoint: ['/bin/busybox', 'httpd', '-f', '-v', '-p', '80', '-h', '/www'] })
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
  // The stand-in nginx, put in kubewalk's image cache before the lab starts (removed after, unless it was there before).
  let nginx: CachedImage | undefined
  let nginxWasCached = false
  const k = (...args: string[]) => execa(kubectl, ['--kubeconfig', state.kubeconfig, ...args], { reject: false, env: { KUBERC: 'off' } })

  beforeAll(async () => {
    const binaries = await ensureLabBinaries({ version })
    const node = await ensureNode(binaries)
    kubectl = binaries.kubectl
    before = await hostSnapshot()
    parent = await mkdtemp(path.join(tmpdir(), 'kubewalk-node-e2e-'))
    dir = path.join(parent, 'lab')
    const tarball = await standInNginx(parent)
    const cachedBefore = new Set((await cachedImages()).map((c) => c.file))
    nginx = await cacheImage(tarball)
    nginxWasCached = cachedBefore.has(nginx.file)
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
    if (nginx && !nginxWasCached) await rm(nginx.file, { force: true })
  })

  it('shows the node Ready with CoreDNS running in lab status', async () => {
    const s = await labStatus({ dir })
    expect(s.node?.ready).toBe(true)
    expect(s.node?.components.map((c) => [c.name, c.alive])).toEqual([
      ['registry', true],
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

  const registryLog = async (): Promise<string> => readFile((await readNodeFile(dir))!.components.registry!.log, 'utf8')
  const waitingReason = async (pod: string): Promise<string> => {
    let reason = ''
    for (let i = 0; i < 150 && !/ErrImagePull|ImagePullBackOff/.test(reason); i++) {
      reason = (await k('get', 'pod', pod, '-o', 'jsonpath={.status.containerStatuses[0].state.waiting.reason}')).stdout
      await new Promise((r) => setTimeout(r, 200))
    }
    return reason
  }

  it('runs a Pod whose image is plain `nginx` (pull policy Always) from the cached stand-in, pulled from the registry on loopback', async () => {
    // The cache may hold other images too (kubewalk's cache is the user's): the stand-in must be among those served.
    expect(progress.some((l) => /^the registry serves (.*, )?docker\.io\/library\/nginx:latest(,|$)/.test(l))).toBe(true)
    expect((await k('run', 'e2e-nginx', '--image=nginx', '--restart=Never')).exitCode).toBe(0)
    const wait = await k('wait', '--for=condition=Ready', 'pod/e2e-nginx', '--timeout=60s')
    expect(wait.exitCode, wait.stderr).toBe(0)
    expect((await k('get', 'pod', 'e2e-nginx', '-o', 'jsonpath={.spec.containers[0].imagePullPolicy}')).stdout).toBe('Always')
    const ip = (await k('get', 'pod', 'e2e-nginx', '-o', 'jsonpath={.status.podIP}')).stdout
    const page = await k('exec', 'e2e-tools', '--', 'curl', '-sS', '--max-time', '10', `http://${ip}/`)
    expect(page.stdout).toBe('kubewalk stand-in nginx') // execa drops the final newline
    // containerd asked the lab's registry, under docker.io's namespace, and fetched the manifest and blobs from it
    // (its content store is isolated per namespace: the copy pushed from the cache is not reused).
    const log = await registryLog()
    expect(log).toMatch(/"HEAD \/v2\/docker\.io\/library\/nginx\/manifests\/latest\?ns=docker\.io HTTP\/1\.1" 200/)
    expect(log).toMatch(/"GET \/v2\/docker\.io\/library\/nginx\/manifests\/sha256:[0-9a-f]{64}(\?ns=docker\.io)? HTTP\/1\.1" 200/)
    expect(log).toMatch(/"GET \/v2\/docker\.io\/library\/nginx\/blobs\/sha256:[0-9a-f]{64}(\?ns=docker\.io)? HTTP\/1\.1" 200/)
  })

  it('keeps registries apart: registry.k8s.io/nginx is not docker.io/library/nginx, and fails on loopback', async () => {
    expect((await k('run', 'e2e-k8s-nginx', '--image=registry.k8s.io/nginx', '--restart=Never')).exitCode).toBe(0)
    expect(await waitingReason('e2e-k8s-nginx')).toMatch(/ErrImagePull|ImagePullBackOff/)
    expect(await registryLog()).toMatch(/"(GET|HEAD) \/v2\/registry\.k8s\.io\/nginx\/manifests\/latest\?ns=registry\.k8s\.io HTTP\/1\.1" 404/)
  })

  it('lab image import loads a docker-save tarball into the running registry, and a Pod naming its short name runs it', async () => {
    const tarball = await dockerSaveTarball(path.join(parent, 'image'), 'kubewalk-e2e/hello:1', path.join(nodeCommonDir(), 'bin', 'pause'))
    const imported = await kubewalk(['lab', 'image', 'import', tarball, '--dir', dir])
    // Read first, so the cached copy is removed from the user's cache whatever the checks below find.
    const cached = /kept in (\S+\.tar)/.exec(imported.stderr)?.[1]
    try {
      expect(imported.stderr).toMatch(
        new RegExp(`^imported into the registry of the node of ${dir}, and kept in \\S+\\.tar: docker.io/kubewalk-e2e/hello:1$`),
      )
      expect(imported.exitCode).toBe(0)
      expect((await k('run', 'e2e-hello', '--image=kubewalk-e2e/hello:1', '--restart=Never')).exitCode).toBe(0)
      const wait = await k('wait', '--for=condition=Ready', 'pod/e2e-hello', '--timeout=60s')
      expect(wait.exitCode, wait.stderr).toBe(0)
      const list = await kubewalk(['lab', 'image', 'list', '--dir', dir, '--json'])
      const images = (JSON.parse(list.stdout) as { running: boolean; images: { name: string; in: string[] }[] }).images
      expect(images.find((i) => i.name === 'docker.io/kubewalk-e2e/hello:1')?.in).toEqual(['registry', 'cache'])
      expect(images.find((i) => i.name === 'docker.io/library/nginx:latest')?.in).toEqual(['registry', 'cache'])
      expect(images.find((i) => i.name === NODE_IMAGES.pause)?.in).toEqual(['built-in'])
    } finally {
      if (cached !== undefined) await rm(cached, { force: true })
    }
    // An image nobody imported fails to pull at once, on this machine: the registry has no such repository.
    expect((await k('run', 'e2e-missing', '--image=kubewalk-e2e/missing:1', '--restart=Never')).exitCode).toBe(0)
    expect(await waitingReason('e2e-missing')).toMatch(/ErrImagePull|ImagePullBackOff/)
    const message = (await k('get', 'pod', 'e2e-missing', '-o', 'jsonpath={.status.containerStatuses[0].state.waiting.message}')).stdout
    expect(message).toContain('not found')
  })

  it('looked up no name and asked no host but loopback for any image (containerd and registry logs)', async () => {
    const node = (await readNodeFile(dir))!
    const containerdLog = await readFile(node.components.containerd!.log, 'utf8')
    const registry = await registryLog()
    // Under GODEBUG=netdns=go+2 Go prints `hostLookupOrder(NAME)` for every name it resolves (measured: a proxy-mode
    // registry whose upstream was http://localhost:PORT logged `hostLookupOrder(localhost) = files,dns`); the proof
    // needs that mode on in both processes.
    for (const c of [node.components.containerd!, node.components.registry!]) {
      const environ = (await readFile(`/proc/${c.pid}/environ`, 'utf8')).split('\0')
      expect(environ).toContain('GODEBUG=netdns=go+2')
    }
    expect(namesLookedUp(containerdLog)).toEqual([])
    expect(namesLookedUp(registry)).toEqual([])
    const hosts = new Set([...`${containerdLog}\n${registry}`.matchAll(/\bhttps?:\/\/([^/\s"']+)/g)].map((m) => m[1]))
    expect([...hosts].filter((h) => !/^127\.0\.0\.1(:\d+)?$/.test(h!))).toEqual([])
    // Every request the registry served came from loopback.
    const remotes = [...registry.matchAll(/^(\S+) - - \[/gm)].map((m) => m[1])
    expect(remotes.length).toBeGreaterThan(0)
    expect(remotes.filter((r) => r !== '127.0.0.1')).toEqual([])
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
