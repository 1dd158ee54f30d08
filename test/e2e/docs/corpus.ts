// The docs corpus as the e2e harness reads it: corpus.json's pages and verdicts, each page compiled the way the CLI
// compiles it (steps, recordings, in-container lines), the cluster's objects before and after a page, the one value a
// mutation run changes, and the summary table.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'
import { docsMarkdown } from '../../../src/sources/docs/markdown.js'
import { compareWithRecording, normalize, shapeOf } from '../../../src/sources/markdown/checks.js'
import { markdownWalkthrough } from '../../../src/sources/markdown/index.js'
import { draftSteps } from '../../../src/sources/markdown/steps.js'
import type { JsonReport } from '../cli.js'
import type { Recipe } from './stand-ins.js'

export const CORPUS_DIR = fileURLToPath(new URL('../../fixtures/docs/', import.meta.url))

/** A page's expected verdict, as corpus.json states it. */
export type Verdict = { verdict: 'passes' } | { verdict: 'fails'; step: string; why: string } | { verdict: 'needs'; what: string }

export interface CorpusPage {
  slug: string
  needsNode: boolean
  images: { image: string; standIn: string; recipe?: Recipe }[]
  workdir?: string
  /** Flags a reader of the lab gives this page: the value it leaves them to choose (`--set your-node-name=…`), the change to the cluster it asks for (`--allow-changes`). */
  args?: string[]
  expected: Verdict
  /**
   * Why kubewalk does not reach the verdict today, in one line (a kubewalk defect, or what the fixtures lack),
   * written from a lab run. The test then counts the page's verdict instead of asserting it (the summary says
   * how many pages reach theirs), and still asserts what the run leaves behind and where its lines ran.
   */
  gap?: string
}

export function loadCorpus(): { examplesDir: string; pages: CorpusPage[] } {
  const c = JSON.parse(readFileSync(path.join(CORPUS_DIR, 'corpus.json'), 'utf8')) as { examplesDir: string; pages: CorpusPage[] }
  return { examplesDir: path.join(CORPUS_DIR, c.examplesDir), pages: c.pages }
}

/** One step of a page as kubewalk compiles it, with the page lines it came from. */
export interface PlannedStep {
  id: string
  command: string
  line: number
  recording?: { text: string; line: number }
}

/** A page compiled as `kubewalk run --walkthrough page.md` compiles it; `error` when kubewalk does not read it. */
export interface PagePlan {
  steps: PlannedStep[]
  /** Lines the page types inside a container (after a prompt, or after the line that opened a shell). */
  inContainer: { text: string; line: number; pod?: string }[]
  error?: string
}

export function planPage(file: string, examplesDir: string): PagePlan {
  const source = readFileSync(file, 'utf8')
  const docs = docsMarkdown(file, source, { examplesDir })
  const inContainer = docs.page.items.flatMap((i) =>
    i.kind === 'command' && i.container !== undefined
      ? [{ text: i.text, line: i.line, ...(i.container.shell ? { pod: i.container.shell.pod } : {}) }]
      : [],
  )
  try {
    const w = markdownWalkthrough(file, source, { examplesDir })
    const drafts = draftSteps(docs.doc)
    if (drafts.length !== w.steps.length) throw new Error(`${drafts.length} drafts for ${w.steps.length} steps`)
    const steps = w.steps.map((s, i) => {
      const d = drafts[i]!
      return { id: s.id, command: d.command, line: d.line, ...(d.recording ? { recording: d.recording } : {}) }
    })
    return { steps, inContainer }
  } catch (e) {
    return { steps: [], inContainer, error: (e as Error).message.replace(`${file}: `, '') }
  }
}

/** The step holding a page line as the page writes it (the verdict's `step`), by its first line. */
export function stepHolding(plan: PagePlan, line: string): PlannedStep | undefined {
  const first = line.split('\n')[0]!.trim()
  return plan.steps.find((s) => s.command.split('\n').some((l) => l.trim() === first)) ?? plan.steps.find((s) => s.command.includes(first))
}

// Kinds left out of the comparison of the cluster's objects before and after a page, and why:
const CHURN = new Set([
  // Records of what happened (a Pod pulled, a probe failed): kept for an hour by design, not objects a page made.
  'events',
  'events.events.k8s.io',
  // The node's heartbeat and the controllers' leader election renew and recreate them on their own.
  'leases.coordination.k8s.io',
  // The endpoints controllers mirror Services (and delete with them, a moment later): they follow the Services compared.
  'endpoints',
  'endpointslices.discovery.k8s.io',
])

let listable: string[] | undefined

/**
 * Every object the cluster lists, as `Kind namespace/name` (cluster-scoped: `Kind /name`), CHURN left out. The kinds
 * are asked once (a page's CustomResourceDefinition still shows as an object), and all are read in one call.
 */
export async function clusterObjects(kubectl: string, kubeconfig: string): Promise<string[]> {
  const k = (...args: string[]) => execa(kubectl, ['--kubeconfig', kubeconfig, ...args], { env: { KUBERC: 'off' }, stdin: 'ignore' })
  listable ??= String((await k('api-resources', '--verbs=list', '-o', 'name')).stdout)
    .split('\n')
    .filter((r) => r !== '' && !CHURN.has(r) && r !== 'componentstatuses')
  const r = await k(
    'get',
    listable.join(','),
    '-A',
    '--no-headers',
    '-o',
    'custom-columns=KIND:.kind,NAMESPACE:.metadata.namespace,NAME:.metadata.name',
  )
  return String(r.stdout)
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((w) => w.length === 3)
    .map(([kind, ns, name]) => `${kind} ${ns === '<none>' ? '' : ns}/${name}`)
    .sort()
}

/** What `after` has that `before` lacks, and what it lacks that `before` had. */
export function objectDifference(before: readonly string[], after: readonly string[]): { left: string[]; gone: string[] } {
  const b = new Set(before)
  const a = new Set(after)
  return { left: after.filter((o) => !b.has(o)), gone: before.filter((o) => !a.has(o)) }
}

/** One recorded value changed in the page, and the step whose output compares it. */
export interface Mutation {
  stepId: string
  /** The page's line number (1-based) and its text, before and after. */
  line: number
  before: string
  after: string
  value: string
  mutated: string
}

const TOKENS = /\d+|[A-Za-z]{3,}/g

/**
 * The rule: the first step that passed with its output compared to a recording ("the output matches its recording");
 * in that recording, top to bottom (a table's header row skipped), the first number, else the first word of three
 * letters or more, whose change survives kubewalk's normalization (so it is not an address, age, time, id or generated
 * suffix: a value the environment decides) and that kubewalk's comparison of the changed recording with the original
 * calls real (not a node's name or version, a variable of the author's image). A number n becomes n+1; a word gets its
 * last letter replaced.
 */
export function chooseMutation(source: string, plan: PagePlan, report: JsonReport): Mutation | undefined {
  const lines = source.split('\n')
  for (const s of report.steps) {
    if (s.status !== 'passed' || !s.assertions.some((a) => a.ok && a.name.startsWith('the output matches its recording'))) continue
    const step = plan.steps.find((p) => p.id === s.id)
    if (step?.recording === undefined) continue
    const recorded = step.recording.text.split('\n')
    const table = shapeOf(step.recording.text) === 'table'
    for (const [i, rl] of recorded.entries()) {
      if ((table && i === 0) || rl.trim() === '' || rl.trim() === '...') continue
      const candidates = [...rl.matchAll(TOKENS)]
      for (const m of [...candidates.filter((c) => /^\d/.test(c[0])), ...candidates.filter((c) => !/^\d/.test(c[0]))]) {
        const value = m[0]
        const mutated = /^\d/.test(value) ? String(Number(value) + 1) : value.slice(0, -1) + (value.endsWith('q') ? 'z' : 'q')
        const changed = rl.slice(0, m.index) + mutated + rl.slice(m.index + value.length)
        if (normalize(changed) === normalize(rl)) continue
        const changedRecording = recorded.map((l, k) => (k === i ? changed : l)).join('\n')
        const text = step.recording.text
        if (!compareWithRecording(s.id, changedRecording, text, { stdout: text }).items.some((d) => d.kind === 'real')) continue
        // The page line that holds this recorded line, at or after the recording's block.
        const at = lines.findIndex((l, n) => n >= step.recording!.line - 1 && l.includes(rl.trim()))
        if (at < 0) continue
        const col = lines[at]!.indexOf(rl.trim()) + (m.index - (rl.length - rl.trimStart().length))
        const after = lines[at]!.slice(0, col) + mutated + lines[at]!.slice(col + value.length)
        return { stepId: s.id, line: at + 1, before: lines[at]!, after, value, mutated }
      }
    }
  }
  return undefined
}

/** The page's source with a mutation applied. */
export function applyMutation(source: string, m: Mutation): string {
  const lines = source.split('\n')
  lines[m.line - 1] = m.after
  return lines.join('\n')
}

/** One row of the summary. */
export interface SummaryRow {
  page: string
  expected: string
  got: string
  seconds: number
  mutation?: string
  /** The run reached the page's verdict. */
  reached?: boolean
}

/** The summary as a Markdown table (stderr and docs/corpus.md). */
export function summaryTable(rows: readonly SummaryRow[]): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')
  const out = ['| page | expected | got | verdict reached | seconds | mutation |', '|---|---|---|---|---:|---|']
  for (const r of rows)
    out.push(
      `| ${r.page} | ${cell(r.expected)} | ${cell(r.got)} | ${r.reached === undefined ? '' : r.reached ? 'yes' : 'no'} | ${r.seconds.toFixed(1)} | ${cell(r.mutation ?? '')} |`,
    )
  return out.join('\n')
}

/** A verdict in one short phrase. */
export function verdictText(v: Verdict): string {
  return v.verdict === 'passes' ? 'passes' : v.verdict === 'fails' ? `fails at \`${v.step}\`` : `needs ${v.what.replace(/\s*\(.*$/, '')}`
}

/** The words of a `needs` verdict that a message about it must name (before any parenthesis: "a LoadBalancer" → LoadBalancer). */
export function neededWords(what: string): string[] {
  const head = what.replace(/\s*\(.*$/, '')
  return [...head.matchAll(/[A-Za-z][\w-]{4,}/g)].map((m) => m[0]).filter((w) => !/^(?:access|about|which|their|there)$/i.test(w))
}
