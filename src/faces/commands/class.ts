// kubewalk class: the instructor's board. For a set of participant namespaces, which steps of the
// walkthrough have left their trace on the cluster (read-only: it runs the walkthrough's trace lines,
// never a step). Steps that leave nothing to see (a minted token, a read, a deletion) are listed as such.
import type { CommandContext } from '../context.js'
import { setTimeout as sleep } from 'node:timers/promises'
import { EXIT, parse } from '../args.js'
import { UsageError } from '../../core/errors.js'
import { resolveTarget, type Target } from '../../platform/kubeconfig.js'
import { checkNamespaceName } from '../../engine/namespaces.js'
import { quote, runScript, type ShellOptions, type ShellResult } from '../../platform/shell.js'
import type { Walkthrough } from '../../core/walkthrough.js'
import { isUnreadable, readProgress, type Progress } from '../../engine/progress.js'
import { loadAssets, serve, type EventStream, type Served } from '../serve/http.js'
import { listenOptions, openBrowser } from '../serve/listen.js'
import { ASSETS, boardPage } from '../serve/page.js'
import { loadWalkthrough, walkthroughArg } from './common.js'
import { CLASS_FLAGS, LISTEN_FLAGS } from './flags.js'

/** One participant's row: step id → whether its trace is there. */
export interface ClassRow {
  namespace: string
  done: Record<string, boolean>
  /** Why the row could not be read (the namespace is gone, RBAC), if so. */
  error?: string
  /** What the participant's kubewalk recorded with --report-progress: step id → how and when. */
  reported?: Progress['steps']
  /** When that record last changed. */
  reportedAt?: string
}

export interface ClassBoard {
  walkthrough: string
  /** Every step of the walkthrough: the board shows those with a trace, and those participants reported. */
  all: { id: string; number: string; title: string }[]
  /** Steps that leave a trace, in order: the board's columns. */
  steps: { id: string; number: string; title: string }[]
  /** Steps that leave nothing on the cluster to see. */
  noTrace: string[]
  rows: ClassRow[]
  at: string
}

/** Steps whose work an instructor can see, and those that leave no trace. */
export function traceColumns(w: Walkthrough): { steps: ClassBoard['steps']; noTrace: string[] } {
  const traced = new Set((w.traces ?? []).map((t) => t.step))
  return {
    steps: w.steps.filter((s) => traced.has(s.id)).map((s) => ({ id: s.id, number: s.number, title: s.title })),
    noTrace: w.steps.filter((s) => !traced.has(s.id)).map((s) => s.id),
  }
}

async function namespacesOf(
  values: { namespaces?: string | undefined; selector?: string | undefined; prefix?: string | undefined },
  env: Record<string, string | undefined>,
  signal: AbortSignal,
): Promise<string[]> {
  if (values.namespaces !== undefined) {
    const list = values.namespaces
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n !== '')
    if (list.length === 0) throw new UsageError('--namespaces needs at least one name (a,b,c).')
    return list.map((n) => checkNamespaceName('--namespaces', n))
  }
  const selector = values.selector !== undefined ? ` -l ${quote(values.selector)}` : ''
  const r = await runScript(`kubectl get namespaces${selector} -o jsonpath='{range .items[*]}{.metadata.name}{"\\n"}{end}'`, {
    env,
    timeoutMs: 30_000,
    signal,
  })
  if (r.exitCode !== 0) throw new UsageError(`cannot list namespaces: ${r.stderr.trim().split('\n')[0] ?? `exit ${r.exitCode}`}`)
  const names = r.stdout.split('\n').filter((n) => n !== '')
  return values.prefix !== undefined ? names.filter((n) => n.startsWith(values.prefix as string)) : names
}

/** How the board runs a line: the shell, or a stand-in in tests. */
export type RunLine = (script: string, options: ShellOptions) => Promise<Pick<ShellResult, 'stdout' | 'stderr' | 'exitCode'>>

// The traces read with --ignore-not-found, so a namespace that does not exist would look like one where
// nothing was done yet: ask for the namespace (and its phase: one being deleted is gone too) first.
const READ_NAMESPACE = `kubectl get namespace "$KUBEWALK_NAMESPACE" -o jsonpath='{.status.phase}'`

/** Reads the board once: each trace line once per namespace (lines shared by traces run once). */
export async function readBoard(
  w: Walkthrough,
  namespaces: readonly string[],
  env: Record<string, string | undefined>,
  opts: { run?: RunLine; signal?: AbortSignal } = {},
): Promise<ClassBoard> {
  const { run = runScript, signal } = opts
  const { steps, noTrace } = traceColumns(w)
  const ids = w.steps.map((s) => s.id)
  const rows: ClassRow[] = []
  // A handful at a time: a class is twenty namespaces, the API server is shared with the participants.
  const queue = [...namespaces]
  const readRow = async (ns: string, row: ClassRow): Promise<void> => {
    const shell = { env: { ...env, KUBEWALK_NAMESPACE: ns }, timeoutMs: 30_000, ...(signal ? { signal } : {}) }
    const found = await run(READ_NAMESPACE, shell)
    // Only NotFound says the namespace is missing; a refusal to read namespaces (RBAC) leaves the traces to tell.
    const gone =
      found.exitCode !== 0 && /\(NotFound\)/.test(found.stderr)
        ? `namespace ${ns} not found`
        : found.exitCode === 0 && found.stdout.trim() === 'Terminating'
          ? `namespace ${ns} is being deleted (Terminating)`
          : undefined
    if (gone !== undefined) {
      row.error = gone
      for (const t of w.traces ?? []) row.done[t.step] = false
      return
    }
    const outputs = new Map<string, { stdout: string; stderr: string; exitCode: number | null }>()
    for (const t of w.traces ?? []) {
      let out = outputs.get(t.command)
      if (!out) {
        const r = await run(t.command, shell)
        out = { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode }
        outputs.set(t.command, out)
        if (r.exitCode !== 0 && row.error === undefined) row.error = r.stderr.trim().split('\n')[0] || `exit ${r.exitCode}`
      }
      row.done[t.step] = (row.done[t.step] ?? false) || (out.exitCode === 0 && t.done(out))
    }
    // Beside the traces, what the participant chose to report; a record that is not one makes the row an error row.
    const progress = await readProgress(shell.env, ns, w.id, ids, run)
    if (isUnreadable(progress)) row.error ??= progress.unreadable
    else if (progress !== undefined) {
      row.reported = progress.steps
      row.reportedAt = progress.at
    }
  }
  const work = async (): Promise<void> => {
    for (let ns = queue.shift(); ns !== undefined; ns = queue.shift()) {
      const row: ClassRow = { namespace: ns, done: {} }
      rows.push(row)
      // One row that cannot be read is that row's error; the others still show.
      await readRow(ns, row).catch((e: unknown) => {
        row.error = `cannot read it: ${e instanceof Error ? e.message : String(e)}`
      })
    }
  }
  await Promise.all(Array.from({ length: 4 }, work))
  rows.sort((a, b) => (a.namespace < b.namespace ? -1 : 1))
  return {
    walkthrough: w.id,
    all: w.steps.map((s) => ({ id: s.id, number: s.number, title: s.title })),
    steps,
    noTrace,
    rows,
    at: new Date().toISOString(),
  }
}

/** Where a column's ticks come from: a trace on the cluster, participants' reports, or either. */
export type ColumnSource = 'trace' | 'report' | 'both'

/** The board as the live page and the tables show it once participants report: every step a column. */
export interface BoardView {
  walkthrough: string
  columns: { id: string; number: string; title: string; source: ColumnSource }[]
  rows: { namespace: string; cells: Record<string, 'trace' | 'report'>; lastChange?: string; error?: string }[]
  /** How many participants show each step done. */
  counts: Record<string, number>
  /** Steps with no trace that no participant has reported yet. */
  noColumn: string[]
  at: string
}

/** Every step a column; a tick from the trace when there is one, else from the participant's report. */
export function boardView(b: ClassBoard): BoardView {
  const traced = new Set(b.steps.map((s) => s.id))
  const reported = new Set(b.rows.flatMap((r) => Object.keys(r.reported ?? {})))
  const columns = b.all.map((s) => ({ ...s, source: (traced.has(s.id) ? (reported.has(s.id) ? 'both' : 'trace') : 'report') as ColumnSource }))
  const rows = b.rows.map((r) => {
    const cells: Record<string, 'trace' | 'report'> = {}
    for (const c of columns) {
      if (r.done[c.id] === true) cells[c.id] = 'trace'
      else if (r.reported?.[c.id] !== undefined) cells[c.id] = 'report'
    }
    return {
      namespace: r.namespace,
      cells,
      ...(r.reportedAt !== undefined ? { lastChange: r.reportedAt } : {}),
      ...(r.error !== undefined ? { error: r.error } : {}),
    }
  })
  const counts = Object.fromEntries(columns.map((c) => [c.id, rows.filter((r) => r.cells[c.id] !== undefined).length]))
  return {
    walkthrough: b.walkthrough,
    columns,
    rows,
    counts,
    noColumn: columns.filter((c) => c.source === 'report' && !reported.has(c.id)).map((c) => c.id),
    at: b.at,
  }
}

/** The board as a table: a row per participant, a column per step that leaves a trace. */
export function renderBoard(b: ClassBoard, pretty: boolean): string {
  if (b.rows.some((r) => r.reported !== undefined && Object.keys(r.reported).length > 0)) return renderView(boardView(b), pretty)
  // Each column is as wide as its step number; colour goes on after the padding.
  const tick = (on: boolean): string => (on ? (pretty ? '\x1b[32m✓ \x1b[39m' : '✓ ') : '· ')
  const width = Math.max(9, ...b.rows.map((r) => r.namespace.length))
  const head = `${'namespace'.padEnd(width)}  ${b.steps.map((s) => s.number).join('  ')}`
  const lines = [
    head,
    ...b.rows.map(
      (r) =>
        `${r.namespace.padEnd(width)}  ${b.steps.map((s) => tick(r.done[s.id] === true)).join('  ')}`.trimEnd() + (r.error ? `  (${r.error})` : ''),
    ),
  ]
  lines.push('', ...b.steps.map((s) => `${s.number}  ${s.id}: ${s.title}`))
  lines.push(`no trace on the cluster: ${b.noTrace.join(', ') || 'none'}`, `read at ${b.at}; ${b.rows.length} participant(s)`)
  return `${lines.join('\n')}\n`
}

/** With participants' reports: every step a column, ✓ from a trace, r from a report. */
function renderView(v: BoardView, pretty: boolean): string {
  const mark = (m: 'trace' | 'report' | undefined): string =>
    m === 'trace' ? (pretty ? '\x1b[32m✓ \x1b[39m' : '✓ ') : m === 'report' ? (pretty ? '\x1b[34mr \x1b[39m' : 'r ') : '· '
  const width = Math.max(9, ...v.rows.map((r) => r.namespace.length))
  const lines = [`${'namespace'.padEnd(width)}  ${v.columns.map((c) => c.number).join('  ')}  last change`]
  for (const r of v.rows)
    lines.push(
      `${r.namespace.padEnd(width)}  ${v.columns.map((c) => mark(r.cells[c.id])).join('  ')}  ${r.lastChange ?? ''}`.trimEnd() +
        (r.error ? `  (${r.error})` : ''),
    )
  lines.push(`${'done'.padEnd(width)}  ${v.columns.map((c) => String(v.counts[c.id] ?? 0).padEnd(2)).join('  ')}`.trimEnd())
  lines.push(
    '',
    ...v.columns.map(
      (c) =>
        `${c.number}  ${c.id}: ${c.title} (${c.source === 'trace' ? 'seen on the cluster' : c.source === 'report' ? 'reported' : 'seen on the cluster, or reported'})`,
    ),
  )
  lines.push(`✓ seen on the cluster, r reported by the participant's kubewalk (--report-progress); read at ${v.at}; ${v.rows.length} participant(s)`)
  return `${lines.join('\n')}\n`
}

export async function cmdClass(args: string[], cx: CommandContext): Promise<number> {
  // The workshop's credentials: class open | close | status (src/faces/commands/class/).
  const [sub, ...rest] = args
  if (sub === 'open') return (await import('./class/open.js')).cmdClassOpen(rest, cx)
  if (sub === 'close') return (await import('./class/close.js')).cmdClassClose(rest, cx)
  if (sub === 'status') return (await import('./class/status.js')).cmdClassStatus(rest, cx, { readBoard, boardView })
  const { io, signal } = cx
  const w = await loadWalkthrough(cx.walkthroughs, walkthroughArg(args), cx.io.env)
  const { values, positionals } = parse(args, CLASS_FLAGS)
  const listenGiven = (Object.keys(LISTEN_FLAGS) as (keyof typeof LISTEN_FLAGS)[]).find((k) => values[k] !== undefined)
  if (listenGiven !== undefined && !values.serve) throw new UsageError(`--${listenGiven} goes with class --serve.`)
  if (values['hand-out'] !== undefined && !values.serve) throw new UsageError('--hand-out goes with class --serve.')
  if (values.serve && (values.watch || values.reporter !== undefined))
    throw new UsageError('class --serve is a live page already; drop --watch and --reporter.')
  if (positionals.length > 0) throw new UsageError(`class takes no arguments, got ${positionals[0]}.`)
  const given = (['namespaces', 'selector', 'prefix'] as const).filter((k) => values[k] !== undefined)
  if (given.length !== 1) throw new UsageError('class needs one of --namespaces a,b,c, --selector LABEL=VALUE or --prefix NAME-.')
  const reporter = values.reporter ?? (io.isTTY && (io.env.NO_COLOR ?? '') === '' ? 'pretty' : 'plain')
  if (!['pretty', 'plain', 'json'].includes(reporter))
    throw new UsageError(`class --reporter takes one of pretty, plain, json, got ${JSON.stringify(values.reporter)}.`)
  if (values.watch && reporter === 'json') throw new UsageError('--watch redraws a table; with --reporter json, run class again instead.')
  const interval = values.interval === undefined ? 2 : Number(values.interval)
  if (!Number.isFinite(interval) || interval < 0.5 || interval > 3600)
    throw new UsageError(`--interval takes seconds from 0.5 to 3600, got ${JSON.stringify(values.interval)}.`)
  if (values.serve) return serveBoard(w, values, cx)
  if ((w.traces ?? []).length === 0) throw new UsageError(`walkthrough ${w.id} declares no traces: nothing of it can be seen on the cluster.`)
  let target: Target | undefined
  try {
    target = await resolveTarget({
      env: io.env,
      ...(values.kubeconfig !== undefined ? { kubeconfig: values.kubeconfig } : {}),
      ...(values.context !== undefined ? { context: values.context } : {}),
    })
    const env = { ...process.env, ...io.env, ...target.env, KUBERC: 'off' }
    for (;;) {
      const board = await readBoard(w, await namespacesOf(values, env, signal), env, { signal })
      // Ctrl-C during a read: the board is half read, so it is not drawn.
      if (signal.aborted) return EXIT.interrupted
      if (reporter === 'json') io.stdout(`${JSON.stringify(board, null, 2)}\n`)
      // In place on a terminal: home, clear, draw.
      else io.stdout(`${values.watch && io.isTTY ? '\x1b[H\x1b[2J' : ''}${renderBoard(board, reporter === 'pretty')}`)
      // A row that could not be read (a namespace that does not exist, RBAC) is a failure, as in every reporter.
      if (!values.watch) return board.rows.some((r) => r.error !== undefined) ? EXIT.failed : EXIT.ok
      await sleep(interval * 1000, undefined, { signal }).catch(() => undefined)
      if (signal.aborted) return EXIT.interrupted
      if (!io.isTTY) io.stdout('\n')
    }
  } finally {
    await target?.dispose()
  }
}

type ClassValues = ReturnType<typeof parse<typeof CLASS_FLAGS>>['values']

/** class --serve: the board as a live, read-only page, read again every --interval seconds. */
async function serveBoard(w: Walkthrough, values: ClassValues, cx: CommandContext): Promise<number> {
  const { io, signal } = cx
  const interval = values.interval === undefined ? 2 : Number(values.interval)
  const listen = await listenOptions(values as Record<string, string | boolean>)
  const target = await resolveTarget({
    env: io.env,
    ...(values.kubeconfig !== undefined ? { kubeconfig: values.kubeconfig } : {}),
    ...(values.context !== undefined ? { context: values.context } : {}),
  })
  // Each participant's kubeconfig, once, behind their code: never on the board's page.
  const handOut = values['hand-out'] !== undefined ? await (await import('./class/hand-out.js')).handOutRoutes(values['hand-out']) : undefined
  const clients = new Set<EventStream>()
  let view: BoardView | undefined
  // When the server first saw each row as it is now: the time of its last change, for rows that report none.
  const seen = new Map<string, { key: string; at: string }>()
  let server: Served | undefined
  let forgetOpener: (() => Promise<void>) | undefined
  try {
    const env = { ...process.env, ...io.env, ...target.env, KUBERC: 'off' }
    const read = async (): Promise<void> => {
      const v = boardView(await readBoard(w, await namespacesOf(values, env, signal), env, { signal }))
      for (const r of v.rows) {
        const key = JSON.stringify(r.cells)
        const before = seen.get(r.namespace)
        if (before?.key !== key) seen.set(r.namespace, { key, at: before === undefined ? (r.lastChange ?? v.at) : v.at })
        const at = seen.get(r.namespace)?.at as string
        if (r.lastChange === undefined || at > r.lastChange) r.lastChange = at
      }
      view = v
      for (const c of clients) c.send(v)
    }
    await read()
    server = await serve(
      listen,
      {
        'GET /': () => ({ status: 200, html: boardPage(w) }),
        'GET /api/board': () => ({ status: 200, json: view }),
        'GET /events': () => ({
          stream: (events) => {
            clients.add(events)
            if (view) events.send(view)
            events.onClose(() => clients.delete(events))
          },
        }),
      },
      await loadAssets(ASSETS),
      handOut?.routes,
    )
    io.stdout(
      `kubewalk class --serve: ${w.title}, ${view?.rows.length ?? 0} participant(s)\n  open ${server.url}\n  (read-only; the token in the URL is required; Ctrl-C stops it)\n`,
    )
    for (const w of server.warnings) io.stderr(`kubewalk: ${w}\n`)
    if (handOut !== undefined)
      io.stdout(
        `  participants: open ${server.origin}/hand-out and type their code (${handOut.participants} unused; each serves its kubeconfig once)\n`,
      )
    if (values.open === true) forgetOpener = await openBrowser(server.url, (line) => io.stderr(`${line}\n`))
    while (!signal.aborted) {
      await sleep(interval * 1000, undefined, { signal }).catch(() => undefined)
      if (signal.aborted) break
      await read().catch((e: unknown) => io.stderr(`kubewalk: could not read the board: ${e instanceof Error ? e.message : String(e)}\n`))
    }
    return EXIT.interrupted
  } finally {
    await forgetOpener?.()
    await server?.close()
    await target.dispose()
  }
}
