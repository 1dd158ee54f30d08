// kubewalk class close: the class's RoleBindings and ServiceAccounts first (its tokens stop working even
// if a namespace hangs in Terminating), then its namespaces, bounded, saying what is left. Safe to rerun.
import type { CommandContext } from '../../context.js'
import { EXIT, parse } from '../../args.js'
import { UsageError } from '../../../core/errors.js'
import { limitSeconds } from '../common.js'
import { TOKEN_CACHE_SECONDS, closeClass, instructorTarget } from './cluster.js'
import { DEFAULT_PREFIX, checkPrefix } from './roster.js'

export const CLOSE_FLAGS = {
  prefix: { type: 'string' },
  timeout: { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
} as const

export async function cmdClassClose(argv: string[], cx: CommandContext): Promise<number> {
  const { io, signal } = cx
  const { values, positionals } = parse(argv, CLOSE_FLAGS)
  if (positionals.length > 0) throw new UsageError(`class close takes no arguments, got ${positionals[0]}.`)
  const prefix = checkPrefix(values.prefix ?? DEFAULT_PREFIX)
  const timeoutMs = limitSeconds('--timeout', values.timeout, 120) * 1000
  const { target, env } = await instructorTarget(values, io.env)
  try {
    const began = performance.now()
    const closed = await closeClass(prefix, { env, timeoutMs: 30_000, signal }, { timeoutMs, say: (line) => io.stderr(`${line}\n`) })
    const took = ((performance.now() - began) / 1000).toFixed(1)
    if (closed.namespaces.length === 0) {
      io.stdout(`class ${prefix}: nothing to close (no namespace labelled for it).\n`)
      return EXIT.ok
    }
    const until = new Date(Date.now() + TOKEN_CACHE_SECONDS * 1000).toISOString()
    io.stdout(
      `class ${prefix}: ${closed.namespaces.length - closed.stuck.length} of ${closed.namespaces.length} namespace(s) deleted in ${took} s; every ServiceAccount and RoleBinding in them removed.\n` +
        `tokens: the API server may still accept a token it checked in the last ${TOKEN_CACHE_SECONDS} s (its token cache), until ${until}; none after.\n`,
    )
    if (signal.aborted) return EXIT.interrupted
    if (closed.stuck.length > 0) {
      io.stdout(
        `still Terminating (a finalizer holds them; their tokens no longer work): ${closed.stuck.join(', ')}; run class close again, or watch: kubectl get namespaces -l kubewalk.dev/class -w\n`,
      )
      return EXIT.failed
    }
    return EXIT.ok
  } finally {
    await target.dispose()
  }
}
