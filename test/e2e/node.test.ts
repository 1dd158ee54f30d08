// A lab with a node, for real (root only): a Pod runs and calls the API server with its mounted token; with
// kube-proxy's rules gone, a Service IP fails at once and nothing leaves the machine; and `lab down` leaves the host
// exactly as it was before `lab up --node`.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_LAB_VERSION, LEAVING_COUNTER, NODE_IMAGES, ensureLabBinaries, ensureNode, labDown, labStatus, labUp, type LabState } from '../../src/lab/index.js'
import { iptablesCleanupScript, parseNftCounter } from '../../src/lab/node/firewall.js'
import { readNodeFile } from '../../src/lab/node/state.js'
import { stopProcessGroup } from '../../src/lab/processes.js'
import { isCI } from './global-setup.js'
import { hostSnapshot } from './node-host.js'

const version = process.env.KUBEWALK_LAB_VERSION || DEFAULT_LAB_VERSION
const root = process.getuid?.() === 0
const skipReason = root ? '' : 'a lab with a node needs root (it mounts, makes links and routes, and writes cgroups)'
if (!root && isCI()) throw new Error(`CI=${process.env.CI} but not root: the node tests must not be skipped under CI`)

describe.skipIf(!root)(root ? `lab with a node (${version})` : `lab with a node (skipped: ${skipReason})`, () => {
  let parent = ''
  let dir = ''
  let state: LabState
  let kubectl = ''
  let before: Record<string, string> = {}
  const k = (...args: string[]) => execa(kubectl, ['--kubeconfig', state.kubeconfig, ...args], { reject: false, env: { KUBERC: 'off' } })

  beforeAll(async () => {
    const binaries = await ensureLabBinaries({ version })
    const node = await ensureNode(binaries)
    kubectl = binaries.kubectl
    before = await hostSnapshot()
    parent = await mkdtemp(path.join(tmpdir(), 'kubewalk-node-e2e-'))
    dir = path.join(parent, 'lab')
    const began = performance.now()
    state = await labUp({ dir, binaries, node, onProgress: (line) => process.stderr.write(`[node lab] ${line}\n`) })
    process.stderr.write(`[node lab] ready in ${((performance.now() - began) / 1000).toFixed(1)} s\n`)
  }, 1_200_000)

  afterAll(async () => {
    if (dir) await labDown({ dir })
    if (parent) await rm(parent, { recursive: true, force: true })
  })

  it('shows the node Ready with CoreDNS running in lab status', async () => {
    const s = await labStatus({ dir })
    expect(s.node?.ready).toBe(true)
    expect(s.node?.components.map((c) => [c.name, c.alive])).toEqual([['containerd', true], ['kubelet', true], ['kube-proxy', true], ['kube-scheduler', true]])
    expect(s.node?.pods.some((p) => p.namespace === 'kube-system' && p.name.startsWith('coredns-') && p.phase === 'Running')).toBe(true)
  })

  it('runs a Pod from the tools image that calls https://kubernetes.default.svc/api with its mounted token and CA', async () => {
    expect((await k('run', 'e2e-tools', `--image=${NODE_IMAGES.tools}`, '--restart=Never', '--command', '--', 'sleep', '3600')).exitCode).toBe(0)
    const began = performance.now()
    const wait = await k('wait', '--for=condition=Ready', 'pod/e2e-tools', '--timeout=60s')
    expect(wait.exitCode, wait.stderr).toBe(0)
    process.stderr.write(`[node lab] Pod Ready ${((performance.now() - began) / 1000).toFixed(1)} s after kubectl run\n`)
    const sa = '/var/run/secrets/kubernetes.io/serviceaccount'
    const r = await k('exec', 'e2e-tools', '--', 'sh', '-c', `curl -sS --max-time 10 --cacert ${sa}/ca.crt -H "Authorization: Bearer $(cat ${sa}/token)" https://kubernetes.default.svc/api`)
    expect(r.exitCode, r.stderr).toBe(0)
    expect((JSON.parse(r.stdout) as { kind: string }).kind).toBe('APIVersions')
  })

  it("with kube-proxy's rules gone, a Pod's connection to a Service IP fails at once and nothing leaves the machine", async () => {
    const node = await readNodeFile(dir)
    await stopProcessGroup(node!.components['kube-proxy']!.pid)
    const save = await execa('iptables-save', [], { env: { PATH: `${process.env.PATH}:/usr/sbin:/sbin` } })
    await execa('iptables-restore', ['--noflush'], { input: iptablesCleanupScript(save.stdout), env: { PATH: `${process.env.PATH}:/usr/sbin:/sbin` } })
    const began = performance.now()
    const r = await k('exec', 'e2e-tools', '--', 'curl', '-sS', '--max-time', '10', '--insecure', `https://${node!.network.kubernetesServiceIp}/api`)
    const ms = performance.now() - began
    expect(r.exitCode).not.toBe(0)
    // curl's own words: the kernel answered "unreachable" at once; a packet sent out would have waited for the timeout.
    expect(r.stderr).toMatch(/Failed to connect to \S+ port 443 after \d+ ms/)
    expect(ms).toBeLessThan(5_000)
    const counter = await execa('nft', ['list', 'counter', 'inet', node!.network.nftTable, LEAVING_COUNTER], { env: { PATH: `${process.env.PATH}:/usr/sbin:/sbin` } })
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
