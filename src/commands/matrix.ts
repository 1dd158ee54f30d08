// kubewalk matrix: the walkthrough replayed on every cell of servers × kubectl clients, one table.
// Each cell is a full `kubewalk run --reporter json` in a child process (its own cleanup, its own
// kubectl on PATH); cells on one server run one after another, servers up to --parallel at once.
import { spawn } from 'node:child_process'
import { readdir, realpath } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { EXIT, parse } from '../args.js'
import { UsageError } from '../errors.js'
import { checkOutputFile, writeWhole } from '../outfile.js'
import { packagePath } from '../paths.js'
import { kubectlClientVersion } from '../kubeconfig.js'
import { which } from '../shell.js'
import { limitSeconds, loadWalkthrough, walkthroughArg, type CommandContext } from './common.js'
import { MATRIX_REPORTERS, renderMatrix, type MatrixCell, type MatrixReporter } from '../report/matrix.js'

const MATRIX_FLAGS = {
  walkthrough: { type: 'string' },
  'lab-version': { type: 'string', multiple: true },
  context: { type: 'string', multiple: true },
  kubeconfig: { type: 'string' },
  kubectl: { type: 'string', multiple: true },
  parallel: { type: 'string' },
  reporter: { type: 'string' },
  out: { type: 'string' },
  timeout: { type: 'string' },
  wait: { type: 'string' },
  namespace: { type: 'string' },
  isolate: { type: 'boolean' },
} as const

/** A server of the matrix: a lab kubewalk starts (and stops), or a context of the kubeconfig. */
type Server = { kind: 'lab'; version: string } | { kind: 'context'; name: string }

interface Client {
  path: string
  version: string
  /** The lab version whose own kubectl this is, if any. */
  labOf?: string
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

/** Runs `fn` over `items`, at most `n` at a time. */
async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await fn(items[next++] as T)
  }))
}

interface CellRun {
  code: number | null
  stdout: string
  stderr: string
}

/** One cell: `kubewalk run --reporter json` in a child process, which stops on our abort and cleans up first. */
function runCell(args: string[], env: Record<string, string | undefined>, signal: AbortSignal): Promise<CellRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [packagePath('bin/kubewalk.js'), 'run', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()))
    // One SIGINT: the child stops its step and cleans up, as a run does on Ctrl-C.
    const onAbort = (): void => void child.kill('SIGINT')
    signal.addEventListener('abort', onAbort, { once: true })
    child.on('close', (code) => {
      signal.removeEventListener('abort', onAbort)
      resolve({ code, stdout, stderr })
    })
  })
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
  const walkthrough = await loadWalkthrough(cx.walkthroughs, walkthroughArg(args))
  const { values, positionals } = parse(args, MATRIX_FLAGS)
  if (positionals.length > 0) throw new UsageError(`matrix takes no arguments, got ${positionals[0]}.`)
  const out = values.out
  if (out !== undefined) checkOutputFile('--out', out)
  const reporter = (values.reporter ?? (io.isTTY && (io.env.NO_COLOR ?? '') === '' && out === undefined ? 'pretty' : 'plain')) as MatrixReporter
  if (!MATRIX_REPORTERS.includes(reporter)) throw new UsageError(`matrix --reporter takes one of ${MATRIX_REPORTERS.join(', ')}, got ${JSON.stringify(values.reporter)}.`)
  const parallel = values.parallel === undefined ? 1 : Number(values.parallel)
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > 16) throw new UsageError(`--parallel takes a whole number from 1 to 16, got ${JSON.stringify(values.parallel)}.`)
  const timeout = values.timeout === undefined ? undefined : limitSeconds('--timeout', values.timeout, 30)
  const wait = values.wait === undefined ? undefined : limitSeconds('--wait', values.wait, 30)
  if (values.namespace !== undefined && values.isolate) throw new UsageError('--namespace and --isolate both choose the namespace; give one.')

  const { SUPPORTED_LAB_VERSIONS } = await import('../lab/versions.js')
  const { resolveVersion } = await import('./lab.js')
  const contexts = values.context ?? []
  const labSpecs = values['lab-version'] ?? (contexts.length === 0 ? [...SUPPORTED_LAB_VERSIONS] : [])
  const servers: Server[] = []
  for (const spec of labSpecs) {
    const version = await resolveVersion(spec, signal)
    if (!servers.some((s) => s.kind === 'lab' && s.version === version)) servers.push({ kind: 'lab', version })
  }
  for (const name of contexts) servers.push({ kind: 'context', name })

  // Clients: the ones asked for, else each lab's own kubectl and each installed kubectl.1.NN.
  const clients: Client[] = []
  const addClient = async (path: string, labOf?: string): Promise<void> => {
    const version = await kubectlClientVersion(path)
    if (version === undefined) throw new UsageError(`--kubectl ${path}: not a kubectl (\`${path} version --client -o json\` printed no client version).`)
    if (!clients.some((c) => c.path === path)) clients.push({ path, version, ...(labOf ? { labOf } : {}) })
  }
  const { labBinDir, ensureLabBinaries } = await import('../lab/index.js')
  if (values.kubectl !== undefined) {
    for (const k of values.kubectl) await addClient(k)
  } else {
    for (const s of servers) {
      if (s.kind !== 'lab') continue
      // Built before the table starts, so a missing build shows as progress, not as a failed cell.
      await ensureLabBinaries({ version: s.version, signal, onProgress: (l) => io.stderr(`${l}\n`) })
      await addClient(join(labBinDir(s.version), 'kubectl'), s.version)
    }
    for (const k of await installedKubectls(io.env)) await addClient(k)
    if (clients.length === 0) {
      const onPath = await which('kubectl', io.env)
      if (onPath === undefined) throw new UsageError('matrix found no kubectl: pass --kubectl FILE, or --lab-version to use a lab\'s own.')
      await addClient(onPath)
    }
  }

  const cells: MatrixCell[] = []
  const total = servers.length * clients.length
  io.stderr(`matrix: ${servers.length} server(s) × ${clients.length} kubectl(s) = ${total} replays of ${walkthrough.id}, ${parallel} server(s) at a time\n`)
  const common = [
    '--walkthrough', walkthrough.id, '--reporter', 'json',
    ...(timeout !== undefined ? ['--timeout', String(timeout)] : []),
    ...(wait !== undefined ? ['--wait', String(wait)] : []),
    ...(values.namespace !== undefined ? ['--namespace', values.namespace] : []),
    ...(values.isolate ? ['--isolate'] : []),
  ]
  const labs: { stop: () => Promise<void> }[] = []
  cx.cleaning(['the labs this matrix started'])
  try {
    await pool(servers, parallel, async (server) => {
      if (signal.aborted) return
      let target: string[]
      let name: string
      if (server.kind === 'lab') {
        const { startThrowawayLab } = await import('./lab.js')
        const lab = await startThrowawayLab((l) => io.stderr(`[lab ${server.version}] ${l}\n`), signal, { version: server.version })
        labs.push(lab)
        target = ['--kubeconfig', lab.kubeconfig]
        name = `lab ${server.version}`
      } else {
        target = [...(values.kubeconfig !== undefined ? ['--kubeconfig', values.kubeconfig] : []), '--context', server.name]
        name = server.name
      }
      for (const client of clients) {
        if (signal.aborted) break
        const began = performance.now()
        const r = await runCell([...common, ...target, '--kubectl', client.path], {}, signal)
        const cell = cellOf(name, server, client, r, Math.round(performance.now() - began))
        cells.push(cell)
        io.stderr(`  ${cells.length}/${total} ${name} × kubectl ${client.version}: ${cell.ok ? 'passed' : `failed${cell.failedStep ? ` at ${cell.failedStep}` : ''}`} (${(cell.durationMs / 1000).toFixed(1)} s)\n`)
      }
    })
  } finally {
    for (const lab of labs) await lab.stop()
    cx.cleaning(undefined)
  }
  // The table in a stable order: servers as given, clients as listed.
  const order = (c: MatrixCell): number => servers.findIndex((s) => (s.kind === 'lab' ? `lab ${s.version}` : s.name) === c.server.name) * 1000 + clients.findIndex((k) => k.path === c.kubectl.path)
  cells.sort((a, b) => order(a) - order(b))
  const text = renderMatrix(cells, reporter, { walkthrough: walkthrough.id })
  if (out !== undefined) {
    await writeWhole(out, text)
    io.stderr(`matrix written to ${out}\n`)
  } else io.stdout(text)
  if (signal.aborted) return EXIT.interrupted
  return cells.length === total && cells.every((c) => c.ok || !c.inSkew) ? EXIT.ok : EXIT.failed
}

function cellOf(name: string, server: Server, client: Client, r: CellRun, durationMs: number): MatrixCell {
  let report: JsonRun | undefined
  try {
    report = JSON.parse(r.stdout) as JsonRun
  } catch {
    report = undefined
  }
  const version = report?.cluster.version ?? (server.kind === 'lab' ? server.version : 'unknown')
  const inSkew = Math.abs(minorOf(version) - minorOf(client.version)) <= 1
  const drift = { expected: 0, version: 0, real: 0 }
  for (const d of report?.drift ?? []) for (const i of d.items) drift[i.kind]++
  const failed = report?.steps.find((s) => s.status === 'failed')
  const why = failed?.error?.message ?? (report === undefined ? r.stderr.trim().split('\n').pop() ?? `exit ${r.code}` : undefined)
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
