import { describe, expect, it } from 'vitest'
import { createConsoleReporter } from '../../../src/faces/report/console.js'
import { renderJson } from '../../../src/faces/report/json.js'
import { Secrets } from '../../../src/engine/redact.js'
import type { RunResult, StepResult } from '../../../src/engine/runner.js'
import { fixture } from '../../helpers.js'

const token = fixture('article/04-create-token.token.txt').trim()
const cluster = { name: 'test', server: 'https://127.0.0.1:32784', version: 'v1.28.3' }

const passed: StepResult = {
  id: 'create-token',
  number: '04',
  title: 'Mint a token',
  command: 'TOKEN=$(kubectl create token default)',
  status: 'passed',
  durationMs: 120,
  attempts: 1,
  assertions: [
    {
      name: 'sub is the default ServiceAccount',
      ok: true,
      expected: 'system:serviceaccount:default:default',
      actual: 'system:serviceaccount:default:default',
    },
  ],
  output: { stdout: '', stderr: '', exitCode: 0 },
  captured: { name: 'TOKEN', value: token },
}
const failed: StepResult = {
  id: 'call-api',
  number: '05',
  title: 'Call /api',
  command: 'curl …',
  status: 'failed',
  durationMs: 40,
  attempts: 1,
  assertions: [{ name: 'kind is APIVersions (the token was accepted)', ok: false, expected: 'APIVersions', actual: 'Status' }],
  output: { stdout: `{"kind":"Status","message":"token ${token} refused"}`, stderr: '', exitCode: 0 },
  error: {
    name: 'KubewalkError',
    code: 'E_ASSERTION',
    message: 'call-api: kind is APIVersions (the token was accepted) (expected "APIVersions", got "Status").',
  },
}
const skipped: StepResult = {
  ...passed,
  id: 'token-duration',
  number: '06',
  status: 'skipped',
  attempts: 0,
  assertions: [],
  captured: undefined,
} as StepResult
const result: RunResult = {
  ok: false,
  status: 'failed',
  steps: [passed, failed, skipped],
  cleanup: [{ describe: 'delete Secret default-token', command: 'kubectl delete …', status: 'done' }],
  startedAt: '2026-11-28T10:00:00.000Z',
  durationMs: 1234,
}

function render(showSecrets = false, pretty = false): string {
  const out: string[] = []
  const secrets = new Secrets()
  secrets.add(token)
  const r = createConsoleReporter({ write: (t) => void out.push(t), pretty, secrets, showSecrets })
  r.header(cluster)
  result.steps.forEach((s, i) => r.onEvent({ type: 'step-end', result: s, index: i, total: 14 }))
  r.summary(result)
  return out.join('')
}

describe('console reporter', () => {
  it('shows output, checks, and a one-sentence failure, with tokens masked', () => {
    const text = render()
    expect(text).toContain('replaying against test (https://127.0.0.1:32784, Kubernetes v1.28.3)')
    expect(text).toContain('✓ sub is the default ServiceAccount')
    expect(text).toContain('✗ kind is APIVersions (the token was accepted) (expected "APIVersions", got "Status")')
    expect(text).toContain('- 03/14 token-duration: skipped')
    expect(text).toContain('✘ 02/14 call-api (0.0 s): kind is APIVersions')
    expect(text).toContain('✘ failed: call-api: kind is APIVersions')
    expect(text).toContain('1 passed, 1 failed, 1 skipped')
    expect(text).not.toContain(token)
    expect(text).toContain(`TOKEN=eyJ…[masked token]`)
  })
  it('prints secrets only when asked', () => {
    expect(render(true)).toContain(token)
  })
  it('plain has no escape codes; pretty has colour', () => {
    expect(render(false, false)).not.toContain('\x1b[')
    expect(render(false, true)).toContain('\x1b[32m')
  })
})

describe('json reporter', () => {
  it('has the documented shape and masks tokens', () => {
    const secrets = new Secrets()
    secrets.add(token)
    const text = renderJson(result, cluster, { secrets })
    expect(text).not.toContain(token)
    const doc = JSON.parse(text) as Record<string, unknown> & { steps: Record<string, unknown>[] }
    expect(doc).toMatchObject({ ok: false, status: 'failed', cluster, startedAt: '2026-11-28T10:00:00.000Z', durationMs: 1234 })
    expect(Object.keys(doc.steps[1] ?? {})).toEqual(
      expect.arrayContaining(['id', 'title', 'command', 'status', 'durationMs', 'assertions', 'output', 'error']),
    )
    expect(doc.steps.map((s) => s.status)).toEqual(['passed', 'failed', 'skipped'])
  })
  it('keeps tokens with showSecrets', () => {
    expect(renderJson(result, cluster, { showSecrets: true })).toContain(token)
  })
})

describe('withoutProgressMeter', () => {
  it("hides curl's meter and keeps curl's errors", async () => {
    const { withoutProgressMeter } = await import('../../../src/faces/report/console.js')
    const stderr = [
      '  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current',
      '                                 Dload  Upload   Total   Spent    Left  Speed',
      '\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0\r100   182  100   182    0     0  31980      0 --:--:-- --:--:-- --:--:-- 36400',
      'curl: (7) Failed to connect to 127.0.0.1 port 1 after 0 ms: Could not connect to server',
    ].join('\n')
    expect(withoutProgressMeter(stderr)).toBe('curl: (7) Failed to connect to 127.0.0.1 port 1 after 0 ms: Could not connect to server')
  })
})

describe('console reporter on checks without an expected value', () => {
  it('prints a failed truthy check without crashing', () => {
    const out: string[] = []
    const r = createConsoleReporter({ write: (t) => void out.push(t), pretty: false })
    const step: StepResult = { ...failed, assertions: [{ name: 'no default-token Secret yet', ok: false, actual: ['default-token'] }] }
    r.onEvent({ type: 'step-end', result: step, index: 6, total: 14 })
    expect(out.join('')).toContain('✗ no default-token Secret yet (got ["default-token"])')
  })
})

describe('pretty progress', () => {
  it('draws a live elapsed-time line while a step runs, and clears it when the step ends', async () => {
    const out: string[] = []
    const r = createConsoleReporter({ write: (t) => void out.push(t), pretty: true })
    const step = { id: 'slow', number: '01', title: 'slow', command: 'sleep 1', reads: [], parse: () => 0, check: () => [] }
    r.onEvent({ type: 'step-start', step, command: 'sleep 1', index: 0, total: 1 })
    r.onEvent({ type: 'step-run', step, index: 0 })
    await new Promise((res) => setTimeout(res, 750))
    r.onEvent({ type: 'attempt', step, attempt: 1, elapsedMs: 750, waitingFor: 'something' })
    r.onEvent({ type: 'step-end', result: { ...passed, id: 'slow' }, index: 0, total: 1 })
    const text = out.join('')
    expect(text).toMatch(/… running: \d+\.\d s/)
    expect(text).toMatch(/… waiting for something \(attempt 2\): \d+\.\d s/)
    expect(text).toContain('\r\x1b[2K')
    const n = out.length
    await new Promise((res) => setTimeout(res, 450))
    expect(out.length).toBe(n) // the ticker stopped with the step
  })
})
