import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { findLabBinaries, labBinDir, labCacheDir } from '../../../src/platform/lab/build.js'
import { LAB_COMPONENTS, binarySizes, writeStamp, type BuildStamp } from '../../../src/platform/lab/stamp.js'

const saved = { bin: process.env.KUBEWALK_LAB_BIN, xdg: process.env.XDG_CACHE_HOME }
afterEach(() => {
  for (const [key, value] of [
    ['KUBEWALK_LAB_BIN', saved.bin],
    ['XDG_CACHE_HOME', saved.xdg],
  ] as const) {
    if (value === undefined) delete process.env[key]
    else process.env[key] = value
  }
})

describe('labBinDir', () => {
  it('lives in the XDG cache by default, one directory per version', () => {
    delete process.env.KUBEWALK_LAB_BIN
    process.env.XDG_CACHE_HOME = '/cache'
    expect(labCacheDir('v1.33.13')).toBe('/cache/kubewalk/lab/v1.33.13')
    expect(labBinDir('v1.28.3')).toBe('/cache/kubewalk/lab/v1.28.3/bin')
    expect(labBinDir()).toBe('/cache/kubewalk/lab/v1.37.2/bin')
  })

  it('is KUBEWALK_LAB_BIN when set', () => {
    process.env.KUBEWALK_LAB_BIN = '/opt/lab/bin'
    expect(labBinDir()).toBe('/opt/lab/bin')
  })

  it('refuses a malformed version rather than make a path of it', () => {
    expect(() => labCacheDir('../../etc')).toThrow(/must be v1\.MINOR\.PATCH/)
  })
})

describe('findLabBinaries', () => {
  it('finds only a finished build of the version asked for', async () => {
    const cache = await mkdtemp(path.join(tmpdir(), 'kubewalk-find-'))
    try {
      delete process.env.KUBEWALK_LAB_BIN
      process.env.XDG_CACHE_HOME = cache
      const dir = labBinDir('v1.28.3')
      await mkdir(dir, { recursive: true })
      for (const name of LAB_COMPONENTS) {
        await writeFile(path.join(dir, name), '#!/bin/sh\n')
        await chmod(path.join(dir, name), 0o755)
      }
      expect(await findLabBinaries('v1.28.3'), 'no stamp: an interrupted build').toBeUndefined()
      const { sizes } = await binarySizes(dir)
      await writeStamp(dir, {
        version: 'v1.28.3',
        etcdVersion: 'v3.5.9',
        go: 'go1.26.8',
        builtAt: '2026-11-29T14:00:00Z',
        sizes: sizes as BuildStamp['sizes'],
      })
      expect(await findLabBinaries('v1.28.3')).toEqual({
        dir,
        version: 'v1.28.3',
        etcd: path.join(dir, 'etcd'),
        kubeApiserver: path.join(dir, 'kube-apiserver'),
        kubeControllerManager: path.join(dir, 'kube-controller-manager'),
        kubectl: path.join(dir, 'kubectl'),
      })
      expect(await findLabBinaries('v1.33.13')).toBeUndefined()

      process.env.KUBEWALK_LAB_BIN = dir
      expect((await findLabBinaries('v1.33.13'))?.version, 'KUBEWALK_LAB_BIN: the stamp names the version').toBe('v1.28.3')
    } finally {
      await rm(cache, { recursive: true, force: true })
    }
  })
})
