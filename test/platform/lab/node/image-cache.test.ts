import { mkdir, readFile, readdir, utimes, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { execa } from 'execa'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cacheImage, cachedImages, imageCacheDir, tarballImageNames } from '../../../../src/platform/lab/node/image-cache.js'
import { buildImage, sha256 } from '../../../../src/platform/lab/node/images.js'
import { testDir } from '../../../temp-dir.js'

describe('tarballImageNames', () => {
  it.each([
    [
      { manifestJson: JSON.stringify([{ RepoTags: ['nginx:latest', 'nginx:1.27.3'] }]) },
      ['docker.io/library/nginx:latest', 'docker.io/library/nginx:1.27.3'],
    ],
    [{ manifestJson: JSON.stringify([{ RepoTags: null }]) }, []],
    [
      { indexJson: JSON.stringify({ manifests: [{ annotations: { 'io.containerd.image.name': 'registry.k8s.io/pause:3.10' } }] }) },
      ['registry.k8s.io/pause:3.10'],
    ],
    // An OCI ref.name is often a bare tag: no name to serve it under.
    [{ indexJson: JSON.stringify({ manifests: [{ annotations: { 'org.opencontainers.image.ref.name': '1.0' } }] }) }, []],
    [{ indexJson: JSON.stringify({ manifests: [{ annotations: { 'org.opencontainers.image.ref.name': 'quay.io/a/b:2' } }] }) }, ['quay.io/a/b:2']],
    [
      {
        indexJson: JSON.stringify({ manifests: [{ annotations: { 'io.containerd.image.name': 'docker.io/library/nginx:latest' } }] }),
        manifestJson: JSON.stringify([{ RepoTags: ['nginx:latest'] }]),
      },
      ['docker.io/library/nginx:latest'],
    ],
  ])('%j names %j', (files, names) => {
    expect(tarballImageNames(files)).toEqual(names)
  })
})

describe('the image cache', () => {
  let saved: string | undefined
  beforeEach(() => {
    saved = process.env.XDG_CACHE_HOME
  })
  afterEach(() => {
    if (saved === undefined) delete process.env.XDG_CACHE_HOME
    else process.env.XDG_CACHE_HOME = saved
  })

  it('keeps an OCI layout tarball once under its sha256, with the names it carries, and lists it', async () => {
    const dir = await testDir('kubewalk-image-cache-')
    process.env.XDG_CACHE_HOME = path.join(dir, 'cache')
    expect(imageCacheDir()).toBe(path.join(dir, 'cache', 'kubewalk', 'images'))
    const rootfs = path.join(dir, 'rootfs')
    await mkdir(rootfs)
    await writeFile(path.join(rootfs, 'hello'), 'hello\n')
    const tarball = path.join(dir, 'nginx.tar')
    await buildImage(rootfs, tarball, 'docker.io/library/nginx:latest', { entrypoint: ['/hello'] })
    const first = await cacheImage(tarball)
    expect(first.names).toEqual(['docker.io/library/nginx:latest'])
    expect(path.dirname(first.file)).toBe(imageCacheDir())
    expect(path.basename(first.file)).toMatch(/^[0-9a-f]{64}\.tar$/)
    expect(path.basename(first.file)).toBe(`${sha256(await readFile(tarball))}.tar`)
    expect((await cacheImage(tarball)).file).toBe(first.file)
    expect(await readdir(imageCacheDir())).toEqual([path.basename(first.file)])
    expect(await cachedImages()).toEqual([first])
  })

  it('lists a name two tarballs carry once, on the one cached last (an import replaces the image)', async () => {
    const dir = await testDir('kubewalk-image-cache-')
    process.env.XDG_CACHE_HOME = path.join(dir, 'cache')
    const rootfs = path.join(dir, 'rootfs')
    await mkdir(rootfs)
    await writeFile(path.join(rootfs, 'hello'), 'hello\n')
    const [a, b] = [path.join(dir, 'a.tar'), path.join(dir, 'b.tar')]
    await buildImage(rootfs, a, 'docker.io/library/busybox:latest', { entrypoint: ['/bin/sh'] })
    await buildImage(rootfs, b, 'docker.io/library/busybox:latest', { entrypoint: [], cmd: ['sh'] })
    const first = await cacheImage(a)
    await utimes(first.file, new Date(1_000_000), new Date(1_000_000))
    const second = await cacheImage(b)
    expect(await cachedImages()).toEqual([{ file: second.file, names: ['docker.io/library/busybox:latest'] }])
    await utimes(second.file, new Date(1_000_000), new Date(1_000_000))
    expect((await cacheImage(a)).file).toBe(first.file)
    expect(await cachedImages()).toEqual([{ file: first.file, names: ['docker.io/library/busybox:latest'] }])
  })

  it('refuses a tarball that is not an image, and one that names none, and caches neither', async () => {
    const dir = await testDir('kubewalk-image-cache-')
    process.env.XDG_CACHE_HOME = path.join(dir, 'cache')
    await writeFile(path.join(dir, 'README'), 'x')
    await execa('tar', ['-C', dir, '-cf', path.join(dir, 'plain.tar'), 'README'])
    await expect(cacheImage(path.join(dir, 'plain.tar'))).rejects.toThrow(/neither index.json nor manifest.json/)
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify([{ Config: 'c.json', RepoTags: null, Layers: [] }]))
    await execa('tar', ['-C', dir, '-cf', path.join(dir, 'untagged.tar'), 'manifest.json'])
    await expect(cacheImage(path.join(dir, 'untagged.tar'))).rejects.toThrow(/names no image/)
    expect(await cachedImages()).toEqual([])
  })
})
