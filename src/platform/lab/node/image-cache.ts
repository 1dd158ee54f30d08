// kubewalk's image cache, ~/.cache/kubewalk/images: the tarballs `lab image import` was given, kept under their
// sha256, which every node lab pushes into its registry when it starts.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { execa } from 'execa'
import { LabError } from '../../../core/errors.js'
import { kubewalkCacheDir } from '../../paths.js'
import { canonicalImageName } from './mirror.js'

/** `$XDG_CACHE_HOME/kubewalk/images`, else `~/.cache/kubewalk/images`. */
export function imageCacheDir(): string {
  return path.join(kubewalkCacheDir(), 'images')
}

/** One cached tarball and the image names it carries. */
export interface CachedImage {
  file: string
  names: string[]
}

/**
 * The names an image tarball carries, canonical (docker.io/library/nginx:latest): an OCI layout's index.json
 * (`io.containerd.image.name`, or a full `org.opencontainers.image.ref.name`) and a docker save's manifest.json (RepoTags).
 */
export function tarballImageNames(files: { indexJson?: string; manifestJson?: string }): string[] {
  const names: string[] = []
  const add = (n: unknown): void => {
    if (typeof n !== 'string' || n === '') return
    try {
      const c = canonicalImageName(n)
      if (!names.includes(c)) names.push(c)
    } catch {
      // Not a name (an OCI ref.name may be a bare tag such as "1.0"): nothing to serve it under.
    }
  }
  if (files.indexJson !== undefined) {
    const index = JSON.parse(files.indexJson) as { manifests?: { annotations?: Record<string, string> }[] }
    for (const m of index.manifests ?? []) {
      const a = m.annotations ?? {}
      const ref = a['org.opencontainers.image.ref.name']
      add(a['io.containerd.image.name'] ?? (ref?.includes('/') ? ref : undefined))
    }
  }
  if (files.manifestJson !== undefined) {
    const manifest = JSON.parse(files.manifestJson) as { RepoTags?: string[] | null }[]
    for (const m of manifest) for (const t of m.RepoTags ?? []) add(t)
  }
  return names
}

async function member(tarball: string, name: string): Promise<string | undefined> {
  const r = await execa('tar', ['-xOf', tarball, name], { reject: false, stdin: 'ignore', maxBuffer: 16 * 1024 * 1024 })
  return r.failed ? undefined : String(r.stdout)
}

/** The names in an image tarball; a LabError when it is neither an OCI layout nor a docker save, or names nothing. */
export async function readTarballImageNames(tarball: string): Promise<string[]> {
  const [indexJson, manifestJson] = await Promise.all([member(tarball, 'index.json'), member(tarball, 'manifest.json')])
  if (indexJson === undefined && manifestJson === undefined)
    throw new LabError(`${tarball} has neither index.json nor manifest.json: it is not an image tarball (docker save or OCI layout).`)
  let names: string[]
  try {
    names = tarballImageNames({ ...(indexJson !== undefined ? { indexJson } : {}), ...(manifestJson !== undefined ? { manifestJson } : {}) })
  } catch (e) {
    throw new LabError(`${tarball}: its index.json or manifest.json is not valid JSON.`, { cause: e })
  }
  if (names.length === 0)
    throw new LabError(`${tarball} names no image (no RepoTags, no io.containerd.image.name); save it with a name, e.g. docker save nginx:1.27.`)
  return names
}

async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Copies an image tarball into the cache (once: the same bytes are one file); returns it with its names. */
export async function cacheImage(tarball: string): Promise<CachedImage> {
  const names = await readTarballImageNames(tarball)
  const dir = imageCacheDir()
  await mkdir(dir, { recursive: true })
  const file = path.join(dir, `${await fileSha256(tarball)}.tar`)
  const tmp = `${file}.${process.pid}.tmp`
  try {
    await copyFile(tarball, tmp)
    await rename(tmp, file)
  } finally {
    await rm(tmp, { force: true })
  }
  return { file, names }
}

/**
 * Every tarball in the cache with its names, oldest name first per file; files that are not image tarballs are
 * skipped. A name two tarballs carry is the newest one's (the last cached, as an import replaces an image): the
 * older tarball no longer lists it, and one left with no name is not listed.
 */
export async function cachedImages(): Promise<CachedImage[]> {
  const dir = imageCacheDir()
  const entries = (await readdir(dir).catch(() => [])).filter((e) => /^[0-9a-f]{64}\.tar$/.test(e)).sort()
  const read: (CachedImage & { at: number })[] = []
  for (const e of entries) {
    const file = path.join(dir, e)
    const names = await readTarballImageNames(file).catch(() => undefined)
    const at = (await stat(file).catch(() => undefined))?.mtimeMs
    if (names && at !== undefined) read.push({ file, names, at })
  }
  const newest = new Map<string, string>()
  for (const r of [...read].sort((a, b) => a.at - b.at)) for (const n of r.names) newest.set(n, r.file)
  return read.map(({ file, names }) => ({ file, names: names.filter((n) => newest.get(n) === file) })).filter((c) => c.names.length > 0)
}
