import { describe, expect, it } from 'vitest'
import { renderTranscript } from '../../../src/faces/report/transcript.js'
import { cluster, failed, passed, sections, skipped, token } from './runs.js'
import { Secrets } from '../../../src/engine/redact.js'

const result = {
  ok: false,
  status: 'failed' as const,
  steps: [passed, { ...failed, output: { ...failed.output, stdout: '```\ninner fence\n```\n' } }, skipped],
  cleanup: [{ describe: 'delete Secret default-token', command: 'kubectl delete secret default-token --ignore-not-found', status: 'done' as const }],
  startedAt: '2026-11-28T10:00:00.000Z',
  durationMs: 2345,
}

describe('renderTranscript', () => {
  const secrets = new Secrets()
  secrets.add(token)
  const md = renderTranscript(result, cluster, sections, {
    secrets,
    drift: [{ id: 'create-token', items: [{ path: 'claims.jti', kind: 'version', note: 'jti from 1.30 on' }] }],
  })

  it('retells the walkthrough step by step with this run’s results', () => {
    expect(md).toMatch(/^# Transcript: /)
    expect(md).toContain('Replayed by kubewalk on 2026-11-28T10:00:00.000Z against `kind-kind`')
    expect(md).toContain('**Result: ❌ failed** — 1 passed, 1 failed, 1 skipped in 2.3 s.')
    expect(md).toContain('## 04. Request a token (`create-token`) ✅\n\nYou mint a short-lived token.')
    expect(md).toContain('## 06. Read the token lifetime (`token-duration`) ⏭️')
    expect(md).toContain('> **Failed:** call-api: kind is APIVersions')
    expect(md).toContain('| kind is APIVersions (the token was accepted) | ❌ | `"APIVersions"` | `"Status"` |')
    expect(md).toContain('- newer version: `claims.jti` — jti from 1.30 on')
    expect(md).toContain('## Cleanup\n\n- ✅ delete Secret default-token')
  })
  it('shows Markdown in cluster text as written: an error cannot add links or images', () => {
    const hostile = {
      ...result,
      steps: [
        {
          ...failed,
          error: { name: 'StepError', code: 'E_ASSERTION' as const, message: 'x: ![t](https://evil.example/t.png) [a](javascript:b) <i>' },
        },
      ],
    }
    const text = renderTranscript(hostile, cluster, sections)
    expect(text).toContain('> **Failed:** x: \\!\\[t\\](https://evil.example/t.png) \\[a\\](javascript:b) \\<i\\>')
  })
  it('says what a step notes about itself (here: it checks only its exit code), below its output', () => {
    const noted = { ...result, steps: [{ ...passed, notes: ['no recording to compare with: it checks only its exit code'] }] }
    expect(renderTranscript(noted, cluster, sections)).toMatch(/\n_Note: no recording to compare with: it checks only its exit code_\n/)
  })
  it('masks tokens unless asked', () => {
    expect(md).not.toContain(token)
    expect(renderTranscript(result, cluster, sections, { showSecrets: true })).toContain(token)
  })
  it('fences output with more backticks than it contains', () => {
    expect(md).toContain('````text\n```\ninner fence\n```\n````')
  })
})
