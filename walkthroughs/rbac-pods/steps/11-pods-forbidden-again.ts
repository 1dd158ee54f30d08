import { runIfMain } from '../../../src/faces/standalone.js'
import { defineStep } from '../../../src/core/step.js'
import { CURL_PODS, CURL_PODS_STRICT_TLS, forbiddenChecks, parsePodsAnswer } from '../lib/checks.js'
import { APISERVER, NAMESPACE, TOKEN } from '../lib/vars.js'

export const podsForbiddenAgain = defineStep({
  id: 'pods-forbidden-again',
  number: '11',
  title: 'Delete the binding: the same call is refused again',
  command: CURL_PODS,
  strictTlsCommand: CURL_PODS_STRICT_TLS,
  reads: [APISERVER, NAMESPACE, TOKEN],
  parse: (out) => parsePodsAnswer('pods-forbidden-again', out),
  check: (answer, ctx) => forbiddenChecks(answer, ctx.namespace),
  participantCheck: 'rerun',
  hint: 'delete the RoleBinding (step 10); the refusal can take a moment to come back.',
  wait: { for: 'the API server to drop the deleted RoleBinding', timeoutMs: 30_000, intervalMs: 250 },
})
export default podsForbiddenAgain

void runIfMain(import.meta.url, podsForbiddenAgain, 'rbac-pods')
