// Reading `go build -v` as it runs: how far each component is, how long is left, and the first compiler error.

/** One binary of a build and every package it needs (its main package included), from `go list`. */
export interface BuildTarget {
  name: string
  packages: ReadonlySet<string>
}

/** How far one component is: packages compiled by this build out of all it needs (cached ones are never printed). */
export interface ComponentProgress {
  name: string
  compiled: number
  total: number
}

// `go build -v` prints each package's import path as it compiles it; errors come as `# pkg` and `file.go:L:C: …`.
const IMPORT_PATH = /^[A-Za-z0-9_][A-Za-z0-9_.~+/-]*$/

/** Counts the packages `go build -v` reports compiling, per target. */
export class BuildProgress {
  private readonly compiled = new Set<string>()
  private partial = ''

  constructor(readonly targets: readonly BuildTarget[]) {}

  /** Feeds a chunk of go's stderr; lines may be split across chunks. */
  feed(chunk: string): void {
    const lines = (this.partial + chunk).split('\n')
    this.partial = lines.pop() ?? ''
    for (const line of lines) this.line(line)
  }

  /** Feeds one complete line. */
  line(text: string): void {
    const line = text.trim()
    if (IMPORT_PATH.test(line)) this.compiled.add(line)
  }

  /** Packages compiled so far, over the union of all targets' packages. */
  get done(): { compiled: number; total: number } {
    const all = new Set<string>()
    for (const t of this.targets) for (const p of t.packages) all.add(p)
    let compiled = 0
    for (const p of this.compiled) if (all.has(p)) compiled++
    return { compiled, total: all.size }
  }

  components(): ComponentProgress[] {
    return this.targets.map((t) => {
      let compiled = 0
      for (const p of t.packages) if (this.compiled.has(p)) compiled++
      return { name: t.name, compiled, total: t.packages.size }
    })
  }
}

/** Durations of the last finished build of one version, kept in its cache directory. */
export interface BuildRecord {
  version: string
  finishedAt: string
  totalMs: number
  /** Per step: 'download', 'etcd', 'kubernetes' (one go build of the three Kubernetes commands). */
  stepsMs: Record<string, number>
  /** Packages compiled (not taken from the build cache) per step, as counted from `go build -v`. */
  compiled: Record<string, number>
  /** Per step, [elapsed ms, packages compiled] at each progress tick: how the count grew over time. */
  curve?: Record<string, [number, number][]>
}

/** "1m05s", "40s". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
}

/**
 * What is left of a step by the last build's record. Packages differ a lot in cost, so the count alone misleads: the
 * last build's curve says when it had compiled as many packages as this one has, and the rest of that build's
 * duration, scaled by how much slower or faster this one is going, is what is left. Without a curve (or before the
 * first package), the last duration minus the time spent. Undefined without a record of the step.
 */
export function estimateRemainingMs(step: string, elapsedMs: number, compiledNow: number, previous: BuildRecord | undefined): number | undefined {
  const prevMs = previous?.stepsMs[step]
  if (prevMs === undefined) return undefined
  const curve = previous?.curve?.[step] ?? []
  const at = compiledNow > 0 ? curve.find(([, n]) => n >= compiledNow) : undefined
  if (at && at[0] > 0) return Math.max(0, Math.round((prevMs - at[0]) * (elapsedMs / at[0])))
  return Math.max(0, prevMs - elapsedMs)
}

/** One ticker line: `kube-apiserver 512/1740, kube-controller-manager 498/1690, kubectl 610/610 (62%), 3m10s; about 2m left (last build 5m20s); log: …` */
export function progressLine(opts: {
  label: string
  progress: BuildProgress
  elapsedMs: number
  remainingMs?: number
  previousMs?: number
  linked?: readonly string[]
  log: string
}): string {
  const { compiled, total } = opts.progress.done
  const pct = total > 0 ? Math.min(100, Math.floor((compiled * 100) / total)) : 0
  const parts =
    opts.progress.targets.length > 1
      ? opts.progress
          .components()
          .map((c) => `${c.name} ${c.compiled}/${c.total}${opts.linked?.includes(c.name) ? ' linked' : ''}`)
          .join(', ')
      : `${compiled}/${total} packages`
  let line = `${opts.label}: ${parts} (${pct}% compiled), ${formatDuration(opts.elapsedMs)}`
  if (opts.remainingMs !== undefined) line += opts.remainingMs > 0 ? `; about ${formatDuration(opts.remainingMs)} left` : '; should finish soon'
  if (opts.previousMs !== undefined) line += ` (last build here ${formatDuration(opts.previousMs)})`
  return `${line}; log: ${opts.log}`
}

/** A compiler's or linker's first complaint in a `go build` log, with the package it was building. */
export interface CompilerError {
  /** The `# import/path` header go prints before a package's errors, when there is one. */
  pkg?: string
  /** `path/file.go:L:C: message`, or the linker's first line. */
  line: string
}

const FILE_ERROR = /^(\S+\.go):(\d+)(?::(\d+))?: (.+)$/

/** The first `file.go:L:C: message` line of a go build log (or, for a link failure, the first line under `# pkg`). */
export function firstCompilerError(log: string): CompilerError | undefined {
  let pkg: string | undefined
  let fallback: CompilerError | undefined
  for (const raw of log.split('\n')) {
    const line = raw.trimEnd()
    const header = /^# (\S+)/.exec(line)
    if (header) {
      pkg = header[1]
      continue
    }
    if (FILE_ERROR.test(line.trim())) return { ...(pkg ? { pkg } : {}), line: line.trim() }
    // A linker error has no file position: keep the first line after a `# pkg` header in case nothing better follows.
    if (!fallback && pkg !== undefined && line.trim() !== '' && !IMPORT_PATH.test(line.trim())) fallback = { pkg, line: line.trim() }
  }
  return fallback
}

/** The targets (components) that need `pkg`, so a failure names what cannot be built. */
export function targetsNeeding(pkg: string | undefined, targets: readonly BuildTarget[]): string[] {
  if (pkg === undefined) return targets.map((t) => t.name)
  // go prints `# pkg [pkg.test]` or `# pkg` for a package; link errors name the main package.
  const needing = targets.filter((t) => t.packages.has(pkg)).map((t) => t.name)
  return needing.length > 0 ? needing : targets.map((t) => t.name)
}
