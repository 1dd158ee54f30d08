import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  chooseNetwork,
  cidrBounds,
  networkFor,
  parseNameservers,
  rangeConflict,
  type HostNetwork,
} from '../../../../src/platform/lab/node/network.js'

// Recorded on the development VM (2026-11-30): `ip -j -4 route show table all`, `ip -j -4 addr`, /etc/resolv.conf.
const fixture = (f: string) => readFileSync(new URL(`./fixtures/${f}`, import.meta.url), 'utf8')
const host: HostNetwork = {
  routes: JSON.parse(fixture('host-routes.json')) as HostNetwork['routes'],
  addrs: JSON.parse(fixture('host-addrs.json')) as HostNetwork['addrs'],
  nameservers: parseNameservers(fixture('host-resolv.conf')),
}

describe('the node network', () => {
  it('reads the name servers of a resolv.conf', () => {
    expect(parseNameservers('# c\nsearch x\nnameserver 10.255.255.53\n  nameserver ::1\n')).toEqual(['10.255.255.53', '::1'])
  })

  it.each([
    ['10.0.0.0/8', [167772160, 184549375]],
    ['10.213.7.9/16', [181731328, 181796863]],
    ['192.0.2.2', [3221225986, 3221225986]],
    ['default', undefined],
    ['fd00::/64', undefined],
  ] as const)('bounds of %s', (cidr, bounds) => {
    expect(cidrBounds(cidr)).toEqual(bounds)
  })

  it('takes the first candidate on this VM: nothing routes or holds 10.213.0.0/16', () => {
    const net = chooseNetwork(host)
    expect(net.range).toBe('10.213.0.0/16')
    expect(net).toMatchObject({
      serviceCidr: '10.213.0.0/24',
      kubernetesServiceIp: '10.213.0.1',
      dnsServiceIp: '10.213.0.10',
      podCidr: '10.213.1.0/24',
      podGateway: '10.213.1.1',
      nodeIp: '10.213.255.1',
    })
  })

  it('ignores the default route but refuses a range a route, an address or a name server falls in', () => {
    expect(rangeConflict('10.213.0.0/16', { routes: [{ dst: 'default', dev: 'eth0' }], addrs: [], nameservers: [] })).toBeUndefined()
    expect(rangeConflict('10.213.0.0/16', { routes: [{ dst: '10.0.0.0/8', dev: 'wg0' }], addrs: [], nameservers: [] })).toBe(
      'the host routes 10.0.0.0/8 via wg0',
    )
    expect(
      rangeConflict('10.213.0.0/16', {
        routes: [],
        addrs: [{ ifname: 'eth1', addr_info: [{ family: 'inet', local: '10.213.9.4', prefixlen: 24 }] }],
        nameservers: [],
      }),
    ).toBe('eth1 has 10.213.9.4/24')
    expect(rangeConflict('10.255.0.0/16', host)).toBe('the name server 10.255.255.53 is in it')
  })

  it('moves on to the next candidate when the first is taken, and names every refusal when none is free', () => {
    const taken: HostNetwork = { ...host, routes: [...host.routes, { dst: '10.213.0.0/16', dev: 'tun0' }] }
    expect(chooseNetwork(taken).range).toBe('10.217.0.0/16')
    const all: HostNetwork = { ...host, routes: [{ dst: '10.0.0.0/8', dev: 'vpn0' }] }
    expect(() => chooseNetwork(all)).toThrow(/^No free range for the lab's node: 10\.213\.0\.0\/16: the host routes 10\.0\.0\.0\/8 via vpn0; 10\.217/)
  })

  it('keeps every address of a network inside its range', () => {
    const net = networkFor(221)
    const [lo, hi] = cidrBounds(net.range)!
    for (const a of [net.serviceCidr, net.kubernetesServiceIp, net.dnsServiceIp, net.podCidr, net.podGateway, net.nodeIp]) {
      const [a0, a1] = cidrBounds(a)!
      expect(a0 >= lo && a1 <= hi, a).toBe(true)
    }
  })
})
