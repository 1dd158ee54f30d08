import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { LAB_COMPONENTS, STAMP_FILE, binarySizes, removeStamp, staleReason, writeStamp, type BuildStamp } from '../../../src/platform/lab/stamp.js'

let root: string
let dir: string
beforeEach(async () => {
  root ??= await mkdtemp(path.join(tmpdir(), 'kubewalk-stamp-'))
  dir = await mkdtemp(path.join(root, 'bin-'))
})
afterAll(() => rm(root, { recursive: true, force: true }))

async function fakeBinaries(names: readonly string[] = LAB_COMPONENTS): Promise<void> {
  await mkdir(dir, { recursive: true })
  for (const name of names) {
    await writeFile(path.join(dir, name), `#!/bin/sh\n# ${name}\n`)
    await chmod(path.join(dir, name), 0o755)
  }
}

async function stampNow(over: Partial<BuildStamp> = {}): Promise<void> {
  const { sizes } = await binarySizes(dir)
  await writeStamp(dir, {
    version: 'v1.28.3',
    commit: 'a8a1abc25cad87333840cd7d54be2efaf31a3177',
    etcdVersion: 'v3.5.9',
    go: 'go1.26.8',
    builtAt: '2026-11-29T14:00:00Z',
    sizes: sizes as BuildStamp['sizes'],
    ...over,
  })
}

describe('staleReason', () => {
  it('accepts a finished build: four binaries and a stamp of the version whose sizes they match', async () => {
    await fakeBinaries()
    await stampNow()
    expect(await staleReason(dir, 'v1.28.3')).toBeUndefined()
    expect(await staleReason(dir, 'v1.28.3', 'a8a1abc25cad87333840cd7d54be2efaf31a3177')).toBeUndefined()
  })

  it('says a directory without binaries is not built yet', async () => {
    expect(await staleReason(dir, 'v1.28.3')).toBe('not built yet')
  })

  it('rejects binaries an interrupted build left without a stamp (the stamp is written last)', async () => {
    await fakeBinaries(['etcd', 'kube-apiserver'])
    expect(await staleReason(dir, 'v1.28.3')).toBe(`no ${STAMP_FILE} (an earlier build was interrupted or failed)`)
    await fakeBinaries()
    expect(await staleReason(dir, 'v1.28.3')).toBe(`no ${STAMP_FILE} (an earlier build was interrupted or failed)`)
  })

  it('rejects a build whose stamp was removed before new binaries moved in', async () => {
    await fakeBinaries()
    await stampNow()
    await removeStamp(dir)
    expect(await staleReason(dir, 'v1.28.3')).toMatch(/^no \.kubewalk-build\.json/)
  })

  it('rejects another version or commit', async () => {
    await fakeBinaries()
    await stampNow()
    expect(await staleReason(dir, 'v1.33.13')).toBe(`${STAMP_FILE} is for v1.28.3`)
    expect(await staleReason(dir, 'v1.28.3', 'ffffffffffffffffffffffffffffffffffffffff')).toBe(
      `${STAMP_FILE} records commit a8a1abc25cad, the module ffffffffffff`,
    )
  })

  it('rejects a binary that is missing, not executable or not the size the build left', async () => {
    await fakeBinaries()
    await stampNow()
    await writeFile(path.join(dir, 'kubectl'), 'half')
    expect(await staleReason(dir, 'v1.28.3')).toBe('kubectl changed since the build')
    await chmod(path.join(dir, 'etcd'), 0o644)
    expect(await staleReason(dir, 'v1.28.3')).toBe('etcd missing')
  })

  it('treats an unreadable stamp as none', async () => {
    await fakeBinaries()
    await writeFile(path.join(dir, STAMP_FILE), '{"version": "v1.28.3"')
    expect(await staleReason(dir, 'v1.28.3')).toMatch(/^no \.kubewalk-build\.json/)
  })
})
