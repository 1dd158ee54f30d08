import { Parser, type FinalResults } from 'tap-parser'
import { describe, expect, it } from 'vitest'
import { renderTap } from '../../../src/faces/report/tap.js'
import type { RunResult, StepResult } from '../../../src/engine/runner.js'
import { cluster, failed, failedRun, passed, passedRun, secrets, skipped, token } from './runs.js'

function parse(tap: string): FinalResults {
  let final: FinalResults | undefined
  const p = new Parser((r) => (final = r))
  p.end(tap)
  if (!final) throw new Error('tap-parser did not finish')
  return final
}

describe('tap reporter', () => {
  it('has the version, the plan and one test point per step', () => {
    const tap = renderTap(failedRun, cluster, { secrets: secrets() })
    const lines = tap.split('\n')
    expect(lines.slice(0, 2)).toEqual(['TAP version 13', '1..3'])
    expect(lines).toContain('ok 1 - 04 create-token: Mint a token')
    expect(lines).toContain('not ok 2 - 05 call-api: Call /api <with> "quotes" & \'apostrophes\' \\# hash')
    expect(lines).toContain('ok 3 - 06 token-duration: Read the token lifetime # SKIP an earlier step failed (05 call-api)')
    expect(lines.at(-2)).toBe('# cleanup: delete Secret default-token: done')
  })

  it('parses with tap-parser: counts, ok, the skip reason and the diagnostic', () => {
    const r = parse(renderTap(failedRun, cluster, { secrets: secrets() }))
    expect(r).toMatchObject({ ok: false, count: 3, pass: 2, fail: 1, skip: 1, todo: 0, bailout: false })
    expect(r.plan).toMatchObject({ start: 1, end: 3 })
    expect(r.skips[0]?.skip).toBe('an earlier step failed (05 call-api)')
    const failure = r.failures[0] as { name: string; time: number; diag: Record<string, unknown> }
    // tap-parser moves duration_ms out of the diagnostic into the result's time.
    expect(failure.time).toBe(1540)
    expect(failure.name).toBe(`05 call-api: ${failed.title}`)
    expect(failure.diag).toMatchObject({
      message: failed.error?.message,
      code: 'E_ASSERTION',
      command: failed.command,
      exit_code: 0,
      assertions: [{ name: 'kind is APIVersions (the token was accepted)', expected: 'APIVersions', actual: 'Status' }],
    })
    // Control characters survive as YAML escapes, so the diagnostic round-trips.
    expect(failure.diag.stdout).toContain('bell\x07 nul\x00 esc\x1b[31mred')
  })

  it('passes a passed run', () => {
    expect(parse(renderTap(passedRun, cluster))).toMatchObject({ ok: true, count: 2, pass: 2, fail: 0, skip: 0 })
    expect(renderTap(passedRun, cluster).split('\n').at(-2)).toBe('# cleanup: nothing to clean up')
  })

  it('keeps a diagnostic whose text looks like YAML or TAP markers inside its block', () => {
    const tricky: StepResult = { ...failed, assertions: [], output: { stdout: 'line1\n  ...\n---\nnot ok 9 - fake\n', stderr: '', exitCode: 1 } }
    const r = parse(renderTap({ ...failedRun, steps: [passed, tricky, skipped] }, cluster))
    expect(r).toMatchObject({ ok: false, count: 3, fail: 1 })
    expect((r.failures[0] as { diag: { stdout: string } }).diag.stdout).toBe('line1\n  ...\n---\nnot ok 9 - fake')
  })

  it('masks tokens unless showSecrets', () => {
    const tap = renderTap(failedRun, cluster, { secrets: secrets() })
    expect(tap).not.toContain(token)
    expect(tap).toContain(`eyJ…[masked token]`)
    expect(renderTap(failedRun, cluster, { secrets: secrets(), showSecrets: true })).toContain(token)
  })

  it('reports failed cleanup and an interrupted run', () => {
    const run: RunResult = {
      ...passedRun,
      ok: false,
      status: 'interrupted',
      steps: [passed, skipped],
      cleanup: [
        { describe: 'delete Secret default-token', command: 'kubectl delete secret default-token', status: 'failed', error: 'no answer within 30 s' },
      ],
    }
    const tap = renderTap(run, cluster)
    expect(tap).toContain('ok 2 - 06 token-duration: Read the token lifetime # SKIP the run was interrupted')
    expect(tap).toContain('# cleanup: delete Secret default-token: failed (no answer within 30 s; run: kubectl delete secret default-token)')
    // What is left on the cluster is a failure of its own, whatever happened to the steps.
    expect(tap).toMatch(/^not ok 3 - cleanup$/m)
    expect(parse(tap)).toMatchObject({ ok: false, count: 3, pass: 2, fail: 1, skip: 1 })
  })

  it('fails a run whose steps all passed when its cleanup failed', () => {
    const run: RunResult = {
      ...passedRun,
      ok: false,
      status: 'failed',
      cleanup: [{ describe: 'delete Secret default-token', command: 'kubectl delete secret default-token', status: 'failed', error: 'forbidden' }],
    }
    const r = parse(renderTap(run, cluster))
    expect(r).toMatchObject({ ok: false, fail: 1 })
    expect((r.failures[0] as { name: string; diag: { message: string } }).diag.message).toMatch(
      /Secret default-token \(forbidden; remove it with: kubectl delete secret default-token\)/,
    )
  })
})
