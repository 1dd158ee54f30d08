// Every face shows a line typed in a container as the container's (never as a host line), and a line the
// reader does by hand as skipped with its reason.
import { describe, expect, it } from 'vitest'
import { defineStep, equal, type Step } from '../../../src/core/step.js'
import type { RunResult, StepResult } from '../../../src/engine/runner.js'
import { createConsoleReporter } from '../../../src/faces/report/console.js'
import { toJsonReport } from '../../../src/faces/report/json.js'
import { renderTranscript } from '../../../src/faces/report/transcript.js'
import { notebookPage } from '../../../src/faces/serve/page.js'
import type { WireState } from '../../../src/faces/serve/notebook.js'
import type { Walkthrough } from '../../../src/core/walkthrough.js'

const cluster = { name: 'lab', server: 'https://127.0.0.1:6443', version: 'v1.37.2' }
const inside: StepResult = {
  id: 'list-root',
  number: '02',
  title: 'List the root',
  command: 'ls /',
  container: { pod: 'web', container: 'nginx' },
  status: 'passed',
  durationMs: 40,
  attempts: 1,
  assertions: [],
  output: { stdout: 'bin\netc\n', stderr: '', exitCode: 0 },
}
const byHand: StepResult = {
  id: 'edit-it',
  number: '03',
  title: 'Edit it',
  command: 'kubectl edit pod web',
  skippedBecause: 'kubectl edit opens an editor and waits for you to save',
  status: 'skipped',
  durationMs: 0,
  attempts: 0,
  assertions: [],
  output: { stdout: '', stderr: '', exitCode: null },
}
const result: RunResult = { ok: true, status: 'passed', steps: [inside, byHand], cleanup: [], startedAt: '2026-12-06T08:00:00Z', durationMs: 40 }
const step = (id: string, command: string, extra: Partial<Step> = {}): Step =>
  defineStep({ id, number: '02', title: id, command, reads: [], parse: () => 1, check: () => [equal('x', 1, 1)], ...extra })

describe('in-container lines in the reports', () => {
  it('console: the container’s prompt, not `$`; a manual step skipped with its reason', () => {
    let text = ''
    const r = createConsoleReporter({ write: (t) => void (text += t), pretty: false })
    const s = step('list-root', 'ls /', { container: { pod: 'web', container: 'nginx' } })
    r.onEvent({ type: 'step-start', step: s, command: 'ls /', index: 1, total: 3 })
    r.onEvent({ type: 'step-end', result: byHand, index: 2, total: 3 })
    const host = step('host', 'ls /')
    r.onEvent({ type: 'step-start', step: host, command: 'ls /', index: 0, total: 3 })
    expect(text).toContain('  [web/nginx] # ls /\n')
    expect(text).toContain('- 03/3 edit-it: skipped, not run: kubectl edit opens an editor and waits for you to save\n')
    expect(text).toContain('  $ ls /\n')
  })
  it('JSON: a container field and the reason a step was skipped', () => {
    const doc = toJsonReport(result, cluster) as { steps: Record<string, unknown>[] }
    expect(doc.steps[0]?.container).toEqual({ pod: 'web', container: 'nginx' })
    expect(doc.steps[1]?.skippedBecause).toMatch(/kubectl edit opens an editor/)
    expect('container' in (doc.steps[1] ?? {})).toBe(false)
  })
  it('transcript: says where the line was typed, and why a step was not run', () => {
    const md = renderTranscript(result, cluster, [])
    expect(md).toContain('_Typed in the shell of container `nginx` of Pod `web` (run there, not on the host)._')
    expect(md).toContain('_Not run: kubectl edit opens an editor and waits for you to save._')
  })
  it('notebook: the cell says which container’s shell its line is typed in', () => {
    const w = { id: 'w', title: 'W', vars: [], steps: [] } as unknown as Walkthrough
    const cell = (id: string, container?: string) => ({
      id,
      number: '01',
      title: id,
      command: 'ls /',
      runs: 0,
      status: 'idle' as const,
      stream: '',
      ...(container !== undefined ? { container } : {}),
    })
    const state = {
      walkthrough: { id: 'w', title: 'W' },
      cluster: { ...cluster, namespace: 'default' },
      showSecrets: false,
      reportProgress: false,
      editable: false,
      opening: false,
      cells: [cell('inside', 'web/nginx'), cell('host')],
      vars: [],
      cleanup: [],
      pending: [],
    } satisfies WireState
    const html = notebookPage(w, state)
    expect(html.match(/<p class="where">[^\n]*<\/p>/g)).toEqual([
      '<p class="where">typed in the shell of <code>web/nginx</code>: it runs there, not on the host</p>',
    ])
  })
})
