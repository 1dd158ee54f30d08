// kubewalk test: the offline checks of kubewalk/testing on one walkthrough; no cluster, no kubectl.
import type { CommandContext } from '../context.js'
import { EXIT, parse } from '../args.js'
import { TEST_FLAGS } from './flags.js'
import { UsageError } from '../../core/errors.js'
import { walkthroughRef } from '../../sources/load/index.js'
import { testWalkthrough } from '../../testing/index.js'
import { loadWalkthrough } from './common.js'

export async function cmdTest(args: string[], cx: CommandContext): Promise<number> {
  const { io } = cx
  const { values, positionals } = parse(args, TEST_FLAGS)
  if (positionals.length > 0)
    throw new UsageError(`test takes no arguments, got ${positionals[0]} (for a walkthrough: --walkthrough ${positionals[0]}).`)
  const w = await loadWalkthrough(cx.walkthroughs, values.walkthrough, io.env, { examples: values.examples, tab: values.tab })
  const t = testWalkthrough(w)
  if (values.json) {
    io.stdout(`${JSON.stringify({ walkthrough: walkthroughRef(w), ...t }, null, 2)}\n`)
    return t.ok ? EXIT.ok : EXIT.failed
  }
  const failing = t.checks.filter((c) => c.failedBy !== undefined).length
  const count = (kind: string): number => t.shortfalls.filter((s) => s.kind === kind).length
  const mark = (n: number): string => (n === 0 ? 'ok' : `${n} short`)
  io.stdout(`kubewalk test: ${w.id} (${walkthroughRef(w)}), ${w.steps.length} step(s)\n`)
  io.stdout(`  contract                 ${mark(count('contract'))}\n`)
  io.stdout(`  prose shows each line    ${mark(count('prose'))}\n`)
  io.stdout(`  recordings pass          ${t.recorded} of ${w.steps.length} recorded, ${mark(count('recording') + count('rejected'))}\n`)
  io.stdout(`  every check can fail     ${failing} of ${t.checks.length} fail on a changed recording\n`)
  if (t.exitCodeOnly.length > 0)
    io.stdout(
      `  exit code only           ${t.exitCodeOnly.map((id) => `${w.steps.find((s) => s.id === id)?.number} ${id}`).join(', ')} (no check on their output)\n`,
    )
  if (t.participantChecks > 0) io.stdout(`  (${t.participantChecks} participant check(s) read the cluster: kubewalk check tests them, not this)\n`)
  if (t.ok) {
    io.stdout('ok\n')
    return EXIT.ok
  }
  io.stdout(`\n${t.shortfalls.length} shortfall(s):\n`)
  for (const s of t.shortfalls) io.stdout(`  ${s.message}\n`)
  return EXIT.failed
}
