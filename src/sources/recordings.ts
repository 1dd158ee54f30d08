// A typed walkthrough's recordings as files: NN-id.stdout.txt, .stderr.txt, .captured.txt (the value
// the line assigned) and .exit.txt (only when not 0), plus source.json (what they were recorded on).
// `kubewalk record` writes them; a walkthrough reads them back with readRecordings.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Step, StepOutput } from '../core/step.js'
import type { WalkthroughSource } from '../core/walkthrough.js'

/** The recording files of one step, by what each holds. */
export const RECORDING_PARTS = ['stdout', 'stderr', 'captured', 'exit'] as const
export type RecordingPart = (typeof RECORDING_PARTS)[number]

/** The file name of one part of a step's recording. */
export const recordingFile = (step: Pick<Step, 'number' | 'id'>, part: RecordingPart): string => `${step.number}-${step.id}.${part}.txt`

/** What the recordings were made on (source.json). */
export type RecordedSource = Pick<WalkthroughSource, 'kubernetes' | 'kubectl' | 'cluster' | 'recordedAt'>

const pathOf = (dir: string | URL): string => (typeof dir === 'string' ? dir : fileURLToPath(dir))

/** The recordings in `dir` by step id (a step with none of its files is absent). */
export function readRecordings(dir: string | URL, steps: readonly Pick<Step, 'number' | 'id'>[]): Record<string, StepOutput> {
  const root = pathOf(dir)
  const out: Record<string, StepOutput> = {}
  for (const step of steps) {
    const read = (part: RecordingPart): string | undefined => {
      const file = join(root, recordingFile(step, part))
      return existsSync(file) ? readFileSync(file, 'utf8') : undefined
    }
    const [stdout, stderr, captured, exit] = RECORDING_PARTS.map(read)
    if (stdout === undefined && stderr === undefined && captured === undefined) continue
    out[step.id] = {
      stdout: stdout ?? '',
      stderr: stderr ?? '',
      exitCode: exit === undefined ? 0 : Number(exit.trim()),
      ...(captured !== undefined ? { captured } : {}),
    }
  }
  return out
}

/** What `dir/source.json` says the recordings were made on, or undefined when there is none. */
export function readRecordedSource(dir: string | URL): RecordedSource | undefined {
  const file = join(pathOf(dir), 'source.json')
  if (!existsSync(file)) return undefined
  const j = JSON.parse(readFileSync(file, 'utf8')) as {
    kubernetes?: string
    kubectl?: string
    cluster?: { name: string; server: string }
    recordedAt?: string
  }
  return {
    ...(j.kubernetes ? { kubernetes: j.kubernetes } : {}),
    ...(j.kubectl ? { kubectl: j.kubectl } : {}),
    ...(j.cluster ? { cluster: j.cluster } : {}),
    ...(j.recordedAt ? { recordedAt: new Date(j.recordedAt) } : {}),
  }
}
