// Running the machine's go for the lab's build: every run appends to a log file; nothing here decides what to build.
import { open } from 'node:fs/promises'
import { setPriority } from 'node:os'
import { execa } from 'execa'
import { LabError } from '../../core/errors.js'
import type { BuildTarget } from './progress.js'

/** One go invocation: its arguments, directory and log file. */
export interface GoRun {
  args: string[]
  cwd: string
  log: string
  signal?: AbortSignal
  /** Receives go's stderr as it comes (it is in the log too), e.g. `go build -v`'s package lines. */
  onStderr?: (chunk: string) => void
  /** Leave captured stdout out of the log (go list's package lists are long); default false. */
  quietStdout?: boolean
  /** A nice value for go and the compilers it starts (they inherit it), e.g. 10 to use only what others leave idle. */
  nice?: number
  /** More environment for go (and the compilers it runs). */
  env?: Record<string, string>
}

// The machine's Go only (never a downloaded toolchain), no cgo, no workspace from a parent directory.
const GO_ENV = { CGO_ENABLED: '0', GOWORK: 'off', GOTOOLCHAIN: 'local' }

/** go failed: the LabError carries the log; `stderr` holds what go printed, for the caller to explain. */
export class GoFailure extends LabError {
  constructor(
    message: string,
    readonly log: string,
    readonly exit: string,
    options?: { cause?: unknown },
  ) {
    super(message, { logFile: log, ...options })
  }
}

/** Runs go with its output appended to `run.log`; returns stdout when `captureStdout` (for -json and list). */
export async function runGo(run: GoRun, what: string, captureStdout = false): Promise<string> {
  const handle = await open(run.log, 'a')
  try {
    await handle.write(`\n$ go ${run.args.join(' ')}\n`)
    const child = execa('go', run.args, {
      cwd: run.cwd,
      env: { ...GO_ENV, ...run.env },
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: { stdout: captureStdout, stderr: false },
      reject: false,
      ...(run.signal ? { cancelSignal: run.signal } : {}),
    })
    if (run.nice !== undefined && child.pid !== undefined) {
      try {
        // Before go has started any compiler: they inherit it.
        setPriority(child.pid, run.nice)
      } catch {
        // Not allowed or not supported: the build is only slower.
      }
    }
    // Written to the log in order of arrival; the file is the record a person reads after a failure.
    const writes: Promise<unknown>[] = []
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (chunk: string) => {
      writes.push(handle.write(chunk))
      run.onStderr?.(chunk)
    })
    if (!captureStdout) child.stdout?.on('data', (chunk: Buffer) => writes.push(handle.write(chunk)))
    const result = await child
    await Promise.all(writes)
    if (captureStdout && result.stdout && !run.quietStdout) await handle.write(`${String(result.stdout)}\n`)
    if (result.isCanceled) throw new LabError(`Building ${what} was cancelled.`, { logFile: run.log })
    if (result.failed) {
      const code = (result as { code?: string }).code
      if (code === 'ENOENT')
        throw new LabError('go was not found on PATH; install Go 1.24 or newer (the lab is built from Go modules).', { cause: result })
      const exit = result.signal ? `was killed by ${result.signal}` : `exited with ${result.exitCode}`
      throw new GoFailure(`${what}: go ${exit}; see ${run.log}.`, run.log, exit, { cause: result })
    }
    return String(result.stdout ?? '')
  } finally {
    await handle.close()
  }
}

/** What `go mod download -json` says about one module. */
export interface DownloadedModule {
  Dir: string
  GoMod: string
  Info: string
  Error?: string
}

/** Downloads one module@version into the module cache (shared by every version and project). */
export async function downloadModule(modAtVersion: string, run: Omit<GoRun, 'args'>): Promise<DownloadedModule> {
  let out: string
  try {
    out = await runGo({ ...run, args: ['mod', 'download', '-json', modAtVersion] }, `downloading ${modAtVersion}`, true)
  } catch (error) {
    // go prints {"Error": "…"} on stdout for a module it cannot fetch; the log has it.
    throw error instanceof GoFailure
      ? new LabError(`Cannot download ${modAtVersion} (go ${error.exit}); see ${run.log}.`, { logFile: run.log, cause: error })
      : error
  }
  let parsed: DownloadedModule
  try {
    parsed = JSON.parse(out) as DownloadedModule
  } catch (error) {
    throw new LabError(`go mod download ${modAtVersion} printed no JSON; see ${run.log}.`, { logFile: run.log, cause: error })
  }
  if (parsed.Error) throw new LabError(`Cannot download ${modAtVersion}: ${parsed.Error.split('\n')[0]}`, { logFile: run.log })
  return parsed
}

/**
 * Every package each of `mains` needs (itself and its transitive imports, the standard library included), with
 * `go list`, which also downloads just the modules that provide them.
 */
export async function listTargets(mains: { name: string; pkg: string }[], run: Omit<GoRun, 'args'>, tags: string): Promise<BuildTarget[]> {
  const out = await runGo(
    {
      ...run,
      quietStdout: true,
      args: ['list', '-mod=mod', `-tags=${tags}`, '-f', '{{.ImportPath}} {{join .Deps " "}}', ...mains.map((m) => m.pkg)],
    },
    'listing packages',
    true,
  )
  const byMain = new Map<string, string[]>()
  for (const line of out.split('\n')) {
    const [pkg, ...deps] = line.trim().split(/\s+/)
    if (pkg) byMain.set(pkg, [pkg, ...deps])
  }
  return mains.map((m) => {
    const pkgs = byMain.get(m.pkg)
    if (!pkgs) throw new LabError(`go list printed nothing for ${m.pkg}; see ${run.log}.`, { logFile: run.log })
    return { name: m.name, packages: new Set(pkgs) }
  })
}
