// `kubewalk lab image import` and `lab image list` with no lab running: the image goes into kubewalk's cache, which
// every node lab serves later. The cache is a temporary XDG_CACHE_HOME here.
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildImage } from '../../../src/platform/lab/node/images.js'
import { captureIo, main } from '../../helpers.js'
import { testDir } from '../../temp-dir.js'

describe('lab image import and list without a lab', () => {
  let saved: string | undefined
  beforeEach(() => {
    saved = process.env.XDG_CACHE_HOME
  })
  afterEach(() => {
    if (saved === undefined) delete process.env.XDG_CACHE_HOME
    else process.env.XDG_CACHE_HOME = saved
  })

  it('keeps the tarball in the cache, says that node labs will serve it, and lists it as cached', async () => {
    const dir = await testDir('kubewalk-lab-image-')
    process.env.XDG_CACHE_HOME = path.join(dir, 'cache')
    const rootfs = path.join(dir, 'rootfs')
    await mkdir(rootfs)
    await writeFile(path.join(rootfs, 'index.html'), 'hi\n')
    const tarball = path.join(dir, 'nginx.tar')
    await buildImage(rootfs, tarball, 'docker.io/library/nginx:latest', { entrypoint: ['/bin/sh'] })
    const lab = path.join(dir, 'lab')

    const imported = captureIo({ ...process.env })
    expect(await main(['lab', 'image', 'import', tarball, '--dir', lab], imported.sinks)).toBe(0)
    expect(imported.err()).toMatch(
      new RegExp(
        `^kept in ${path.join(dir, 'cache', 'kubewalk', 'images')}/[0-9a-f]{64}\\.tar: docker\\.io/library/nginx:latest; every node lab started from now on serves it \\(no node lab runs in ${lab}\\)\\n$`,
      ),
    )

    const listed = captureIo({ ...process.env })
    expect(await main(['lab', 'image', 'list', '--dir', lab, '--json'], listed.sinks)).toBe(0)
    expect(JSON.parse(listed.out())).toEqual({ running: false, images: [{ name: 'docker.io/library/nginx:latest', in: ['cache'] }] })
  })
})
