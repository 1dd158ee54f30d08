import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { firstMissing } from '../../../../src/platform/lab/node/host-setup.js'
import { execa } from 'execa'
import { hostHasCgroupV2, mountsUnder } from '../../../../src/platform/lab/node/host.js'

// Lines in the shape of /proc/self/mountinfo on the development VM with a node running (ids shortened).
const MOUNTINFO = [
  '22 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
  '90 22 0:40 / /tmp/lab/node/kubelet/pods/uid/volumes/kubernetes.io~projected/kube-api-access-x rw - tmpfs tmpfs rw',
  '91 22 0:41 / /tmp/lab/node/containerd/state/io.containerd.runtime.v2.task/k8s.io/abc/rootfs rw - overlay overlay rw',
  '92 22 0:4 net:[4026532300] /tmp/lab/node/containerd/state/netns/cni-1 rw - nsfs nsfs rw',
  '93 22 0:42 / /tmp/lab/node rw - ext4 /dev/vda rw',
  '94 22 0:43 / /tmp/lab/node-other rw - tmpfs tmpfs rw',
  '95 22 0:44 / /tmp/lab/node/with\\040space rw - tmpfs tmpfs rw',
].join('\n')

describe('host changes', () => {
  it('unmounts everything at or below the node directory, deepest first, and nothing beside it', () => {
    expect(mountsUnder(MOUNTINFO, '/tmp/lab/node')).toEqual([
      '/tmp/lab/node/kubelet/pods/uid/volumes/kubernetes.io~projected/kube-api-access-x',
      '/tmp/lab/node/containerd/state/io.containerd.runtime.v2.task/k8s.io/abc/rootfs',
      '/tmp/lab/node/containerd/state/netns/cni-1',
      '/tmp/lab/node/with space',
      '/tmp/lab/node',
    ])
  })

  const scratch = mkdtemp(path.join(tmpdir(), 'kubewalk-host-'))
  afterAll(async () => rm(await scratch, { recursive: true, force: true }))

  it('records the highest missing directory of a system path, and nothing for one that exists', async () => {
    const dir = await scratch
    await mkdir(path.join(dir, 'var', 'lib'), { recursive: true })
    expect(await firstMissing(path.join(dir, 'var', 'lib', 'kubelet'))).toBe(path.join(dir, 'var', 'lib', 'kubelet'))
    expect(await firstMissing(path.join(dir, 'etc', 'cni', 'net.d'))).toBe(path.join(dir, 'etc'))
    expect(await firstMissing(path.join(dir, 'var', 'lib'))).toBeUndefined()
  })
})

describe('hostHasCgroupV2', () => {
  it('says what coreutils stat -f says of /sys/fs/cgroup (cgroup2fs: v2; tmpfs of v1 controllers: v1), and no for a plain directory', async () => {
    const type = (await execa('stat', ['-f', '-c', '%T', '/sys/fs/cgroup'], { reject: false })).stdout.trim()
    expect(await hostHasCgroupV2()).toBe(type === 'cgroup2fs')
    expect(await hostHasCgroupV2(tmpdir())).toBe(false)
    expect(await hostHasCgroupV2('/nonexistent')).toBe(false)
  })
})

describe('journalLive', () => {
  it("counts a journal naming this process as live only for a lab this process claimed the host for (two labs of one matrix; a killed lab's pid reused)", async () => {
    const { journalLive } = await import('../../../../src/platform/lab/node/host-setup.js')
    const { noteClaimed } = await import('../../../../src/platform/lab/node/host.js')
    const labDir = await mkdtemp(path.join(tmpdir(), 'kubewalk-journal-'))
    try {
      // No lab.json or node.json there: no component of the lab lives.
      const journal = { labDir, ownerPid: process.pid, changes: [] }
      expect(await journalLive(journal)).toBe(false)
      noteClaimed(labDir)
      expect(await journalLive(journal)).toBe(true)
      // Another live process starting its lab: live, whatever this process claimed.
      expect(await journalLive({ labDir: path.join(labDir, 'other'), ownerPid: process.ppid, changes: [] })).toBe(true)
    } finally {
      await rm(labDir, { recursive: true, force: true })
    }
  })
})
