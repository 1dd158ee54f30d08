// kubewalk class: the instructor's board. For a set of participant namespaces, which steps of the
// walkthrough have left their trace on the cluster (read-only: it runs the walkthrough's trace lines,
// never a step). Steps that leave nothing to see (a minted token, a read, a deletion) are listed as such.
import { setTimeout as sleep } from 'node:timers/promises'
import { EXIT, parse } from '../args.js'
import { UsageError } from '../errors.js'
import { resolveTarget, type Target } from '../kubeconfig.js'
import { checkNamespaceName } from '../namespaces.js'
import { quote, runScript, type ShellOptions, type ShellResult } from '../shell.js'
import type { Walkthrough } from '../walkthrough.js'
import { loadWalkthrough, walkthroughArg, type CommandContext } from './common.js'

const CLASS_FLAGS = {
  walkthrough: { type: 'string' },
  namespaces: { type: 'string' },
  selector: { type: 'string' },
  prefix: { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  watch: { type: 'boolean' },
  interval: { type: 'string' },
  reporter: { type: 'string' },
} as const

/** One participant's row: step id → whether its trace is there. */
export interface ClassRow {
  namespace: string
  done: Record<string, boolean>
  /** Why the row could not be read (the namespace is gone, RBAC), if so. */
  error?: string
}

export interface ClassBoard {
  walkthrough: string
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

async function namespacesOf(values: { namespaces?: string | undefined; selector?: string | undefined; prefix?: string | undefined }, env: Record<string, string | undefined>, signal: AbortSignal): Promise<string[]> {
  if (values.namespaces !== undefined) {
    const list = values.namespaces.split(',').map((n) => n.trim()).filter((n) => n !== '')
    if (list.length === 0) throw new UsageError('--namespaces needs at least one name (a,b,c).')
    return list.map((n) => checkNamespaceName('--namespaces', n))
  }
  const selector = values.selector !== undefined ? ` -l ${quote(values.selector)}` : ''
  const r = await runScript(`kubectl get namespaces${selector} -o jsonpath='{range .items[*]}{.metadata.name}{"\\n"}{end}'`, { env, timeoutMs: 30_000, signal })
  if (r.exitCode !== 0) throw new UsageError(`cannot list namespaces: ${r.stderr.trim().split('\n')[0] ?? `exit ${r.exitCode}`}`)
  const names = r.stdout.split('\n').filter((n) => n !== '')
  return values.prefix !== undefined ? names.filter((n) => n.startsWith(values.prefix as string)) : names
}

/** How the board runs a line: the shell, or a stand-in in tests. */
export type RunLine = (script: string, options: ShellOptions) => Promise<Pick<ShellResult, 'stdout' | 'stderr' | 'exitCode'>>

// The traces read with --ignore-not-found, so a namespace that does not exist would look like one where
// nothing was done yet: ask for the namespace first.
const READ_NAMESPACE = 'kubectl get namespace "$KUBEWALK_NAMESPACE" -o name'

/** Reads the board once: each trace line once per namespace (lines shared by traces run once). */
export async function readBoard(w: Walkthrough, namespaces: readonly string[], env: Record<string, string | undefined>, opts: { run?: RunLine; signal?: AbortSignal } = {}): Promise<ClassBoard> {
  const { run = runScript, signal } = opts
  const { steps, noTrace } = traceColumns(w)
  const rows: ClassRow[] = []
  // A handful at a time: a class is twenty namespaces, the API server is shared with the participants.
  const queue = [...namespaces]
  const work = async (): Promise<void> => {
    for (let ns = queue.shift(); ns !== undefined; ns = queue.shift()) {
      const shell = { env: { ...env, KUBEWALK_NAMESPACE: ns }, timeoutMs: 30_000, ...(signal ? { signal } : {}) }
      const row: ClassRow = { namespace: ns, done: {} }
      rows.push(row)
      const found = await run(READ_NAMESPACE, shell)
      // Only NotFound says the namespace is missing; a refusal to read namespaces (RBAC) leaves the traces to tell.
      if (found.exitCode !== 0 && /\(NotFound\)/.test(found.stderr)) {
        row.error = `namespace ${ns} not found`
        for (const t of w.traces ?? []) row.done[t.step] = false
        continue
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
    }
  }
  await Promise.all(Array.from({ length: 4 }, work))
  rows.sort((a, b) => (a.namespace < b.namespace ? -1 : 1))
  return { walkthrough: w.id, steps, noTrace, rows, at: new Date().toISOString() }
}

/** The board as a table: a row per participant, a column per step that leaves a trace. */
export function renderBoard(b: ClassBoard, pretty: boolean): string {
  // Each column is as wide as its step number; colour goes on after the padding.
  const tick = (on: boolean): string => (on ? (pretty ? '\x1b[32m✓ \x1b[39m' : '✓ ') : '· ')
  const width = Math.max(9, ...b.rows.map((r) => r.namespace.length))
  const head = `${'namespace'.padEnd(width)}  ${b.steps.map((s) => s.number).join('  ')}`
  const lines = [head, ...b.rows.map((r) => `${r.namespace.padEnd(width)}  ${b.steps.map((s) => tick(r.done[s.id] === true)).join('  ')}`.trimEnd() + (r.error ? `  (${r.error})` : ''))]
  lines.push('', ...b.steps.map((s) => `${s.number}  ${s.id}: ${s.title}`))
  lines.push(`no trace on the cluster: ${b.noTrace.join(', ') || 'none'}`, `read at ${b.at}; ${b.rows.length} participant(s)`)
  return `${lines.join('\n')}\n`
}

export async function cmdClass(args: string[], cx: CommandContext): Promise<number> {
  const { io, signal } = cx
  const w = await loadWalkthrough(cx.walkthroughs, walkthroughArg(args), cx.io.env)
  const { values, positionals } = parse(args, CLASS_FLAGS)
  if (positionals.length > 0) throw new UsageError(`class takes no arguments, got ${positionals[0]}.`)
  const given = (['namespaces', 'selector', 'prefix'] as const).filter((k) => values[k] !== undefined)
  if (given.length !== 1) throw new UsageError('class needs one of --namespaces a,b,c, --selector LABEL=VALUE or --prefix NAME-.')
  const reporter = values.reporter ?? (io.isTTY && (io.env.NO_COLOR ?? '') === '' ? 'pretty' : 'plain')
  if (!['pretty', 'plain', 'json'].includes(reporter)) throw new UsageError(`class --reporter takes one of pretty, plain, json, got ${JSON.stringify(values.reporter)}.`)
  if (values.watch && reporter === 'json') throw new UsageError('--watch redraws a table; with --reporter json, run class again instead.')
  const interval = values.interval === undefined ? 2 : Number(values.interval)
  if (!Number.isFinite(interval) || interval < 0.5 || interval > 3600) throw new UsageError(`--interval takes seconds from 0.5 to 3600, got ${JSON.stringify(values.interval)}.`)
  if ((w.traces ?? []).length === 0) throw new UsageError(`walkthrough ${w.id} declares no traces: nothing of it can be seen on the cluster.`)
  let target: Target | undefined
  try {
    target = await resolveTarget({ env: io.env, ...(values.kubeconfig !== undefined ? { kubeconfig: values.kubeconfig } : {}), ...(values.context !== undefined ? { context: values.context } : {}) })
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
