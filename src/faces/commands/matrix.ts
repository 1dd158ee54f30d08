// kubewalk matrix: the walkthrough replayed on every cell of servers × kubectl clients, one table.
// Each cell is a full `kubewalk run --reporter json` in a child process (its own cleanup, its own
// kubectl on PATH); cells on one server run one after another, servers up to --parallel at once.
import type { CommandContext } from '../context.js'
import { spawn } from 'node:child_process'
import { readdir, realpath } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { EXIT, parse } from '../args.js'
import { UsageError } from '../../core/errors.js'
import { checkOutputFile, writeWhole } from '../outfile.js'
import { packagePath } from '../../platform/paths.js'
import { kubectlClientVersion } from '../../platform/kubeconfig.js'
import { which } from '../../platform/shell.js'
import { walkthroughRef } from '../../sources/load/index.js'
import { MATRIX_FLAGS } from './flags.js'
import { limitSeconds, loadWalkthrough, walkthroughArg } from './common.js'
import { MATRIX_REPORTERS, matrixOk, renderMatrix, type MatrixCell, type MatrixReporter } from '../report/matrix.js'

/** A server of the matrix: a lab kubewalk starts (and stops), or a context of the kubeconfig. */
type Server = { kind: 'lab'; version: string } | { kind: 'context'; name: string }

interface Client {
  path: string
  version: string
  /** Where the matrix found it: given with --kubectl, a lab's own, installed beside PATH's kubectl, or PATH's. */
  from: string
}

const minorOf = (v: string): number => Number(/^v?1\.(\d+)/.exec(v)?.[1] ?? NaN)

/** The `kubectl.1.NN` files beside the kubectl on PATH (google-cloud-cli installs them there), oldest first. */
async function installedKubectls(env: Record<string, string | undefined>): Promise<string[]> {
  const onPath = await which('kubectl', env)
  if (onPath === undefined) return []
  const dir = dirname(await realpath(onPath).catch(() => onPath))
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /^kubectl\.1\.\d+$/.test(n))
  return names.sort((a, b) => minorOf(a.slice('kubectl.'.length)) - minorOf(b.slice('kubectl.'.length))).map((n) => join(dir, n))
}

/**
 * Runs `fn` over `items`, at most `n` at a time. The first failure aborts `stop` (the others wind
 * down), and it is rethrown only once every started `fn` has settled, so nothing they started is
 * still on its way when the caller cleans up.
 */
export async function pool<T>(items: readonly T[], n: number, stop: AbortController, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const errors: unknown[] = []
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length && errors.length === 0) {
        try {
          await fn(items[next++] as T)
        } catch (e) {
          errors.push(e)
          stop.abort()
        }
      }
    }),
  )
  if (errors.length > 0) throw errors[0]
}

interface CellRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Sends `sig` to the process group of `pid`; a group already gone is no error. */
function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig)
  } catch {
    // the group is gone already
  }
}

/** Cells still running, by process id (each leads its own process group). */
const running = new Set<number>()

/**
 * One cell: `kubewalk run --reporter json` in a child process of its own process group, so the
 * terminal's Ctrl-C reaches it only through us: exactly one SIGINT, on our abort (Ctrl-C or SIGTERM
 * here). A second one a moment later would make it leave without cleaning up.
 */
function runCell(args: string[], env: Record<string, string | undefined>, signal: AbortSignal): Promise<CellRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [packagePath('bin/kubewalk.js'), 'run', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    const pid = child.pid
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()))
    if (pid !== undefined) running.add(pid)
    const onAbort = (): void => {
      if (pid !== undefined && running.has(pid)) signalGroup(pid, 'SIGINT')
    }
    signal.addEventListener('abort', onAbort, { once: true })
    if (signal.aborted) onAbort()
    // Once it has exited its group id may be someone else's: never signal it again.
    child.on('exit', () => void (pid !== undefined && running.delete(pid)))
    child.on('error', (e) => void (stderr += `${e.message}\n`))
    child.on('close', (code) => {
      signal.removeEventListener('abort', onAbort)
      resolve({ code, stdout, stderr })
    })
  })
}

/** If this process exits while cells run (a third Ctrl-C, a crash), each cell is told too: nothing runs on unwatched. */
function stopRunningCells(): void {
  for (const pid of running) signalGroup(pid, 'SIGTERM')
}

interface JsonRun {
  ok: boolean
  status: string
  durationMs: number
  cluster: { name: string; version: string; kubectl?: { path: string; version: string } }
  steps: { id: string; number: string; status: string; error?: { message: string } }[]
  drift?: { items: { kind: 'expected' | 'version' | 'real' }[] }[]
}

export async function cmdMatrix(args: string[], cx: CommandContext): Promise<number> {
  const { io, signal } = cx
  const walkthrough = await loadWalkthrough(cx.walkthroughs, walkthroughArg(args), cx.io.env)
  const { values, positionals } = parse(args, MATRIX_FLAGS)
  if (positionals.length > 0) throw new UsageError(`matrix takes no arguments, got ${positionals[0]}.`)
  const out = values.out
  if (out !== undefined) checkOutputFile('--out', out)
  const reporter = (values.reporter ?? (io.isTTY && (io.env.NO_COLOR ?? '') === '' && out === undefined ? 'pretty' : 'plain')) as MatrixReporter
  if (!MATRIX_REPORTERS.includes(reporter))
    throw new UsageError(`matrix --reporter takes one of ${MATRIX_REPORTERS.join(', ')}, got ${JSON.stringify(values.reporter)}.`)
  const parallel = values.parallel === undefined ? 1 : Number(values.parallel)
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > 16)
    throw new UsageError(`--parallel takes a whole number from 1 to 16, got ${JSON.stringify(values.parallel)}.`)
  const timeout = values.timeout === undefined ? undefined : limitSeconds('--timeout', values.timeout, 30)
  const wait = values.wait === undefined ? undefined : limitSeconds('--wait', values.wait, 30)

  const { SUPPORTED_LAB_VERSIONS } = await import('../../platform/lab/versions.js')
  const { resolveVersion } = await import('../replay/lab.js')
  const contexts = values.context ?? []
  const labSpecs = values['lab-version'] ?? (contexts.length === 0 ? [...SUPPORTED_LAB_VERSIONS] : [])
  const servers: Server[] = []
  for (const spec of labSpecs) {
    const version = await resolveVersion(spec, signal)
    if (!servers.some((s) => s.kind === 'lab' && s.version === version)) servers.push({ kind: 'lab', version })
  }
  for (const name of contexts) servers.push({ kind: 'context', name })
  const node = values.node === true
  if (node) {
    if (!servers.some((s) => s.kind === 'lab'))
      throw new UsageError('--node starts the labs with a node; it goes with --lab-version (or no --context).')
    // No root, a missing system package: exit 2 before any build.
    const { checkNodeUsable } = await import('../replay/lab.js')
    await checkNodeUsable()
  }

  // Clients: the ones asked for, else each lab's own kubectl and each installed kubectl.1.NN.
  const clients: Client[] = []
  const addClient = async (path: string, from: string): Promise<void> => {
    const version = await kubectlClientVersion(path)
    if (version === undefined)
      throw new UsageError(`--kubectl ${path}: not a kubectl (\`${path} version --client -o json\` printed no client version).`)
    if (!clients.some((c) => c.path === path)) clients.push({ path, version, from })
  }
  const { labBinDir, ensureLabBinaries, ensureNode } = await import('../../platform/lab/index.js')
  if (values.kubectl !== undefined) {
    for (const k of values.kubectl) await addClient(k, '--kubectl')
  } else {
    for (const s of servers) {
      if (s.kind !== 'lab') continue
      // Built before the table starts, so a missing build shows as progress, not as a failed cell.
      const built = await ensureLabBinaries({ version: s.version, signal, onProgress: (l) => io.stderr(`${l}\n`) })
      if (node) await ensureNode(built, { signal, onProgress: (l) => io.stderr(`${l}\n`) })
      await addClient(join(labBinDir(s.version), 'kubectl'), `lab ${s.version}'s own`)
    }
    for (const k of await installedKubectls(io.env)) await addClient(k, "installed beside PATH's kubectl")
    if (clients.length === 0) {
      const onPath = await which('kubectl', io.env)
      if (onPath === undefined) throw new UsageError("matrix found no kubectl: pass --kubectl FILE, or --lab-version to use a lab's own.")
      await addClient(onPath, 'PATH')
    }
  }
  // Without --kubectl the list depends on what this machine has installed: say what was found, and where.
  io.stderr(`matrix: kubectl clients: ${clients.map((c) => `${c.version} (${c.path}, ${c.from})`).join('; ')}\n`)

  const cells: MatrixCell[] = []
  const total = servers.length * clients.length
  io.stderr(
    `matrix: ${servers.length} server(s) × ${clients.length} kubectl(s) = ${total} replays of ${walkthrough.id}, ${parallel} server(s) at a time\n`,
  )
  const common = [
    '--walkthrough',
    walkthroughRef(walkthrough),
    '--reporter',
    'json',
    ...(timeout !== undefined ? ['--timeout', String(timeout)] : []),
    ...(wait !== undefined ? ['--wait', String(wait)] : []),
    ...(values.namespace !== undefined ? ['--namespace', values.namespace] : []),
    ...(values.isolate ? ['--isolate'] : []),
  ]
  const labs = new Set<{ stop: () => Promise<void> }>()
  // Aborted by Ctrl-C or SIGTERM, or by the first lab that fails to start: the other servers wind down.
  const stop = new AbortController()
  const onAbort = (): void => stop.abort()
  signal.addEventListener('abort', onAbort, { once: true })
  if (signal.aborted) stop.abort()
  process.on('exit', stopRunningCells)
  cx.cleaning(['the labs this matrix started'])
  try {
    await pool(servers, parallel, stop, async (server) => {
      if (stop.signal.aborted) return
      let target: string[]
      let name: string
      // A lab's cells keep kubectl's caches in its folder, not one folder per lab port in ~/.kube/cache.
      let cellEnv: Record<string, string> = {}
      let own: { stop: () => Promise<void> } | undefined
      if (server.kind === 'lab') {
        const { startThrowawayLab } = await import('../replay/lab.js')
        const lab = await startThrowawayLab((l) => io.stderr(`[lab ${server.version}] ${l}\n`), stop.signal, {
          version: server.version,
          ...(node ? { node: true } : {}),
        })
        labs.add(lab)
        own = lab
        target = ['--kubeconfig', lab.kubeconfig]
        cellEnv = { KUBECACHEDIR: lab.kubeCacheDir }
        name = `lab ${server.version}`
      } else {
        target = [...(values.kubeconfig !== undefined ? ['--kubeconfig', values.kubeconfig] : []), '--context', server.name]
        name = server.name
      }
      for (const client of clients) {
        if (stop.signal.aborted) break
        const began = performance.now()
        const r = await runCell([...common, ...target, '--kubectl', client.path], cellEnv, stop.signal)
        const cell = cellOf(name, server, client, r, Math.round(performance.now() - began))
        cells.push(cell)
        io.stderr(
          `  ${cells.length}/${total} ${name} × kubectl ${client.version}: ${cell.ok ? 'passed' : `failed${cell.failedStep ? ` at ${cell.failedStep}` : ''}`} (${(cell.durationMs / 1000).toFixed(1)} s)\n`,
        )
      }
      // Stopped once its cells are done: a lab with a node holds the host's one node slot, which the next lab waits for.
      if (own) {
        labs.delete(own)
        await own.stop()
      }
    })
  } finally {
    signal.removeEventListener('abort', onAbort)
    process.off('exit', stopRunningCells)
    for (const lab of labs) await lab.stop()
    cx.cleaning(undefined)
  }
  // The table in a stable order: servers as given, clients as listed.
  const order = (c: MatrixCell): number =>
    servers.findIndex((s) => (s.kind === 'lab' ? `lab ${s.version}` : s.name) === c.server.name) * 1000 +
    clients.findIndex((k) => k.path === c.kubectl.path)
  cells.sort((a, b) => order(a) - order(b))
  const text = renderMatrix(cells, reporter, { walkthrough: walkthrough.id })
  if (out !== undefined) {
    await writeWhole(out, text)
    io.stderr(`matrix written to ${out}\n`)
  } else io.stdout(text)
  if (signal.aborted) return EXIT.interrupted
  return cells.length === total && matrixOk(cells) ? EXIT.ok : EXIT.failed
}

function cellOf(name: string, server: Server, client: Client, r: CellRun, durationMs: number): MatrixCell {
  let report: JsonRun | undefined
  try {
    report = JSON.parse(r.stdout) as JsonRun
  } catch {
    report = undefined
  }
  const version = report?.cluster.version ?? (server.kind === 'lab' ? server.version : 'unknown')
  // No report (the server did not answer, an exec plugin or a precondition failed, the child crashed):
  // the server's version was never read, so the skew is unknown, not outside, and the cell fails the matrix.
  const minors = [minorOf(version), minorOf(report?.cluster.kubectl?.version ?? client.version)]
  const inSkew = report === undefined || minors.some(Number.isNaN) ? null : Math.abs(minors[0]! - minors[1]!) <= 1
  const drift = { expected: 0, version: 0, real: 0 }
  for (const d of report?.drift ?? []) for (const i of d.items) drift[i.kind]++
  const failed = report?.steps.find((s) => s.status === 'failed')
  const why = failed?.error?.message ?? (report === undefined ? (r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`) : undefined)
  return {
    server: { name, version },
    kubectl: { path: client.path, version: report?.cluster.kubectl?.version ?? client.version },
    inSkew,
    ok: r.code === 0 && report?.ok === true,
    ...(failed ? { failedStep: `${failed.number} ${failed.id}` } : {}),
    ...(why !== undefined && !(r.code === 0 && report?.ok) ? { reason: why } : {}),
    durationMs: report?.durationMs ?? durationMs,
    drift,
  }
}
