// Container images without a registry: a root file system packed as one layer into an OCI image layout tarball, which
// `ctr images import` takes as it is. The tools image copies the system's curl and shell with the libraries ldd names.
import { createHash } from 'node:crypto'
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { execa } from 'execa'
import { LabError } from '../../../core/errors.js'
import { which } from '../../shell.js'

/** How an image runs: its entrypoint, arguments and environment. */
export interface ImageRunConfig {
  entrypoint: string[]
  cmd?: string[]
  env?: string[]
}

const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json'
const CONFIG_TYPE = 'application/vnd.oci.image.config.v1+json'
const LAYER_TYPE = 'application/vnd.oci.image.layer.v1.tar'

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex')
}

/**
 * The JSON documents of a one-layer linux/amd64 OCI image named `name`, for an uncompressed layer of the given
 * digest (hex) and size: its config, its manifest and the layout's index.json (which carries the name for ctr).
 */
export function ociDocuments(
  name: string,
  layer: { digest: string; size: number },
  run: ImageRunConfig,
): { config: string; manifest: string; index: string } {
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: {
      Entrypoint: run.entrypoint,
      ...(run.cmd ? { Cmd: run.cmd } : {}),
      Env: run.env ?? ['PATH=/usr/local/bin:/usr/bin:/bin'],
      WorkingDir: '/',
    },
    rootfs: { type: 'layers', diff_ids: [`sha256:${layer.digest}`] },
    history: [{ created_by: 'kubewalk lab build --node' }],
  })
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST_TYPE,
    config: { mediaType: CONFIG_TYPE, digest: `sha256:${sha256(config)}`, size: Buffer.byteLength(config) },
    layers: [{ mediaType: LAYER_TYPE, digest: `sha256:${layer.digest}`, size: layer.size }],
  })
  const index = JSON.stringify({
    schemaVersion: 2,
    manifests: [
      {
        mediaType: MANIFEST_TYPE,
        digest: `sha256:${sha256(manifest)}`,
        size: Buffer.byteLength(manifest),
        annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': name.slice(name.lastIndexOf(':') + 1) },
        platform: { architecture: 'amd64', os: 'linux' },
      },
    ],
  })
  return { config, manifest, index }
}

// The same bytes for the same files: sorted, dated 1970, owned by root.
const TAR_FLAGS = [
  '--sort=name',
  '--mtime=@0',
  '--owner=0',
  '--group=0',
  '--numeric-owner',
  '--format=posix',
  '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
]

async function tar(args: string[]): Promise<void> {
  const r = await execa('tar', args, { reject: false, stdin: 'ignore' })
  if (r.failed) throw new LabError(`tar ${args.slice(0, 3).join(' ')} failed: ${String(r.stderr).trim().split('\n').slice(-2).join(' ')}`)
}

/** Packs `rootfs` as the one layer of image `name` into an OCI layout tarball at `out`. */
export async function buildImage(rootfs: string, out: string, name: string, run: ImageRunConfig): Promise<void> {
  const work = await mkdtemp(path.join(path.dirname(out), '.image-'))
  try {
    const layerFile = path.join(work, 'layer.tar')
    await tar([...TAR_FLAGS, '-C', rootfs, '-cf', layerFile, '.'])
    const layer = await readFile(layerFile)
    const docs = ociDocuments(name, { digest: sha256(layer), size: layer.length }, run)
    const layout = path.join(work, 'layout')
    const blobs = path.join(layout, 'blobs', 'sha256')
    await mkdir(blobs, { recursive: true })
    await copyFile(layerFile, path.join(blobs, sha256(layer)))
    await writeFile(path.join(blobs, sha256(docs.config)), docs.config)
    await writeFile(path.join(blobs, sha256(docs.manifest)), docs.manifest)
    await writeFile(path.join(layout, 'index.json'), docs.index)
    await writeFile(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }))
    await tar([...TAR_FLAGS, '-C', layout, '-cf', `${out}.tmp`, 'oci-layout', 'index.json', 'blobs'])
    await rm(out, { force: true })
    await execa('mv', [`${out}.tmp`, out])
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

/** The files `ldd` says a dynamic executable loads (the vDSO, which has no file, left out). */
export function parseLdd(text: string): string[] {
  const files: string[] = []
  for (const line of text.split('\n')) {
    const arrow = /=>\s+(\/\S+)\s+\(/.exec(line)
    const direct = /^\s*(\/\S+)\s+\(/.exec(line)
    const file = arrow?.[1] ?? direct?.[1]
    if (file && !files.includes(file)) files.push(file)
  }
  return files
}

/** Copies `file` (following symlinks) to the same path under `root`, keeping its mode. */
async function copyInto(root: string, file: string, as = file): Promise<void> {
  const dest = path.join(root, as)
  await mkdir(path.dirname(dest), { recursive: true })
  await copyFile(file, dest)
  await chmod(dest, (await stat(file)).mode & 0o7777)
}

/** Copies an executable and every library ldd names for it; a static one ("not a dynamic executable") alone. */
async function copyWithLibraries(root: string, file: string, as = file): Promise<void> {
  await copyInto(root, file, as)
  const r = await execa('ldd', [file], { reject: false, stdin: 'ignore' })
  if (r.failed) return
  for (const lib of parseLdd(String(r.stdout))) await copyInto(root, lib)
}

/** Programs of the tools image besides curl and kubectl: a shell and what a walkthrough's one-liners use. */
export const TOOLS_PROGRAMS = ['sh', 'cat', 'sleep', 'ls', 'env', 'base64', 'cut', 'tr', 'head', 'wc', 'id', 'hostname', 'grep', 'sed'] as const

/** The tools image's root file system: /bin/sh, curl that speaks TLS, `kubectl` (the lab's), and a few coreutils. */
export async function toolsRootfs(root: string, kubectl: string): Promise<void> {
  for (const name of [...TOOLS_PROGRAMS, 'curl']) {
    const file = await which(name, { PATH: '/usr/bin:/bin' })
    if (!file)
      throw new LabError(
        `The tools image needs ${name}, which is not in /usr/bin or /bin; install it (Debian: ${name === 'curl' ? 'curl' : 'coreutils'}).`,
      )
    await copyWithLibraries(root, file, path.join('/bin', name))
  }
  await copyInto(root, kubectl, '/bin/kubectl')
  for (const dir of ['etc', 'tmp', 'root', 'var/run/secrets']) await mkdir(path.join(root, dir), { recursive: true })
  await chmod(path.join(root, 'tmp'), 0o1777)
  await writeFile(path.join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n')
  await writeFile(path.join(root, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n')
  await writeFile(path.join(root, 'etc', 'nsswitch.conf'), 'hosts: files dns\n')
}

/** A root file system of one static executable at `/name`. */
export async function singleBinaryRootfs(root: string, binary: string, name: string): Promise<void> {
  await copyInto(root, binary, `/${name}`)
  for (const dir of ['etc', 'tmp']) await mkdir(path.join(root, dir), { recursive: true })
}
