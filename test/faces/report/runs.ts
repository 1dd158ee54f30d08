// Run results shared by the file reporters' tests: a pass that captured a token, a failure whose
// output holds the token and control characters, a skip, and cleanup; walkthrough sections for the transcript.
import { Secrets } from '../../../src/engine/redact.js'
import type { RunResult, StepResult } from '../../../src/engine/runner.js'
import type { WalkthroughSection } from '../../../src/sources/prose.js'
import { fixture } from '../../helpers.js'

export const token = fixture('article/04-create-token.token.txt').trim()
export const cluster = { name: 'kind-kind', server: 'https://127.0.0.1:32784', version: 'v1.28.3' }
export const sections: WalkthroughSection[] = [
  {
    number: '04',
    id: 'create-token',
    title: 'Request a token',
    explanation: 'You mint a short-lived token.',
    command: 'TOKEN=$(kubectl create token default)',
  },
  { number: '05', id: 'call-api', title: 'Call the API', explanation: 'You call /api with it.', command: 'curl …' },
]
export const CONTROL = 'bell\x07 nul\x00 esc\x1b[31mred\x1b[0m vt\x0b ff\x0c us\x1f'

export const passed: StepResult = {
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
export const failed: StepResult = {
  id: 'call-api',
  number: '05',
  title: 'Call /api <with> "quotes" & \'apostrophes\' # hash',
  command: 'curl -sS -H "Authorization: Bearer $TOKEN" "$APISERVER/api" && echo ]]>',
  status: 'failed',
  durationMs: 1540,
  attempts: 1,
  assertions: [
    { name: 'kind is APIVersions (the token was accepted)', ok: false, expected: 'APIVersions', actual: 'Status' },
    { name: 'HTTP status is 200', ok: true, expected: 200, actual: 200 },
  ],
  output: { stdout: `{"kind":"Status","message":"token ${token} refused"}\n${CONTROL}\n`, stderr: `warning: ${CONTROL} <b>&</b>\n`, exitCode: 0 },
  error: {
    name: 'KubewalkError',
    code: 'E_ASSERTION',
    message: 'call-api: kind is APIVersions (the token was accepted) (expected "APIVersions", got "Status").',
  },
}
export const skipped: StepResult = {
  id: 'token-duration',
  number: '06',
  title: 'Read the token lifetime',
  command: 'echo "$TOKEN" | cut -d. -f2',
  status: 'skipped',
  durationMs: 0,
  attempts: 0,
  assertions: [],
  output: { stdout: '', stderr: '', exitCode: null },
}

export const failedRun: RunResult = {
  ok: false,
  status: 'failed',
  steps: [passed, failed, skipped],
  startedAt: '2026-11-28T10:00:00.000Z',
  durationMs: 2345,
  cleanup: [{ describe: 'delete Secret default-token', command: 'kubectl delete secret default-token', status: 'done' }],
}
export const passedRun: RunResult = {
  ok: true,
  status: 'passed',
  steps: [passed, { ...passed, id: 'call-api', number: '05', title: 'Call /api', captured: undefined } as StepResult],
  cleanup: [],
  startedAt: '2026-11-28T10:00:00.000Z',
  durationMs: 300,
}

export function secrets(): Secrets {
  const s = new Secrets()
  s.add(token)
  return s
}
