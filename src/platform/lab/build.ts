// Builds the lab's four binaries of one Kubernetes release from Go modules, into a per-version cache directory.
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { LabError, errorMessage } from '../../core/errors.js'
import { kubewalkCacheDir } from '../paths.js'
import { pidAlive } from '../scratch.js'
import { writeIfChanged, writeWhole } from './files.js'
import { GoFailure, downloadModule, listTargets, runGo, type DownloadedModule, type GoRun } from './go.js'
import {
  ETCD_MAIN,
  ETCD_SERVER_MODULE,
  consumerGoMod,
  etcdGoMod,
  etcdLdflags,
  etcdVersionFromDependencies,
  parseModuleInfo,
  versionLdflags,
  type ModuleInfo,
} from './gomod.js'
import {
  BuildProgress,
  estimateRemainingMs,
  firstCompilerError,
  formatDuration,
  progressLine,
  targetsNeeding,
  type BuildRecord,
  type BuildTarget,
} from './progress.js'
import {
  LAB_COMPONENTS,
  binarySizes,
  kubectlStaleReason,
  readRecordFile,
  readStamp,
  removeKubectlStamp,
  removeStamp,
  staleReason,
  writeKubectlStamp,
  writeStamp,
  type LabBinaryName,
} from './stamp.js'
import { DEFAULT_LAB_VERSION, checkLabVersion } from './versions.js'

/** Absolute paths of the lab's four executables, all in `dir`, and the Kubernetes release they are. */
export interface LabBinaries {
  dir: string
  version: string
  etcd: string
  kubeApiserver: string
  kubeControllerManager: string
  kubectl: string
}

/** Options of buildLabBinaries; all optional. */
export interface BuildLabOptions {
  /** A release tag (resolve aliases with resolveLabVersion first); default DEFAULT_LAB_VERSION. */
  version?: string
  onProgress?: (line: string) => void
  signal?: AbortSignal
  /** How often the ticker reports while go compiles; default 10 s, never under 2 s. */
  progressEveryMs?: number
}

const KUBERNETES_COMMANDS = ['kube-apiserver', 'kube-controller-manager', 'kubectl'] as const
const ETCD_PACKAGE = 'kubewalk.invalid/etcd'
const RECORD_FILE = 'build-times.json'
const ETCD_NICE = 10
// The linker's -s -w throws DWARF away anyway, so the compiler need not make it; and fewer garbage collections in the
// compiler (GOGC=400; a compile of the largest package stays well under 2 GB). kubectl alone, from an empty build
// cache: 124 s against 140 s.
export const FAST_GCFLAGS = '-dwarf=false'
export const FAST_COMPILE_ENV = { GOGC: '400' }
// Up to 1.30 kube-controller-manager and kube-apiserver link the in-tree cloud providers (Azure, vSphere, GCE SDKs:
// a fifth of the packages); Kubernetes' own `providerless` tag leaves them out. A lab has no cloud. Later releases
// have no such code, and the tag changes nothing.
export const BUILD_TAGS = 'providerless'
const defaults = { progressEveryMs: 10_000 }

/** `${XDG_CACHE_HOME:-~/.cache}/kubewalk/lab`: one directory per release below it. */
export function labCacheRoot(): string {
  return path.join(kubewalkCacheDir(), 'lab')
}

/** `${XDG_CACHE_HOME:-~/.cache}/kubewalk/lab/<version>`: sources, logs, build times and (by default) binaries of one release. */
export function labCacheDir(version = DEFAULT_LAB_VERSION): string {
  return path.join(labCacheRoot(), checkLabVersion(version))
}

/** Where the lab's binaries live: `$KUBEWALK_LAB_BIN` if set, else `<labCacheDir>/bin`. */
export function labBinDir(version = DEFAULT_LAB_VERSION): string {
  const fromEnv = process.env.KUBEWALK_LAB_BIN
  if (fromEnv) return path.resolve(fromEnv)
  return path.join(labCacheDir(version), 'bin')
}

/** `go build` of `pkgs` into `out` (a file, or a directory ending in a separator): one set of flags for every build, so they share go's build cache. */
function goBuildArgs(out: string, pkgs: string[], ldflags: string, log: string): string[] {
  // KUBEWALK_LAB_GO_TRACE=1 keeps go's own trace of every compile and link (chrome://tracing) beside the log.
  const trace = process.env.KUBEWALK_LAB_GO_TRACE === '1' ? [`-debug-trace=${log.replace(/\.log$/, '.trace.json')}`] : []
  return [
    'build',
    '-v',
    '-mod=mod',
    '-trimpath',
    ...trace,
    `-gcflags=all=${FAST_GCFLAGS}`,
    `-tags=${BUILD_TAGS}`,
    '-ldflags',
    ldflags,
    '-o',
    out,
    ...pkgs,
  ]
}

/** k8s.io/kubernetes@version downloaded, and the module that builds its commands written into `<srcDir>/kubernetes`. */
async function prepareKubernetes(
  version: string,
  srcDir: string,
  base: Omit<GoRun, 'args'>,
  progress: (line: string) => void,
): Promise<{ module: DownloadedModule; info: ModuleInfo; ldflags: string }> {
  const module = await downloadModule(`k8s.io/kubernetes@${version}`, base)
  const info = parseModuleInfo(await readFile(module.Info, 'utf8'))
  if (!info.commit) progress(`the module proxy does not record the commit of k8s.io/kubernetes@${version}; the binaries report it as "unknown"`)
  // The release's own commit time keeps rebuilds byte-identical.
  const buildDate = (info.time ?? new Date().toISOString()).replace(/\.\d+Z$/, 'Z')
  await writeIfChanged(path.join(srcDir, 'kubernetes', 'go.mod'), consumerGoMod(await readFile(module.GoMod, 'utf8'), version))
  return { module, info, ldflags: versionLdflags({ version, buildDate, ...(info.commit ? { commit: info.commit } : {}) }) }
}

function binariesIn(dir: string, version: string): LabBinaries {
  return {
    dir,
    version,
    etcd: path.join(dir, 'etcd'),
    kubeApiserver: path.join(dir, 'kube-apiserver'),
    kubeControllerManager: path.join(dir, 'kube-controller-manager'),
    kubectl: path.join(dir, 'kubectl'),
  }
}

/**
 * The binaries of `version` if a finished build left them in labBinDir(version): all four, with a matching build
 * stamp. With KUBEWALK_LAB_BIN set, any four executables there (their stamp, if any, names the version).
 */
export async function findLabBinaries(version = DEFAULT_LAB_VERSION): Promise<LabBinaries | undefined> {
  checkLabVersion(version)
  const dir = labBinDir(version)
  if (process.env.KUBEWALK_LAB_BIN) {
    if ((await binarySizes(dir)).missing.length > 0) return undefined
    return binariesIn(dir, (await readStamp(dir))?.version ?? version)
  }
  return (await staleReason(dir, version)) === undefined ? binariesIn(dir, version) : undefined
}

const readRecord = (dir: string): Promise<BuildRecord | undefined> =>
  readRecordFile<BuildRecord>(path.join(dir, RECORD_FILE), (r) => typeof r.totalMs === 'number' && typeof r.stepsMs === 'object')

/** This version's last build record, else the newest of any version's on this machine (their builds are alike). */
async function previousRecord(version: string): Promise<BuildRecord | undefined> {
  const own = await readRecord(labCacheDir(version))
  if (own) return own
  const others = await readdir(labCacheRoot()).catch(() => [] as string[])
  const records = (await Promise.all(others.map((v) => readRecord(path.join(labCacheRoot(), v))))).filter((r): r is BuildRecord => r !== undefined)
  return records.sort((a, b) => b.finishedAt.localeCompare(a.finishedAt))[0]
}

/**
 * A build's start: the version's cache folders made (bin, logs, a source folder per module), abandoned work removed,
 * a work directory beside bin/ (on the same file system, so finished binaries move into place with a rename), the
 * signal that also stops on the build's own failure, and how often it reports progress.
 */
async function openBuild(version: string, opts: BuildLabOptions, modules: readonly string[]) {
  const cacheDir = labCacheDir(version)
  const binDir = path.join(cacheDir, 'bin')
  const srcDir = path.join(cacheDir, 'src')
  const logDir = path.join(cacheDir, 'logs')
  await Promise.all([binDir, logDir, ...modules.map((m) => path.join(srcDir, m))].map((d) => mkdir(d, { recursive: true })))
  await removeAbandonedWork(cacheDir)
  const work = await mkdtemp(path.join(cacheDir, `.build-${process.pid}-`))
  const inner = new AbortController()
  const signal = opts.signal ? AbortSignal.any([opts.signal, inner.signal]) : inner.signal
  const every = Math.max(2_000, opts.progressEveryMs ?? defaults.progressEveryMs)
  let ticker: NodeJS.Timeout | undefined
  /** Reports every `every` ms while the build runs. */
  const tick = (report: () => void): void => void (ticker = setInterval(report, every))
  /** The build's body: a failure stops the rest and is named `what`; the ticker stops and the work directory goes either way. */
  const run = async <T>(what: string, body: () => Promise<T>): Promise<T> => {
    try {
      return await body()
    } catch (error) {
      inner.abort()
      throw buildFailure(what, binDir, error, opts.signal)
    } finally {
      if (ticker) clearInterval(ticker)
      await rm(work, { recursive: true, force: true })
    }
  }
  return { cacheDir, binDir, srcDir, logDir, work, inner, signal, tick, run }
}

/** Work directories of builds whose process is gone (Ctrl-C, a crash) hold half-built output: removed, never used. */
async function removeAbandonedWork(cacheDir: string): Promise<void> {
  const entries = await readdir(cacheDir).catch(() => [] as string[])
  await Promise.all(
    entries
      .map((e) => [e, /^\.build-(\d+)-/.exec(e)] as const)
      .filter(([, m]) => m && !pidAlive(Number(m[1])))
      .map(([e]) => rm(path.join(cacheDir, e), { recursive: true, force: true })),
  )
}

interface Job {
  label: string
  step: 'etcd' | 'kubernetes'
  log: string
  since: number
  endedAt?: number
  progress?: BuildProgress
  curve: [number, number][]
  outDir: string
  names: readonly LabBinaryName[]
}

/**
 * Builds etcd, kube-apiserver, kube-controller-manager and kubectl of one Kubernetes release from Go modules into
 * labBinDir(version), unless a finished build of that version is there already. Never builds when KUBEWALK_LAB_BIN
 * is set. Output goes to a work directory first and is renamed into place; a stamp written last marks the build done.
 */
export async function buildLabBinaries(opts: BuildLabOptions = {}): Promise<LabBinaries> {
  const version = checkLabVersion(opts.version ?? DEFAULT_LAB_VERSION)
  const progress = opts.onProgress ?? (() => {})
  const binDir = labBinDir(version)

  if (process.env.KUBEWALK_LAB_BIN) {
    const { missing } = await binarySizes(binDir)
    if (missing.length === 0) return binariesIn(binDir, (await readStamp(binDir))?.version ?? version)
    throw new LabError(
      `KUBEWALK_LAB_BIN=${binDir} lacks executable ${missing.join(', ')}; put the ${version} binaries there or unset KUBEWALK_LAB_BIN to let kubewalk build them.`,
    )
  }
  const reason = await staleReason(binDir, version)
  if (reason === undefined) {
    progress(`lab binaries for Kubernetes ${version} already built in ${binDir}`)
    return binariesIn(binDir, version)
  }

  const started = Date.now()
  const { cacheDir, srcDir, logDir, work, signal, inner, tick, run } = await openBuild(version, opts, ['kubernetes', 'etcd'])

  return run(`Kubernetes ${version}`, async () => {
    const prepareLog = path.join(logDir, 'build-prepare.log')
    await writeWhole(prepareLog, '')
    progress(
      `building Kubernetes ${version} (etcd, kube-apiserver, kube-controller-manager, kubectl) into ${binDir}${reason === 'not built yet' ? '' : `: ${reason}`}`,
    )
    const base = { cwd: cacheDir, log: prepareLog, signal }
    const { module: kubernetes, info, ldflags: kubernetesLdflags } = await prepareKubernetes(version, srcDir, base, progress)

    const etcdVersion = etcdVersionFromDependencies(await readFile(path.join(kubernetes.Dir, 'build', 'dependencies.yaml'), 'utf8'))
    const etcdServer = await downloadModule(`${ETCD_SERVER_MODULE}@${etcdVersion}`, base)
    const etcdmain = await readFile(path.join(etcdServer.Dir, 'etcdmain', 'main.go'), 'utf8').catch(() => '')
    if (!/^func Main\(args \[\]string\)/m.test(etcdmain)) {
      throw new LabError(`${ETCD_SERVER_MODULE}@${etcdVersion} has no etcdmain.Main(args); the lab's etcd wrapper needs updating for this release.`)
    }
    const etcdGo = /^go\s+(\S+)/m.exec(await readFile(etcdServer.GoMod, 'utf8'))?.[1] ?? '1.24'
    await writeIfChanged(path.join(srcDir, 'etcd', 'go.mod'), etcdGoMod(etcdGo, etcdVersion))
    await writeIfChanged(path.join(srcDir, 'etcd', 'main.go'), ETCD_MAIN)
    const etcdCommit = parseModuleInfo(await readFile(etcdServer.Info, 'utf8')).commit
    progress(`etcd ${etcdVersion} is the version Kubernetes ${version} ships; download and compile logs in ${logDir}`)

    const previous = await previousRecord(version)
    const prepareMs = Date.now() - started
    const jobs: Job[] = [
      {
        label: `etcd ${etcdVersion}`,
        step: 'etcd',
        log: path.join(logDir, 'build-etcd.log'),
        since: Date.now(),
        outDir: work,
        names: ['etcd'],
        curve: [],
      },
      {
        label: 'kubernetes',
        step: 'kubernetes',
        log: path.join(logDir, 'build-kubernetes.log'),
        since: Date.now(),
        outDir: work,
        names: KUBERNETES_COMMANDS,
        curve: [],
      },
    ]
    await Promise.all(jobs.map((j) => writeWhole(j.log, '')))
    const report = async () => {
      for (const job of jobs.filter((j) => j.progress !== undefined)) {
        const elapsedMs = Date.now() - job.since
        const linked = (
          await Promise.all(
            job.names.map((n) =>
              stat(path.join(job.outDir, n)).then(
                () => n,
                () => undefined,
              ),
            ),
          )
        ).filter((n): n is LabBinaryName => n !== undefined)
        if (linked.length === job.names.length) continue
        const { compiled } = job.progress!.done
        job.curve.push([elapsedMs, compiled])
        const remainingMs = estimateRemainingMs(job.step, elapsedMs, compiled, previous)
        const previousMs = previous?.stepsMs[job.step]
        progress(
          progressLine({
            label: job.label,
            progress: job.progress!,
            elapsedMs,
            log: job.log,
            linked,
            ...(remainingMs !== undefined ? { remainingMs } : {}),
            ...(previousMs !== undefined ? { previousMs } : {}),
          }),
        )
      }
    }
    tick(() => void report().catch(() => {}))

    const runJob = async (job: Job, cwd: string, mains: { name: string; pkg: string }[], ldflags: string, nice?: number): Promise<number> => {
      const run: Omit<GoRun, 'args'> = { cwd, log: job.log, signal, ...(nice !== undefined ? { nice } : {}) }
      // go list downloads just the modules these packages come from, and tells how many packages there are.
      const targets: BuildTarget[] = await listTargets(mains, run, BUILD_TAGS)
      job.progress = new BuildProgress(targets)
      const total = job.progress.done.total
      progress(
        `${job.label}: compiling ${mains.map((m) => m.name).join(', ')} (${total} packages, ${formatDuration(Date.now() - job.since)} to download; log: ${job.log})`,
      )
      const out = mains.length === 1 ? path.join(job.outDir, mains[0]!.name) : `${job.outDir}${path.sep}`
      try {
        await runGo(
          {
            ...run,
            env: FAST_COMPILE_ENV,
            args: goBuildArgs(
              out,
              mains.map((m) => m.pkg),
              ldflags,
              job.log,
            ),
            onStderr: (c) => job.progress!.feed(c),
          },
          job.label,
        )
      } catch (error) {
        if (!(error instanceof GoFailure)) throw error
        const first = firstCompilerError(await readFile(job.log, 'utf8').catch(() => ''))
        const names = targetsNeeding(first?.pkg, targets).join(', ')
        throw new LabError(`Building ${names} of Kubernetes ${version} failed (go ${error.exit})${first ? `: ${first.line}` : ''}; see ${job.log}.`, {
          logFile: job.log,
          cause: error,
        })
      }
      job.endedAt = Date.now()
      const { compiled } = job.progress.done
      progress(
        `${job.label}: built ${mains.map((m) => m.name).join(', ')} in ${formatDuration(Date.now() - job.since)} (${compiled} of ${total} packages compiled, the rest from go's build cache)`,
      )
      return compiled
    }

    // The Kubernetes build is the long pole and leaves cores idle (a big package or a link running alone): etcd,
    // niced, compiles in those gaps and while go list downloads Kubernetes' modules.
    // The first failure stops the other build; it, not the other's cancellation, is what gets reported.
    let firstFailure: { error: unknown } | undefined
    const failFast = <T>(p: Promise<T>): Promise<T> =>
      p.catch((error: unknown) => {
        firstFailure ??= { error }
        inner.abort()
        throw error
      })
    const results = await Promise.allSettled([
      failFast(runJob(jobs[0]!, path.join(srcDir, 'etcd'), [{ name: 'etcd', pkg: ETCD_PACKAGE }], etcdLdflags(etcdCommit), ETCD_NICE)),
      failFast(
        runJob(
          jobs[1]!,
          path.join(srcDir, 'kubernetes'),
          KUBERNETES_COMMANDS.map((c) => ({ name: c, pkg: `k8s.io/kubernetes/cmd/${c}` })),
          kubernetesLdflags,
        ),
      ),
    ])
    if (firstFailure) throw firstFailure.error
    const stepsMs = { download: prepareMs, etcd: jobs[0]!.endedAt! - jobs[0]!.since, kubernetes: jobs[1]!.endedAt! - jobs[1]!.since }
    const [etcdCompiled, kubernetesCompiled] = results.map((r) => (r as PromiseFulfilledResult<number>).value) as [number, number]

    // The old stamp goes first: until the new one is written, the directory holds no build anyone may use.
    await Promise.all([removeStamp(binDir), removeKubectlStamp(binDir)])
    for (const name of LAB_COMPONENTS) await rename(path.join(work, name), path.join(binDir, name))
    const { sizes, missing } = await binarySizes(binDir)
    if (missing.length > 0) throw new LabError(`go build left no ${missing.join(', ')} in ${work}; see ${logDir}.`, { logFile: jobs[1]!.log })
    const go = (await runGo({ ...base, args: ['env', 'GOVERSION'] }, 'go env', true)).trim()
    await writeStamp(binDir, {
      version,
      ...(info.commit ? { commit: info.commit } : {}),
      etcdVersion,
      go,
      builtAt: new Date().toISOString(),
      sizes: sizes as Record<LabBinaryName, number>,
    })
    const totalMs = Date.now() - started
    const record: BuildRecord = {
      version,
      finishedAt: new Date().toISOString(),
      totalMs,
      stepsMs,
      compiled: { etcd: etcdCompiled, kubernetes: kubernetesCompiled },
      curve: { etcd: jobs[0]!.curve, kubernetes: jobs[1]!.curve },
    }
    await writeWhole(path.join(cacheDir, RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`)
    progress(
      `lab binaries for Kubernetes ${version} built in ${formatDuration(totalMs)} (download ${formatDuration(stepsMs.download)}, etcd ${formatDuration(stepsMs.etcd)}, kubernetes ${formatDuration(stepsMs.kubernetes)} alongside)`,
    )
    return binariesIn(binDir, version)
  })
}

/** What a failed or cancelled build throws: a LabError that says nothing was installed, or the build's own. */
function buildFailure(what: string, binDir: string, error: unknown, signal: AbortSignal | undefined): LabError {
  if (signal?.aborted) return new LabError(`Building ${what} was cancelled; nothing was installed in ${binDir}.`, { cause: error })
  return error instanceof LabError ? error : new LabError(`Building ${what} failed: ${errorMessage(error)}`, { cause: error })
}

/**
 * The kubectl of `version` if one is built: a finished lab build's (findLabBinaries), else a kubectl built alone by
 * buildLabKubectl into `<labCacheDir(version)>/bin`.
 */
export async function findLabKubectl(version: string): Promise<string | undefined> {
  const full = await findLabBinaries(version)
  // KUBEWALK_LAB_BIN holds one release's binaries, whatever version is asked for.
  if (full && full.version === version) return full.kubectl
  const dir = path.join(labCacheDir(version), 'bin')
  const usable = (await staleReason(dir, version)) === undefined || (await kubectlStaleReason(dir, version)) === undefined
  return usable ? path.join(dir, 'kubectl') : undefined
}

/**
 * Builds only kubectl of one Kubernetes release, with the lab build's module, flags and tags (so the two share go's
 * build cache), into `<labCacheDir(version)>/bin`, unless findLabKubectl finds one. Returns its path.
 */
export async function buildLabKubectl(opts: BuildLabOptions = {}): Promise<string> {
  const version = checkLabVersion(opts.version ?? DEFAULT_LAB_VERSION)
  const progress = opts.onProgress ?? (() => {})
  const found = await findLabKubectl(version)
  if (found) {
    progress(`kubectl ${version} already built: ${found}`)
    return found
  }

  const started = Date.now()
  const { cacheDir, binDir, srcDir, logDir, work, signal, tick, run } = await openBuild(version, opts, ['kubernetes'])
  const log = path.join(logDir, 'build-kubectl.log')

  return run(`kubectl ${version}`, async () => {
    await writeWhole(log, '')
    progress(`building kubectl ${version} alone into ${binDir}; log: ${log}`)
    const run = { cwd: path.join(srcDir, 'kubernetes'), log, signal }
    const { info, ldflags } = await prepareKubernetes(version, srcDir, { ...run, cwd: cacheDir }, progress)
    const pkg = 'k8s.io/kubernetes/cmd/kubectl'
    const targets = await listTargets([{ name: 'kubectl', pkg }], run, BUILD_TAGS)
    const built = new BuildProgress(targets)
    const compiling = Date.now()
    progress(`kubectl: compiling (${built.done.total} packages, ${formatDuration(compiling - started)} to download)`)
    tick(() => progress(progressLine({ label: 'kubectl', progress: built, elapsedMs: Date.now() - compiling, log })))
    try {
      await runGo(
        { ...run, env: FAST_COMPILE_ENV, args: goBuildArgs(path.join(work, 'kubectl'), [pkg], ldflags, log), onStderr: (c) => built.feed(c) },
        'kubectl',
      )
    } catch (error) {
      if (!(error instanceof GoFailure)) throw error
      const first = firstCompilerError(await readFile(log, 'utf8').catch(() => ''))
      throw new LabError(`Building kubectl of Kubernetes ${version} failed (go ${error.exit})${first ? `: ${first.line}` : ''}; see ${log}.`, {
        logFile: log,
        cause: error,
      })
    }
    const kubectl = path.join(binDir, 'kubectl')
    // The old stamps go first: a lab build's kubectl, replaced, is no longer that build's.
    await Promise.all([removeStamp(binDir), removeKubectlStamp(binDir)])
    await rename(path.join(work, 'kubectl'), kubectl)
    const go = (await runGo({ ...run, args: ['env', 'GOVERSION'] }, 'go env', true)).trim()
    await writeKubectlStamp(binDir, {
      version,
      ...(info.commit ? { commit: info.commit } : {}),
      go,
      builtAt: new Date().toISOString(),
      size: (await stat(kubectl)).size,
    })
    progress(
      `kubectl ${version} built in ${formatDuration(Date.now() - started)} (${built.done.compiled} of ${built.done.total} packages compiled, the rest from go's build cache)`,
    )
    return kubectl
  })
}
