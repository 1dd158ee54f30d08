// kubewalk class status: who is in the class, their namespaces, when their tokens expire, and how far
// the board sees them (traces on the cluster, and what their kubewalk reported).
import type { CommandContext } from '../../context.js'
import { EXIT, parse } from '../../args.js'
import { UsageError } from '../../../core/errors.js'
import type { boardView, readBoard } from '../class.js'
import { loadWalkthrough } from '../common.js'
import { classNamespaces, instructorTarget } from './cluster.js'
import { DEFAULT_PREFIX, checkPrefix, renderRoster } from './roster.js'

export const STATUS_FLAGS = {
  prefix: { type: 'string' },
  json: { type: 'boolean' },
  walkthrough: { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
} as const

/** One participant in `class status --json`. */
export interface StatusRow {
  name: string
  namespace: string
  phase: string
  tokenExpires?: string
  /** Steps the board sees done (a trace, or the participant's report). */
  done: string[]
  error?: string
}

/** The board's reader, handed over by class.ts (importing it here would close a cycle). */
export interface BoardReader {
  readBoard: typeof readBoard
  boardView: typeof boardView
}

export async function cmdClassStatus(argv: string[], cx: CommandContext, board: BoardReader): Promise<number> {
  const { io, signal } = cx
  const { values, positionals } = parse(argv, STATUS_FLAGS)
  if (positionals.length > 0) throw new UsageError(`class status takes no arguments, got ${positionals[0]}.`)
  const prefix = checkPrefix(values.prefix ?? DEFAULT_PREFIX)
  const { target, env } = await instructorTarget(values, io.env)
  try {
    const found = await classNamespaces(prefix, { env, timeoutMs: 30_000, signal })
    // The walkthrough the class was opened for, unless one is named.
    const w = await loadWalkthrough(cx.walkthroughs, values.walkthrough ?? found[0]?.walkthrough, io.env)
    const view = board.boardView(
      await board.readBoard(
        w,
        found.map((n) => n.namespace),
        env,
        { signal },
      ),
    )
    const rows: StatusRow[] = found.map((n) => {
      const r = view.rows.find((x) => x.namespace === n.namespace)
      return {
        name: n.participant,
        namespace: n.namespace,
        phase: n.phase,
        ...(n.expires !== undefined ? { tokenExpires: n.expires } : {}),
        done: view.columns.filter((c) => r?.cells[c.id] !== undefined).map((c) => c.id),
        ...(r?.error !== undefined ? { error: r.error } : {}),
      }
    })
    if (signal.aborted) return EXIT.interrupted
    if (values.json === true) {
      io.stdout(`${JSON.stringify({ prefix, walkthrough: w.id, steps: view.columns.length, participants: rows, at: view.at }, null, 2)}\n`)
    } else if (rows.length === 0) {
      io.stdout(`class ${prefix}: no participants (no namespace labelled for it).\n`)
    } else {
      io.stdout(
        renderRoster(
          rows.map((r) => ({ name: r.name, namespace: r.namespace, ...(r.tokenExpires !== undefined ? { expires: r.tokenExpires } : {}) })),
          [
            { head: 'phase', of: (x) => rows.find((r) => r.namespace === x.namespace)?.phase ?? '' },
            { head: 'done', of: (x) => `${rows.find((r) => r.namespace === x.namespace)?.done.length ?? 0}/${view.columns.length}` },
          ],
        ),
      )
      io.stdout(`class ${prefix}: ${rows.length} participant(s), walkthrough ${w.id}; read at ${view.at}\n`)
    }
    return EXIT.ok
  } finally {
    await target.dispose()
  }
}
