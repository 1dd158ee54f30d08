import { constants } from 'node:fs'
import { access, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import path from 'node:path'
import { execa } from 'execa'
import { parseDocument } from 'yaml'
import { LabError, errorMessage } from '../errors.js'

/** The one Kubernetes release the lab builds and runs. */
export const LAB_KUBERNETES_VERSION = 'v1.33.13'

/** Absolute paths of the lab's four executables, all in `dir`. */
export interface LabBinaries {
  dir: string
  etcd: string
  kubeApiserver: string
  kubeControllerManager: string
  kubectl: string
}

/** Options of buildLabBinaries; all optional. */
export interface BuildLabOptions {
  version?: string
  onProgress?: (line: string) => void
  signal?: AbortSignal
}

type Component = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kubectl'

const COMPONENTS: readonly Component[] = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kubectl']
const CONSUMER_MODULE = 'kubewalk.invalid/lab'
const ETCD_SERVER_MODULE = 'go.etcd.io/etcd/server/v3'
const PROGRESS_EVERY_MS = 10_000

/** `${XDG_CACHE_HOME:-~/.cache}/kubewalk/lab/<version>`: sources, logs and (by default) binaries of one release. */
export function labCacheDir(version = LAB_KUBERNETES_VERSION): string {
  const cacheHome = process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache')
  return path.join(cacheHome, 'kubewalk', 'lab', checkVersion(version))
}

/** Where the lab's binaries live: `$KUBEWALK_LAB_BIN` if set, else `<labCacheDir>/bin`. */
export function labBinDir(version = LAB_KUBERNETES_VERSION): string {
  const fromEnv = process.env.KUBEWALK_LAB_BIN
  if (fromEnv) return path.resolve(fromEnv)
  return path.join(labCacheDir(version), 'bin')
}

function binariesIn(dir: string): LabBinaries {
  return {
    dir,
    etcd: path.join(dir, 'etcd'),
    kubeApiserver: path.join(dir, 'kube-apiserver'),
    kubeControllerManager: path.join(dir, 'kube-controller-manager'),
    kubectl: path.join(dir, 'kubectl'),
  }
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false
    await access(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

async function missingComponents(dir: string): Promise<Component[]> {
  const present = await Promise.all(COMPONENTS.map((c) => isExecutableFile(path.join(dir, c))))
  return COMPONENTS.filter((_, i) => !present[i])
}

/** The lab's binaries if all four are present and executable in labBinDir(version). */
export async function findLabBinaries(version = LAB_KUBERNETES_VERSION): Promise<LabBinaries | undefined> {
  const dir = labBinDir(version)
  return (await missingComponents(dir)).length === 0 ? binariesIn(dir) : undefined
}

function checkVersion(version: string): string {
  if (!/^v1\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) {
    throw new LabError(`version must be a Kubernetes release tag like ${LAB_KUBERNETES_VERSION}; got ${JSON.stringify(version)}.`)
  }
  return version
}

/** k8s.io/kubernetes v1.X.Y publishes its staging modules (k8s.io/api, …) as v0.X.Y. */
export function stagingVersion(version: string): string {
  return checkVersion(version).replace(/^v1\./, 'v0.')
}

interface GoModDirective {
  verb: string
  entries: string[]
}

function parseGoModDirectives(text: string): GoModDirective[] {
  const directives: GoModDirective[] = []
  let block: GoModDirective | undefined
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('//')) continue
    if (block) {
      if (line === ')') block = undefined
      else block.entries.push(line)
      continue
    }
    const opened = /^(\w+)\s*\($/.exec(line)
    if (opened) {
      block = { verb: opened[1]!, entries: [] }
      directives.push(block)
      continue
    }
    const single = /^(\w+)\s+(.*)$/.exec(line)
    if (single) directives.push({ verb: single[1]!, entries: [single[2]!] })
  }
  return directives
}

function goModBlock(verb: string, entries: string[]): string {
  return `${verb} (\n${entries.map((e) => `\t${e}`).join('\n')}\n)\n`
}

/**
 * The go.mod of a module that builds k8s.io/kubernetes@version's commands: its go and godebug lines and
 * requirements, with each staging module (replaced by ./staging/src/… upstream) pinned to its published v0.X.Y.
 */
export function consumerGoMod(kubernetesGoMod: string, version: string): string {
  const staged = stagingVersion(version)
  const directives = parseGoModDirectives(kubernetesGoMod)
  const module = directives.find((d) => d.verb === 'module')?.entries[0]
  if (module !== 'k8s.io/kubernetes') {
    throw new LabError(`Expected the go.mod of k8s.io/kubernetes, found module ${module ?? '(none)'}; pass the file named by \`go mod download -json k8s.io/kubernetes@${version}\`.`)
  }

  const stagingModules = new Set<string>()
  const replaces: string[] = []
  for (const d of directives.filter((d) => d.verb === 'replace')) {
    for (const entry of d.entries) {
      const m = /^(\S+)(\s+\S+)?\s*=>\s*(\S+)(\s+\S+)?/.exec(entry)
      if (!m) continue
      const [, from, , to] = m as unknown as [string, string, string | undefined, string]
      if (/^\.\.?\//.test(to)) {
        // Local paths exist only in kubernetes' own checkout; its staging modules are published under their own paths.
        if (to.includes('staging/src/')) {
          stagingModules.add(from)
          replaces.push(`${from} => ${from} ${staged}`)
        }
      } else {
        replaces.push(entry)
      }
    }
  }

  const out: string[] = [
    `// Generated by kubewalk from the go.mod of k8s.io/kubernetes@${version}; rewritten on every build.\n`,
    `module ${CONSUMER_MODULE}\n`,
  ]
  for (const d of directives.filter((d) => d.verb === 'go')) out.push(`go ${d.entries[0]}\n`)
  for (const d of directives.filter((d) => d.verb === 'godebug')) {
    out.push(d.entries.length === 1 ? `godebug ${d.entries[0]}\n` : goModBlock('godebug', d.entries))
  }
  out.push(`require k8s.io/kubernetes ${version}\n`)
  for (const d of directives.filter((d) => d.verb === 'require')) {
    const entries = d.entries.map((entry) => {
      const [modPath, , ...rest] = entry.split(/\s+/)
      return modPath !== undefined && stagingModules.has(modPath) ? [modPath, staged, ...rest].join(' ') : entry
    })
    out.push(goModBlock('require', entries))
  }
  for (const d of directives.filter((d) => d.verb === 'exclude')) out.push(goModBlock('exclude', d.entries))
  if (replaces.length > 0) out.push(goModBlock('replace', replaces))
  return out.join('\n')
}

function etcdGoMod(goVersion: string, etcdVersion: string): string {
  return `// Generated by kubewalk: builds etcd ${etcdVersion}, the version k8s.io/kubernetes ships.\n\nmodule kubewalk.invalid/etcd\n\ngo ${goVersion}\n\nrequire ${ETCD_SERVER_MODULE} ${etcdVersion}\n`
}

const ETCD_MAIN = `package main

import (
\t"os"

\t"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
`

/** The etcd version a kubernetes release ships, from its build/dependencies.yaml. */
export function etcdVersionFromDependencies(text: string): string {
  const doc = parseDocument(text)
  if (doc.errors.length > 0) throw new LabError(`Cannot parse build/dependencies.yaml: ${doc.errors[0]!.message}`)
  const deps = (doc.toJS() as { dependencies?: { name?: unknown; version?: unknown }[] } | null)?.dependencies ?? []
  const version = deps.find((d) => d.name === 'etcd')?.version
  if (typeof version !== 'string' && typeof version !== 'number') {
    throw new LabError('build/dependencies.yaml names no etcd version; the lab cannot tell which etcd to build.')
  }
  return `v${String(version).replace(/^v/, '')}`
}

async function writeIfChanged(file: string, text: string): Promise<void> {
  const old = await readFile(file, 'utf8').catch(() => undefined)
  if (old === text) return
  const tmp = `${file}.tmp-${process.pid}`
  await writeFile(tmp, text)
  await rename(tmp, file)
}

function elapsed(since: number): string {
  return `${Math.round((Date.now() - since) / 1000)} s`
}

async function tailOf(file: string, lines = 15): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '')
  return text.trimEnd().split('\n').slice(-lines).join('\n')
}

interface GoRun {
  args: string[]
  cwd: string
  log: string
  signal?: AbortSignal
}

/** The first line of the Error field `go mod download -json` prints for a module it cannot fetch. */
function goJsonError(stdout: string): string | undefined {
  try {
    const error = (JSON.parse(stdout) as { Error?: unknown }).Error
    return typeof error === 'string' ? error.split('\n')[0] : undefined
  } catch {
    return undefined
  }
}

/** Runs go with all of its output appended to `log`; returns stdout only when asked (for -json). */
async function runGo(run: GoRun, what: string, captureStdout = false): Promise<string> {
  const handle = await open(run.log, 'a')
  // execa's types list only the fds 0-9; at run time any fd goes straight to child_process.spawn.
  const logFd = handle.fd as 3
  try {
    await handle.write(`\n$ go ${run.args.join(' ')}\n`)
    const result = await execa('go', run.args, {
      cwd: run.cwd,
      env: { CGO_ENABLED: '0', GOWORK: 'off' },
      stdin: 'ignore',
      stdout: captureStdout ? 'pipe' : logFd,
      stderr: logFd,
      reject: false,
      ...(run.signal ? { cancelSignal: run.signal } : {}),
    })
    if (captureStdout && result.stdout) await handle.write(`${result.stdout}\n`)
    if (result.isCanceled) throw new LabError(`Building ${what} was cancelled.`, { logFile: run.log })
    if (result.failed) {
      const code = (result as { code?: string }).code
      const cause =
        code === 'ENOENT'
          ? 'go was not found on PATH; install Go 1.24 or newer'
          : ((captureStdout ? goJsonError(String(result.stdout ?? '')) : undefined) ?? `go exited with ${result.exitCode ?? result.signal}`)
      const tail = await tailOf(run.log)
      throw new LabError(`Building ${what} failed (${cause}); see ${run.log}.${tail ? `\n${tail}` : ''}`, { logFile: run.log, cause: result })
    }
    return String(result.stdout ?? '')
  } finally {
    await handle.close()
  }
}

interface DownloadedModule {
  Dir: string
  GoMod: string
  Info: string
  Error?: string
}

async function downloadModule(modAtVersion: string, run: Omit<GoRun, 'args'>): Promise<DownloadedModule> {
  const out = await runGo({ ...run, args: ['mod', 'download', '-json', modAtVersion] }, modAtVersion, true)
  let parsed: DownloadedModule
  try {
    parsed = JSON.parse(out) as DownloadedModule
  } catch (error) {
    throw new LabError(`go mod download ${modAtVersion} printed no JSON; see ${run.log}.`, { logFile: run.log, cause: error })
  }
  if (parsed.Error) throw new LabError(`Cannot download ${modAtVersion}: ${parsed.Error}`, { logFile: run.log })
  return parsed
}

function versionLdflags(version: string, buildDate: string): string {
  const [, major, minor] = /^v(\d+)\.(\d+)/.exec(version)!
  const flags = ['-s', '-w']
  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    flags.push(
      `-X ${pkg}.gitVersion=${version}`,
      `-X ${pkg}.gitMajor=${major}`,
      `-X ${pkg}.gitMinor=${minor}`,
      `-X ${pkg}.gitTreeState=clean`,
      `-X ${pkg}.buildDate=${buildDate}`,
    )
  }
  return flags.join(' ')
}

/**
 * Builds etcd, kube-apiserver, kube-controller-manager and kubectl of one Kubernetes release from Go modules into
 * labBinDir(version), skipping those already there. Never builds when KUBEWALK_LAB_BIN is set.
 */
export async function buildLabBinaries(opts: BuildLabOptions = {}): Promise<LabBinaries> {
  const version = checkVersion(opts.version ?? LAB_KUBERNETES_VERSION)
  const progress = opts.onProgress ?? (() => {})
  const binDir = labBinDir(version)
  const todo = await missingComponents(binDir)

  if (process.env.KUBEWALK_LAB_BIN) {
    if (todo.length === 0) return binariesIn(binDir)
    throw new LabError(
      `KUBEWALK_LAB_BIN=${binDir} lacks executable ${todo.join(', ')}; put the ${version} binaries there or unset KUBEWALK_LAB_BIN to let kubewalk build them.`,
    )
  }
  if (todo.length === 0) {
    progress(`lab binaries for Kubernetes ${version} already built in ${binDir}`)
    return binariesIn(binDir)
  }

  const started = Date.now()
  const cacheDir = labCacheDir(version)
  const srcDir = path.join(cacheDir, 'src')
  const logDir = path.join(cacheDir, 'logs')
  await Promise.all([mkdir(binDir, { recursive: true }), mkdir(path.join(srcDir, 'kubernetes'), { recursive: true }), mkdir(path.join(srcDir, 'etcd'), { recursive: true }), mkdir(logDir, { recursive: true })])

  const prepareLog = path.join(logDir, 'build-prepare.log')
  await writeFile(prepareLog, '')
  progress(`building ${todo.join(', ')} of Kubernetes ${version} into ${binDir}`)
  const base = { cwd: cacheDir, log: prepareLog, ...(opts.signal ? { signal: opts.signal } : {}) }
  const kubernetes = await downloadModule(`k8s.io/kubernetes@${version}`, base)
  const releaseTime = (JSON.parse(await readFile(kubernetes.Info, 'utf8')) as { Time?: string }).Time
  // The release's own commit time keeps rebuilds byte-identical.
  const buildDate = (releaseTime ?? new Date().toISOString()).replace(/\.\d+Z$/, 'Z')
  await writeIfChanged(path.join(srcDir, 'kubernetes', 'go.mod'), consumerGoMod(await readFile(kubernetes.GoMod, 'utf8'), version))

  let etcdLdflags = '-s -w'
  if (todo.includes('etcd')) {
    const etcdVersion = etcdVersionFromDependencies(await readFile(path.join(kubernetes.Dir, 'build', 'dependencies.yaml'), 'utf8'))
    const etcdServer = await downloadModule(`${ETCD_SERVER_MODULE}@${etcdVersion}`, base)
    const etcdmain = await readFile(path.join(etcdServer.Dir, 'etcdmain', 'main.go'), 'utf8').catch(() => '')
    if (!/^func Main\(args \[\]string\)/m.test(etcdmain)) {
      throw new LabError(`${ETCD_SERVER_MODULE}@${etcdVersion} has no etcdmain.Main(args); the lab's etcd wrapper needs updating for this release.`)
    }
    const goLine = /^go\s+(\S+)/m.exec(await readFile(etcdServer.GoMod, 'utf8'))?.[1] ?? '1.24'
    await writeIfChanged(path.join(srcDir, 'etcd', 'go.mod'), etcdGoMod(goLine, etcdVersion))
    await writeIfChanged(path.join(srcDir, 'etcd', 'main.go'), ETCD_MAIN)
    const origin = (JSON.parse(await readFile(etcdServer.Info, 'utf8')) as { Origin?: { Hash?: string } }).Origin
    if (origin?.Hash) etcdLdflags += ` -X go.etcd.io/etcd/api/v3/version.GitSHA=${origin.Hash.slice(0, 9)}`
    progress(`etcd ${etcdVersion} is the version Kubernetes ${version} ships`)
  }

  const ldflags = versionLdflags(version, buildDate)
  for (const component of todo) {
    if (opts.signal?.aborted) throw new LabError(`Building the lab binaries was cancelled before ${component}.`)
    const isEtcd = component === 'etcd'
    const log = path.join(logDir, `build-${component}.log`)
    await writeFile(log, '')
    const out = path.join(binDir, component)
    const tmp = path.join(binDir, `.${component}.tmp-${process.pid}`)
    const args = ['build', '-mod=mod', '-trimpath', '-ldflags', isEtcd ? etcdLdflags : ldflags, '-o', tmp, isEtcd ? '.' : `k8s.io/kubernetes/cmd/${component}`]
    const since = Date.now()
    progress(`${component}: go build (log: ${log})`)
    const ticker = setInterval(() => progress(`${component}: still building (${elapsed(since)})`), PROGRESS_EVERY_MS)
    try {
      await runGo({ args, cwd: path.join(srcDir, isEtcd ? 'etcd' : 'kubernetes'), log, ...(opts.signal ? { signal: opts.signal } : {}) }, component)
      await rename(tmp, out)
    } catch (error) {
      await rm(tmp, { force: true })
      throw error instanceof LabError ? error : new LabError(`Building ${component} failed: ${errorMessage(error)}`, { cause: error, logFile: log })
    } finally {
      clearInterval(ticker)
    }
    progress(`${component}: built in ${elapsed(since)}`)
  }
  progress(`lab binaries for Kubernetes ${version} built in ${elapsed(started)}`)
  return binariesIn(binDir)
}
