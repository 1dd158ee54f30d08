// A walkthrough written as typed values, one per command, each with its recording: what
// `kubewalk import --typed` writes. Each step compiles as the same step in Markdown would (default
// check against its recording, guards before creating lines, cleanups from kubectl's output,
// background lines, placeholders), and its checks are typed values instead of annotations.
import { WalkthroughError } from '../../core/errors.js'
import type { Walkthrough } from '../../core/walkthrough.js'
import { durationMs, type Annotations, type DeclaredCheck } from './annotations.js'
import { compileWalkthrough } from './compile.js'
import type { Choice, FrontMatter } from './frontmatter.js'
import type { DraftStep, PageFile } from './steps.js'

/** A check on what a step printed (or on the variable it set). */
export type RecordedCheck = { json: string; equals: string } | { contains: string } | { matches: RegExp } | { http: number }

/** One command, verbatim, with its recording and what it needs beyond the default check. */
export interface RecordedStep {
  command: string
  title?: string
  id?: string
  /** The prose before it (Markdown). */
  prose?: string
  /** What it printed when recorded ("the output is similar to this"); compared by default. */
  recording?: string
  /** Keep the recording for drift only. */
  compare?: false
  checks?: readonly RecordedCheck[]
  /** Exit codes that are an answer (default [0]). */
  exit?: readonly number[]
  /** Rerun the line until its checks pass, at most this long ('30s', '2m'). */
  wait?: string
  /** Lines that remove what it makes, where kubectl's output does not say it. */
  cleanup?: readonly string[]
  /** Keep it running while later steps run; `ready` is the text its output shows once it serves. */
  background?: true | { ready: string }
  files?: readonly PageFile[]
  /** A read-only line `kubewalk check` runs for it. */
  verify?: string
}

/** A walkthrough of recorded steps. */
export interface RecordedWalkthrough {
  id: string
  title: string
  source?: { title?: string; url?: string; date?: string; kubernetes?: string; kubectl?: string }
  /** Variables whose values are masked. */
  secrets?: readonly string[]
  /** Values the reader chooses: placeholder lines (`export NAME="some_value"`). */
  choose?: Readonly<Record<string, Choice>>
  requires?: { kubernetes?: string; tools?: string[]; objects?: string[] }
  steps: readonly RecordedStep[]
}

/** Identity helper: exists so TypeScript checks a step file's fields. */
export const defineRecordedStep = (step: RecordedStep): RecordedStep => step

function declared(c: RecordedCheck): DeclaredCheck {
  if ('json' in c) return { kind: 'json', path: c.json, equals: c.equals, line: 0 }
  if ('contains' in c) return { kind: 'contains', text: c.contains, line: 0 }
  if ('matches' in c) return { kind: 'matches', regex: c.matches, line: 0 }
  return { kind: 'http', status: c.http, line: 0 }
}

/** The engine's walkthrough of recorded steps; `file` names it in errors. A bad field is a WalkthroughError naming the step. */
export function recordedWalkthrough(w: RecordedWalkthrough, file = `${w.id}/index.ts`): Walkthrough {
  const drafts = w.steps.map((s, i): DraftStep => {
    const a: Annotations = { checks: (s.checks ?? []).map(declared), cleanup: [...(s.cleanup ?? [])], line: i + 1 }
    if (s.exit) a.exit = [...s.exit]
    if (s.wait !== undefined) {
      const ms = durationMs(s.wait)
      if (ms === undefined)
        throw new WalkthroughError(`${file}: step ${i + 1}: wait takes a duration such as 30s, 2m or 500ms, got ${JSON.stringify(s.wait)}.`)
      a.waitMs = ms
    }
    if (s.background) a.background = s.background === true ? {} : { ready: s.background.ready }
    if (s.compare === false) a.compareOff = true
    if (s.title !== undefined) a.title = s.title
    if (s.id !== undefined) a.id = s.id
    if (s.verify !== undefined) a.verify = s.verify
    return {
      line: i + 1,
      command: s.command,
      prose: s.prose ?? '',
      files: [...(s.files ?? [])],
      annotations: a,
      ...(s.recording !== undefined ? { recording: { text: s.recording, line: i + 1 } } : {}),
    }
  })
  const fm: FrontMatter = { id: w.id, title: w.title, secrets: [...(w.secrets ?? [])], choose: { ...w.choose } }
  if (w.source) fm.source = { ...w.source }
  if (w.requires) fm.requires = { ...w.requires }
  return compileWalkthrough(file, fm, drafts)
}
