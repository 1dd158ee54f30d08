import { describe, expect, it } from 'vitest'
import { parseDocument } from 'yaml'
import {
  cgroupV1Notice,
  cniConflist,
  containerdConfig,
  coreDnsManifest,
  kubeProxyArgs,
  kubeletConfig,
  nodeLayout,
} from '../../../../src/platform/lab/node/config.js'
import { networkFor } from '../../../../src/platform/lab/node/network.js'

const net = networkFor(213)
const layout = nodeLayout('/tmp/lab')

describe('the node configuration', () => {
  it('gives Pods a route to the lab range only: no default route, no masquerading', () => {
    const conf = JSON.parse(cniConflist(net, layout)) as { plugins: Record<string, unknown>[] }
    const bridge = conf.plugins[0] as {
      bridge: string
      isDefaultGateway: boolean
      ipMasq: boolean
      ipam: { routes: { dst: string }[]; ranges: { subnet: string }[][]; dataDir: string }
    }
    expect(bridge).toMatchObject({ bridge: 'kwbr0', isDefaultGateway: false, ipMasq: false })
    expect(bridge.ipam.routes).toEqual([{ dst: '10.213.0.0/16' }])
    expect(bridge.ipam.ranges[0]![0]!.subnet).toBe('10.213.1.0/24')
    expect(bridge.ipam.dataDir).toBe('/tmp/lab/node/cni/networks')
  })

  it('keeps containerd under the lab, with restrict_oom_score_adj and the pinned pause image', () => {
    const toml = containerdConfig(layout, '/cache/cni', '/usr/sbin/runc')
    expect(toml).toMatch(/^version = 4$/m)
    expect(toml).toContain("root = '/tmp/lab/node/containerd/root'")
    expect(toml).toContain("address = '/tmp/lab/node/containerd/containerd.sock'")
    expect(toml).toContain('restrict_oom_score_adj = true')
    expect(toml).toContain("sandbox = 'kubewalk.local/pause:3.10'")
    expect(toml).toContain("'io.containerd.nri.v1.nri'")
    expect(toml).toContain("conf_dir = '/tmp/lab/node/cni/net.d'")
    expect(() => containerdConfig(nodeLayout("/tmp/it's"), '/c', '/r')).toThrow(/TOML/)
  })

  it.each([
    ['v1.37.2', true, true, true],
    ['v1.37.2', false, false, true],
    ['v1.33.13', true, true, true],
    ['v1.33.13', false, false, true],
    ['v1.28.3', true, false, false],
  ])(
    'kubelet %s (cgroup v1 %s): webhook authn/authz, no anonymous, cgroupfs; failCgroupV1 %s, podLogsDir %s',
    (version, cgroupV1, cgroupV1Field, logsField) => {
      const doc = parseDocument(
        kubeletConfig({ version, net, layout, port: 40000, healthzPort: 40001, caFile: '/ca', tlsCertFile: '/c', tlsKeyFile: '/k', cgroupV1 }),
      )
      expect(doc.errors).toEqual([])
      const c = doc.toJS() as Record<string, unknown>
      expect(c).toMatchObject({
        address: '10.213.255.1',
        port: 40000,
        readOnlyPort: 0,
        healthzBindAddress: '127.0.0.1',
        cgroupDriver: 'cgroupfs',
        failSwapOn: false,
        resolvConf: '',
        clusterDNS: ['10.213.0.10'],
      })
      expect(c.authentication).toEqual({ anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: '/ca' } })
      expect(c.authorization).toEqual({ mode: 'Webhook' })
      expect('failCgroupV1' in c).toBe(cgroupV1Field)
      expect('podLogsDir' in c).toBe(logsField)
    },
  )

  it('says one line on cgroup v1, naming the override where the kubelet takes it, and nothing on cgroup v2', () => {
    expect(cgroupV1Notice('v1.37.2', true)).toMatch(
      /^this host has cgroup v1: the kubelet v1\.37\.2 runs with failCgroupV1: false \(from 1\.35 it refuses cgroup v1 otherwise\)/,
    )
    expect(cgroupV1Notice('v1.28.3', true)).toMatch(/^this host has cgroup v1: the kubelet v1\.28\.3 runs on it as it is/)
    for (const v of ['v1.37.2', 'v1.28.3']) {
      expect(cgroupV1Notice(v, true)).not.toContain('\n')
      expect(cgroupV1Notice(v, false)).toBeUndefined()
    }
  })

  it('kube-proxy changes no sysctl and opens NodePorts on the node address only', () => {
    const args = kubeProxyArgs({ kubeconfig: '/k', nodeName: 'n', net, healthzPort: 1, metricsPort: 2 })
    expect(args).toEqual(
      expect.arrayContaining([
        '--iptables-localhost-nodeports=false',
        '--conntrack-max-per-core=0',
        '--nodeport-addresses=10.213.255.1/32',
        '--healthz-bind-address=127.0.0.1:1',
        '--metrics-bind-address=127.0.0.1:2',
      ]),
    )
  })

  it('CoreDNS forwards nothing off the machine and serves at the DNS Service IP', () => {
    const text = coreDnsManifest(net)
    expect(text).not.toMatch(/forward|resolv\.conf/)
    expect(text).toContain('clusterIP: 10.213.0.10')
    expect(text).toContain('image: kubewalk.local/coredns:v1.14.7')
  })
})
