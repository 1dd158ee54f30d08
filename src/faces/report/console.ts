// The human reporters: "pretty" (colour and a live elapsed-time line on a TTY) and "plain".
// Both draw from run events only; everything they write goes through redact().
import { redact, type Secrets } from '../../engine/redact.js'
import { show, wrapText } from '../../core/text.js'
import type { RunEvent, RunResult, StepResult } from '../../engine/runner.js'
import type { ClusterInfo, WalkthroughInfo } from './json.js'
import { leftBehind, outcome } from './common.js'
import { withoutProgressMeter } from '../../core/parse/curl.js'
import { driftCounts, type StepDrift } from '../../core/drift.js'
import { containerLabel } from '../../engine/container.js'

export { withoutProgressMeter }

export interface ConsoleReporterOptions {
  write: (text: string) => void
  pretty: boolean
  secrets?: Secrets
  showSecrets?: boolean
  /** Explanations to show before each step's command (interactive mode), by step id. */
  explain?: ReadonlyMap<string, string>
  /** The terminal's width now (read at each step, so a resize is followed); prose wraps to it. */
  columns?: () => number | undefined
  /** Lines of a step's output shown before it is cut (the JSON report keeps all of it). */
  maxOutputLines?: number
  walkthrough?: WalkthroughInfo
  /** `kubewalk check`: one exercise, numbered as its step. */
  check?: boolean
}

const styles = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], cyan: [36, 39] } as const
type Style = keyof typeof styles

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`

export function createConsoleReporter(o: ConsoleReporterOptions) {
  const paint = (style: Style, text: string): string => (o.pretty ? `\x1b[${styles[style][0]}m${text}\x1b[${styles[style][1]}m` : text)
  const mask = (text: string): string => (o.showSecrets ? text : redact(text, o.secrets))
  const maxLines = o.maxOutputLines ?? 60
  let live = false
  const clearLive = (): void => {
    if (live) o.write('\r\x1b[2K')
    live = false
  }
  // Pretty only: a live line with the running step's elapsed time (and what it waits for).
  let ticker: NodeJS.Timeout | undefined
  let since = 0
  let waiting = ''
  const draw = (): void => {
    const ms = Date.now() - since
    if (ms < 500 && waiting === '') return
    clearLive()
    o.write(paint('yellow', `  … ${waiting !== '' ? `${waiting}: ` : 'running: '}${seconds(ms)}`))
    live = true
  }
  const stopTicker = (): void => {
    if (ticker) clearInterval(ticker)
    ticker = undefined
    waiting = ''
  }
  const out = (text: string): void => {
    clearLive()
    o.write(`${text}\n`)
  }

  function block(label: string, text: string): void {
    const lines = mask(text).replace(/\n$/, '').split('\n')
    if (lines.length === 1 && lines[0] === '') return
    out(paint('dim', `  ${label}:`))
    for (const l of lines.slice(0, maxLines)) out(`    ${l}`)
    if (lines.length > maxLines) out(paint('dim', `    … ${lines.length - maxLines} more lines (--reporter json keeps them all)`))
  }

  // A check is numbered as its step in the walkthrough; a replay by its place in the run.
  const position = (number: string, index: number, total: number): string => (o.check ? number : `${String(index + 1).padStart(2, '0')}/${total}`)

  function stepEnd(r: StepResult, index: number, total: number): void {
    const pos = position(r.number, index, total)
    if (r.status === 'skipped') {
      const why = r.skippedBy === 'user' ? ' (you chose to skip it)' : r.skippedBecause !== undefined ? `, not run: ${r.skippedBecause}` : ''
      out(paint('dim', `- ${pos} ${r.id}: skipped${why}`))
      return
    }
    block('stdout', r.output.stdout)
    block('stderr', withoutProgressMeter(r.output.stderr))
    if (r.captured) out(`  ${paint('cyan', `${r.captured.name}=`)}${mask(r.captured.value)}`)
    for (const a of r.assertions) {
      const detail =
        a.ok || !('expected' in a || 'actual' in a)
          ? ''
          : paint('dim', ` (${'expected' in a ? `expected ${mask(show(a.expected))}, ` : ''}got ${mask(show(a.actual))})`)
      out(`  ${a.ok ? paint('green', '✓') : paint('red', '✗')} ${a.name}${detail}`)
    }
    for (const n of r.notes ?? []) out(paint('dim', `  · ${n}`))
    const attempts = r.attempts > 1 ? `, ${r.attempts} attempts` : ''
    if (r.status === 'passed') out(`${paint('green', '✔')} ${pos} ${r.id} ${paint('dim', `(${seconds(r.durationMs)}${attempts})`)}`)
    else
      out(
        `${paint('red', '✘')} ${pos} ${r.id} ${paint('dim', `(${seconds(r.durationMs)}${attempts})`)}: ${mask((r.error?.message ?? 'failed').replace(`${r.id}: `, ''))}`,
      )
    out('')
  }

  return {
    header(cluster: ClusterInfo): void {
      const what = o.walkthrough && o.walkthrough.id !== 'article' ? ` ${o.walkthrough.id}` : ''
      const facts = [
        cluster.server,
        `Kubernetes ${cluster.version}`,
        ...(cluster.namespace ? [`namespace ${cluster.namespace}`] : []),
        ...(cluster.kubectl ? [`kubectl ${cluster.kubectl.version}`] : []),
      ]
      out(
        `${paint('bold', 'kubewalk')}${what} ${o.check ? 'checking your work on' : 'replaying against'} ${paint('bold', cluster.name)} (${facts.join(', ')})`,
      )
      out('')
    },
    onEvent(e: RunEvent): void {
      switch (e.type) {
        case 'step-start':
          out(`${paint('bold', `▶ ${position(e.step.number, e.index, e.total)} ${e.step.id}`)} ${paint('dim', '—')} ${e.step.title}`)
          if (o.explain?.has(e.step.id)) {
            const text = o.explain.get(e.step.id) ?? ''
            const width = o.columns?.()
            out(`\n${width === undefined ? text : wrapText(text, width - 1)}\n`)
          }
          {
            // A line typed in a container shows that container's prompt, so no one takes it for the host's.
            const prompt = e.step.container !== undefined ? `[${containerLabel(e.step.container)}] #` : '$'
            e.command.split('\n').forEach((l, i) => out(`  ${i === 0 ? paint('cyan', prompt) : ' '.repeat(prompt.length)} ${l}`))
          }
          if (e.variant) out(paint('dim', `  (${e.variant}: a variant of the walkthrough's line, which uses --insecure)`))
          break
        case 'step-run':
          if (o.pretty) {
            since = Date.now()
            ticker = setInterval(draw, 200)
            ticker.unref()
          }
          break
        case 'attempt':
          if (o.pretty) {
            waiting = `waiting for ${e.waitingFor} (attempt ${e.attempt + 1})`
            draw()
          } else if (e.attempt === 1) out(`  … waiting for ${e.waitingFor}`)
          break
        case 'step-end':
          stopTicker()
          stepEnd(e.result, e.index, e.total)
          break
        case 'cleanup-start':
          out(paint('bold', `Cleaning up ${e.pending.length} object(s) this run created:`))
          break
        case 'cleanup-progress':
          out(paint('dim', `  … still at work: ${e.cleanup.describe} (${Math.round(e.elapsedMs / 1000)} s)`))
          break
        case 'cleanup-end':
          out(
            `  ${e.result.status === 'done' ? paint('green', '✓') : e.result.status === 'deleting' ? paint('yellow', '…') : paint('red', '✗')} ${e.result.describe}${e.result.error ? `: ${mask(e.result.error)}` : ''}`,
          )
          break
      }
    },
    drift(drift: StepDrift[]): void {
      const c = driftCounts(drift)
      out('')
      const on = o.walkthrough?.recordedOn ? ` (${o.walkthrough.recordedOn})` : ''
      out(`${paint('bold', 'Drift from the recording')}${on}: ${c.expected} expected, ${c.version} from newer versions, ${c.real} real`)
      for (const d of drift) {
        for (const i of d.items.filter((x) => x.kind !== 'expected')) {
          const values = 'article' in i || 'live' in i ? ` (recorded ${mask(show(i.article))}, here ${mask(show(i.live))})` : ''
          out(`  ${i.kind === 'real' ? paint('red', '≠') : paint('yellow', '~')} ${d.id} ${i.path}${values}: ${i.note}`)
        }
      }
    },
    summary(result: RunResult): void {
      const count = (s: string): number => result.steps.filter((r) => r.status === s).length
      if (result.cleanup.length > 0) out('')
      const tally = `${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped in ${seconds(result.durationMs)}`
      if (result.ok) out(paint('green', `✔ ${tally}`))
      else if (result.status === 'interrupted')
        out(paint(result.steps.some((s) => s.status === 'failed') ? 'red' : 'yellow', `■ ${mask(outcome(result))} (${tally})`))
      else out(paint('red', `✘ failed: ${mask(outcome(result))} (${tally})`))
      // A step failure is the headline; what cleanup left behind still gets its own line.
      const left = leftBehind(result)
      if (left && result.steps.some((s) => s.status === 'failed' || result.status === 'interrupted')) out(paint('red', `! ${mask(left)}`))
    },
  }
}
