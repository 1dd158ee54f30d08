// Builds a node's parts only when a node is asked for: kubelet, kube-scheduler and kube-proxy from the release's
// consumer module (same flags, tags and cache as the control plane), and containerd, the CNI plugins, CoreDNS and a
// pause program from Go modules at pinned versions; then the images.
import { constants } from 'node:fs'
import { access, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { LabError, errorMessage } from '../../../core/errors.js'
import { BUILD_TAGS, FAST_COMPILE_ENV, FAST_GCFLAGS, labCacheDir, type LabBinaries } from '../build.js'
import { writeWhole } from '../files.js'
import { GoFailure, downloadModule, runGo } from '../go.js'
import { parseModuleInfo, versionLdflags } from '../gomod.js'
import { formatDuration } from '../progress.js'
import { buildImage, singleBinaryRootfs, toolsRootfs } from './images.js'
import {
  MODULE_BUILDS,
  NODE_IMAGES,
  NODE_KUBERNETES_COMMANDS,
  REGISTRY_BUILD,
  type ModuleBuild,
  commandName,
  nodeBinariesFor,
  nodeCommonDir,
  nodeRegistryDir,
  nodeVersionDir,
  packagePath,
  type NodeBinaries,
} from './parts.js'

/** Options of buildNode. */
export interface BuildNodeOptions {
  onProgress?: (line: string) => void
  signal?: AbortSignal
}

const STAMP = '.kubewalk-node-build.json'

interface NodeStamp {
  key: string
  builtAt: string
  ms: number
  sizes: Record<string, number>
}

async function sizeOf(file: string): Promise<number | undefined> {
  try {
    await access(file, constants.R_OK)
    return (await stat(file)).size
  } catch {
    return undefined
  }
}

/** A build is finished when its stamp names the same key and every file still has the size it was built with. */
async function finished(dir: string, key: string): Promise<NodeStamp | undefined> {
  try {
    const stamp = JSON.parse(await readFile(path.join(dir, STAMP), 'utf8')) as NodeStamp
    if (stamp.key !== key) return undefined
    for (const [file, size] of Object.entries(stamp.sizes)) if ((await sizeOf(path.join(dir, file))) !== size) return undefined
    return stamp
  } catch {
    return undefined
  }
}

async function stamp(dir: string, key: string, files: string[], ms: number): Promise<void> {
  const sizes: Record<string, number> = {}
  for (const f of files) {
    const size = await sizeOf(path.join(dir, f))
    if (size === undefined) throw new LabError(`The node build left no ${path.join(dir, f)}.`)
    sizes[f] = size
  }
  await writeWhole(path.join(dir, STAMP), `${JSON.stringify({ key, builtAt: new Date().toISOString(), ms, sizes }, null, 2)}\n`)
}

const REGISTRY_KEY = `${REGISTRY_BUILD.module}@${REGISTRY_BUILD.version}`
const COMMON_KEY = MODULE_BUILDS.map((b) => `${b.module}@${b.version}`).join(' ') + ' images:1'

// The pause container: PID 1 of every Pod sandbox, which reaps orphans and exits on SIGINT/SIGTERM.
const PAUSE_MAIN = `package main

import (
\t"os"
\t"os/signal"
\t"syscall"
)

func main() {
\tsigs := make(chan os.Signal, 16)
\tsignal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
\tfor s := range sigs {
\t\tif s != syscall.SIGCHLD {
\t\t\tos.Exit(0)
\t\t}
\t\tfor {
\t\t\tvar status syscall.WaitStatus
\t\t\tif pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil); pid <= 0 || err != nil {
\t\t\t\tbreak
\t\t\t}
\t\t}
\t}
}
`

/** Whether the parts of a node for `version` are built; their paths either way. */
export async function findNode(version: string): Promise<NodeBinaries | undefined> {
  const own = await finished(nodeVersionDir(version), version)
  const common = await finished(nodeCommonDir(), COMMON_KEY)
  const registry = await finished(nodeRegistryDir(), REGISTRY_KEY)
  return own && common && registry ? nodeBinariesFor(version) : undefined
}

/** `go install` of a module build's packages into `gobin`, with the lab's fast-compile flags. */
async function goInstall(b: ModuleBuild, o: { work: string; gobin: string; log: string; signal?: AbortSignal }): Promise<void> {
  await runGo(
    {
      cwd: o.work,
      log: o.log,
      ...(o.signal ? { signal: o.signal } : {}),
      env: { ...FAST_COMPILE_ENV, GOBIN: o.gobin, GOFLAGS: '' },
      args: [
        'install',
        '-trimpath',
        `-gcflags=all=${FAST_GCFLAGS}`,
        '-ldflags',
        b.ldflags,
        ...b.packages.map((p) => `${packagePath(b, p)}@${b.version}`),
      ],
    },
    b.label,
  )
}

async function buildRegistry(log: string, progress: (line: string) => void, signal?: AbortSignal): Promise<void> {
  const dir = nodeRegistryDir()
  if (await finished(dir, REGISTRY_KEY)) {
    progress(`the Distribution registry already built in ${dir}`)
    return
  }
  const b = REGISTRY_BUILD
  const started = Date.now()
  await mkdir(dir, { recursive: true })
  const work = await mkdtemp(path.join(dir, `.build-${process.pid}-`))
  try {
    const gobin = path.join(work, 'bin')
    await mkdir(gobin)
    progress(`${b.label}: building registry (log: ${log})`)
    await goInstall(b, { work, gobin, log, ...(signal ? { signal } : {}) })
    await rm(path.join(dir, 'bin'), { recursive: true, force: true })
    await rename(gobin, path.join(dir, 'bin'))
    const ms = Date.now() - started
    await stamp(dir, REGISTRY_KEY, ['bin/registry'], ms)
    progress(`${b.label}: built in ${formatDuration(ms)}`)
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

async function buildCommon(log: string, progress: (line: string) => void, signal?: AbortSignal): Promise<void> {
  const dir = nodeCommonDir()
  if (await finished(dir, COMMON_KEY)) {
    progress(`containerd, CNI plugins, CoreDNS and pause already built in ${dir}`)
    return
  }
  const started = Date.now()
  await mkdir(dir, { recursive: true })
  const work = await mkdtemp(path.join(dir, `.build-${process.pid}-`))
  try {
    const gobin = path.join(work, 'bin')
    await mkdir(gobin)
    for (const b of MODULE_BUILDS) {
      const since = Date.now()
      progress(`${b.label}: building ${b.packages.map((p) => commandName(b, p)).join(', ')} (log: ${log})`)
      await goInstall(b, { work, gobin, log, ...(signal ? { signal } : {}) })
      progress(`${b.label}: built in ${formatDuration(Date.now() - since)}`)
    }
    const pauseSrc = path.join(work, 'pause')
    await mkdir(pauseSrc)
    await writeFile(path.join(pauseSrc, 'go.mod'), 'module kubewalk.invalid/pause\n\ngo 1.21\n')
    await writeFile(path.join(pauseSrc, 'main.go'), PAUSE_MAIN)
    await runGo(
      { cwd: pauseSrc, log, ...(signal ? { signal } : {}), args: ['build', '-trimpath', '-ldflags', '-s -w', '-o', path.join(gobin, 'pause'), '.'] },
      'pause',
    )

    const images = path.join(work, 'images')
    await mkdir(images)
    for (const [name, binary, tarball] of [
      ['pause', path.join(gobin, 'pause'), path.join(images, 'pause.tar')],
      ['coredns', path.join(gobin, 'coredns'), path.join(images, 'coredns.tar')],
    ] as const) {
      const rootfs = path.join(work, `rootfs-${name}`)
      await singleBinaryRootfs(rootfs, binary, name)
      await buildImage(rootfs, tarball, NODE_IMAGES[name], { entrypoint: [`/${name}`] })
    }
    const cni = ['bridge', 'loopback', 'host-local', 'portmap']
    const binaries = ['containerd', 'containerd-shim-runc-v2', 'ctr']
    await rm(path.join(dir, 'bin'), { recursive: true, force: true })
    await rm(path.join(dir, 'cni'), { recursive: true, force: true })
    await rm(path.join(dir, 'images'), { recursive: true, force: true })
    await mkdir(path.join(dir, 'bin'))
    await mkdir(path.join(dir, 'cni'))
    for (const b of [...binaries, 'coredns', 'pause']) await rename(path.join(gobin, b), path.join(dir, 'bin', b))
    for (const c of cni) await rename(path.join(gobin, c), path.join(dir, 'cni', c))
    await rename(images, path.join(dir, 'images'))
    const ms = Date.now() - started
    await stamp(
      dir,
      COMMON_KEY,
      [...[...binaries, 'coredns', 'pause'].map((b) => `bin/${b}`), ...cni.map((c) => `cni/${c}`), 'images/pause.tar', 'images/coredns.tar'],
      ms,
    )
    progress(`containerd, CNI plugins, CoreDNS and pause built in ${formatDuration(ms)}`)
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

async function buildKubernetesParts(lab: LabBinaries, log: string, progress: (line: string) => void, signal?: AbortSignal): Promise<void> {
  const version = lab.version
  const dir = nodeVersionDir(version)
  if (await finished(dir, version)) {
    progress(`kubelet, kube-scheduler, kube-proxy and the tools image for ${version} already built in ${dir}`)
    return
  }
  const started = Date.now()
  const src = path.join(labCacheDir(version), 'src', 'kubernetes')
  if ((await sizeOf(path.join(src, 'go.mod'))) === undefined)
    throw new LabError(`${src}/go.mod is missing; build the control plane first (kubewalk lab build --version ${version}).`)
  await mkdir(dir, { recursive: true })
  const work = await mkdtemp(path.join(dir, `.build-${process.pid}-`))
  try {
    const base = { cwd: src, log, ...(signal ? { signal } : {}) }
    // Stamped exactly as the control plane is, so the build cache it left is used.
    const kubernetes = await downloadModule(`k8s.io/kubernetes@${version}`, base)
    const info = parseModuleInfo(await readFile(kubernetes.Info, 'utf8'))
    const buildDate = (info.time ?? new Date().toISOString()).replace(/\.\d+Z$/, 'Z')
    const ldflags = versionLdflags({ version, buildDate, ...(info.commit ? { commit: info.commit } : {}) })
    progress(`kubernetes ${version}: building ${NODE_KUBERNETES_COMMANDS.join(', ')} (log: ${log})`)
    const out = path.join(work, 'bin')
    await mkdir(out)
    try {
      await runGo(
        {
          ...base,
          env: FAST_COMPILE_ENV,
          args: [
            'build',
            '-mod=mod',
            '-trimpath',
            `-gcflags=all=${FAST_GCFLAGS}`,
            `-tags=${BUILD_TAGS}`,
            '-ldflags',
            ldflags,
            '-o',
            `${out}${path.sep}`,
            ...NODE_KUBERNETES_COMMANDS.map((c) => `k8s.io/kubernetes/cmd/${c}`),
          ],
        },
        `kubelet, kube-scheduler and kube-proxy ${version}`,
      )
    } catch (error) {
      throw error instanceof GoFailure
        ? new LabError(`Building the node's Kubernetes ${version} commands failed (go ${error.exit}); see ${log}.`, { logFile: log, cause: error })
        : error
    }
    progress(`kubernetes ${version}: built ${NODE_KUBERNETES_COMMANDS.join(', ')} in ${formatDuration(Date.now() - started)}`)
    const rootfs = path.join(work, 'rootfs-tools')
    await toolsRootfs(rootfs, lab.kubectl)
    const images = path.join(work, 'images')
    await mkdir(images)
    await buildImage(rootfs, path.join(images, 'tools.tar'), NODE_IMAGES.tools, { entrypoint: ['/bin/sh'] })
    await rm(path.join(dir, 'bin'), { recursive: true, force: true })
    await rm(path.join(dir, 'images'), { recursive: true, force: true })
    await rename(out, path.join(dir, 'bin'))
    await rename(images, path.join(dir, 'images'))
    const ms = Date.now() - started
    await stamp(dir, version, [...NODE_KUBERNETES_COMMANDS.map((c) => `bin/${c}`), 'images/tools.tar'], ms)
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

/**
 * Builds what a node of `lab.version` needs, unless it is built already: kubelet, kube-scheduler and kube-proxy
 * (from the control plane's consumer module, so its build cache serves), containerd, the CNI plugins, CoreDNS, a
 * pause program, the Distribution registry, and the pause, CoreDNS and tools images. Each part is stamped when done; a half build is never used.
 */
export async function buildNode(lab: LabBinaries, opts: BuildNodeOptions = {}): Promise<NodeBinaries> {
  const progress = opts.onProgress ?? (() => {})
  const logDir = path.join(labCacheDir(lab.version), 'logs')
  await mkdir(logDir, { recursive: true })
  const log = path.join(logDir, 'build-node.log')
  await writeWhole(log, '')
  try {
    await buildCommon(log, progress, opts.signal)
    await buildRegistry(log, progress, opts.signal)
    await buildKubernetesParts(lab, log, progress, opts.signal)
  } catch (error) {
    if (opts.signal?.aborted) throw new LabError(`Building the node's parts was cancelled; nothing half-built is used.`, { cause: error })
    throw error instanceof LabError ? error : new LabError(`Building the node's parts failed: ${errorMessage(error)}`, { cause: error })
  }
  const found = await findNode(lab.version)
  if (!found) throw new LabError(`The node build finished but its stamps do not match; see ${log}.`, { logFile: log })
  return found
}
