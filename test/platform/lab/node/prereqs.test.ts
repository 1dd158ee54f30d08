import { describe, expect, it } from 'vitest'
import { checkNodePrerequisites, nodePath } from '../../../../src/platform/lab/node/prereqs.js'

const all = async (name: string) => `/usr/bin/${name}`

describe('node prerequisites', () => {
  it('needs Linux and root, each said in one sentence', async () => {
    await expect(checkNodePrerequisites({ platform: 'darwin', uid: 0, find: all })).rejects.toThrow(
      '--node needs Linux (containers, cgroups, network namespaces); this is darwin.',
    )
    await expect(checkNodePrerequisites({ platform: 'linux', uid: 1000, find: all })).rejects.toThrow(
      /^--node needs root: .*run it as root \(e\.g\. with sudo\)\.$/,
    )
    await expect(checkNodePrerequisites({ platform: 'linux', uid: 0, find: all })).resolves.toBeUndefined()
  })

  it('names the Debian package of each missing tool', async () => {
    const without =
      (...missing: string[]) =>
      async (name: string) =>
        missing.includes(name) ? undefined : `/usr/sbin/${name}`
    await expect(checkNodePrerequisites({ platform: 'linux', uid: 0, find: without('runc') })).rejects.toThrow(
      /^--node needs runc \(containerd starts containers with it.*\); install the Debian package runc \(apt-get install runc\)\.$/,
    )
    await expect(checkNodePrerequisites({ platform: 'linux', uid: 0, find: without('iptables', 'iptables-save', 'nft') })).rejects.toThrow(
      'install the Debian packages iptables nftables (apt-get install iptables nftables).',
    )
  })

  it('adds the sbin directories to a PATH that lacks them, once', () => {
    expect(nodePath('/usr/bin:/bin')).toBe('/usr/bin:/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/sbin')
  })
})
