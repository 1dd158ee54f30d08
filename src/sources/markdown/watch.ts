// Waits a reader does by eye, as a page records them: a `kubectl get` whose recording shows a Pod's STATUS
// or an object's status (the reader looks again until it says Running, or 2/2), and a watch (`kubectl get pods -w`, `kubectl logs -f`) the reader
// stops once it has shown what the page shows.
import type { StepOutput, StepWait, Watch } from '../../core/step.js'
import { compareWithRecording, readTable, shapeOf } from './checks.js'
import { firstLineOf, splitCommands } from './lines.js'

/** How long a watch runs at most: a reader looks for a few seconds, then stops it. */
export const WATCH_MS = 5_000
/** How long a `kubectl get` waits for the STATUS its recording shows (--wait overrides it). */
export const STATUS_WAIT_MS = 30_000
/** How long a `kubectl logs` is read again for the lines its recording shows: a container that has just started may not have printed them yet. */
export const LOGS_WAIT_MS = 10_000

// What kubectl's STATUS column shows for a Pod as it goes.
const POD_STATUS =
  /^(?:Pending|Running|Succeeded|Failed|Completed|ContainerCreating|PodInitializing|Init:\S+|Terminating|Error|CrashLoopBackOff|ImagePullBackOff|ErrImagePull|Unknown)$/

const KUBECTL_GET = /^kubectl\s+(?:(?:-n|--namespace|--context|--kubeconfig)(?:=|\s+)\S+\s+)*get\s/

const KUBECTL_LOGS = /^kubectl\s+(?:\S+\s+)*?logs\s/

/** Whether the block is one line of that kind (`kubectl get`, `kubectl logs`) that ends by itself: a read a reader may repeat. */
function oneRead(command: string, kind: RegExp): boolean {
  const cmds = splitCommands(command)
  return cmds.length === 1 && kind.test(firstLineOf(cmds[0]?.text ?? '').trim()) && !isWatch(command)
}

/** A line that runs until stopped and shows changes as they come: `kubectl get … -w`/`--watch`, `kubectl logs -f`. */
export function isWatch(command: string): boolean {
  const cmds = splitCommands(command)
  if (cmds.length !== 1) return false
  const line = firstLineOf(cmds[0]?.text ?? '').trim()
  if (/&\s*$/.test(line) || /\|/.test(line)) return false
  return (
    (KUBECTL_GET.test(line) && /\s(?:--watch|-w|--watch-only)(?:=true)?(?=\s|$)/.test(line)) ||
    /^kubectl\s+(?:\S+\s+)*?logs\s(?:.*\s)?(?:-f|--follow)(?:=true)?(?=\s|$)/.test(line)
  )
}

/**
 * A watch's table with one row per object, its latest (`kubectl get -w` prints a row each time an object changes),
 * aligned again: a watch's later rows keep the first rows' column widths only while their cells fit.
 */
export function latestRows(text: string): string {
  if (shapeOf(text) !== 'table') return text
  const [header = [], ...rows] = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split(/\s{2,}/))
  // A row that does not split into the header's cells is kept whole, as its own object.
  const latest = new Map<string, string[]>()
  for (const row of rows) {
    const key = row.length === header.length ? (row[0] as string) : row.join(' ')
    latest.delete(key)
    latest.set(key, row)
  }
  const table = [header, ...latest.values()]
  const widths = header.map((_, i) => Math.max(...table.map((r) => (r.length === header.length ? (r[i]?.length ?? 0) : 0))))
  return table
    .map((r) =>
      r.length === header.length
        ? r
            .map((c, i) => c.padEnd((widths[i] ?? 0) + 3))
            .join('')
            .trimEnd()
        : r.join('   '),
    )
    .join('\n')
}

/**
 * The watch of a line that runs until stopped: until its output covers the recording, a few seconds at most; as long
 * as a STATUS wait when the recording shows Pods reaching a STATUS (the reader watches a Pod start until it runs).
 */
export function watchOf(id: string, recording: string | undefined): Watch {
  if (recording === undefined) return { forMs: WATCH_MS }
  const recorded = latestRows(recording)
  const awaits = podStatuses(recorded).length > 0
  return {
    forMs: awaits ? STATUS_WAIT_MS : WATCH_MS,
    ...(awaits ? { awaits: true as const } : {}),
    enough: (out: StepOutput) =>
      compareWithRecording(id, recorded, latestRows(out.stdout), { stdout: latestRows(out.stdout) }).items.every((i) => i.kind !== 'real'),
  }
}

/** The statuses a `kubectl get` line's recording shows for Pods, when it is one such line and shows some. */
export function recordedStatuses(command: string, recording: string | undefined): string[] {
  if (recording === undefined || shapeOf(recording) !== 'table' || !oneRead(command, KUBECTL_GET)) return []
  return podStatuses(recording)
}

/** The Pod statuses a table shows in its STATUS column, each once. */
function podStatuses(table: string): string[] {
  if (shapeOf(table) !== 'table') return []
  const statuses = readTable(table.trim())
    .map((r) => r.STATUS)
    .filter((s): s is string => s !== undefined && POD_STATUS.test(s))
  return [...new Set(statuses)]
}

// An object's status as YAML or JSON shows it: `status:` itself, or (in an excerpt) fields only a status has.
const STATUS_FIELDS =
  /^\s*"?(?:status|lastState|containerStatuses|initContainerStatuses|phase|conditions|availableReplicas|readyReplicas|updatedReplicas|succeeded|loadBalancer)"?\s*:/m

/**
 * What else a `kubectl get` line's recording shows the cluster reaching, when it is one such line: an object's
 * `status:` (YAML or JSON: a Deployment's availableReplicas), or the counts of a READY or AVAILABLE column (`2/2`).
 */
export function recordedProgress(command: string, recording: string | undefined): string | undefined {
  if (recording === undefined || !oneRead(command, KUBECTL_GET)) return undefined
  if (shapeOf(recording) === 'table') {
    const rows = readTable(recording.trim())
    const ready = rows.some((r) => /^(\d+)\/\1$/.test(r.READY ?? '') && !/^0\//.test(r.READY ?? ''))
    return ready || rows.some((r) => /^[1-9]\d*$/.test(r.AVAILABLE ?? '')) ? 'READY and AVAILABLE as recorded' : undefined
  }
  return STATUS_FIELDS.test(recording) ? 'the status its recording shows' : undefined
}

/**
 * The step wait of a `kubectl get` whose recording shows Pods' STATUS, or other progress (`recordedProgress`): rerun
 * until the output's matches, within the bound. A reader looks again until the cluster shows what the page does.
 */
export function statusWait(command: string, recording: string | undefined): StepWait | undefined {
  const statuses = recordedStatuses(command, recording)
  const progress = statuses.length > 0 ? `STATUS to be ${statuses.join(', ')} as recorded` : recordedProgress(command, recording)
  if (progress === undefined) return undefined
  return { for: progress, timeoutMs: STATUS_WAIT_MS, intervalMs: 1_000 }
}

/** The step wait of a `kubectl logs` (not followed) with a recording: read again until its lines are there, within the bound. */
export function logsWait(command: string, recording: string | undefined): StepWait | undefined {
  if (recording === undefined || recording.trim() === '' || !oneRead(command, KUBECTL_LOGS)) return undefined
  return { for: 'the log lines its recording shows', timeoutMs: LOGS_WAIT_MS, intervalMs: 1_000 }
}
