import { runIfMain } from '../../../src/faces/standalone.js'
import { defineStep } from '../../../src/core/step.js'
import { CURL_PODS, CURL_PODS_STRICT_TLS, podListChecks, parsePodsAnswer } from '../lib/checks.js'
import { APISERVER, NAMESPACE, TOKEN } from '../lib/vars.js'

export const podsAllowed = defineStep({
  id: 'pods-allowed',
  number: '09',
  title: 'List the pods again: a PodList',
  command: CURL_PODS,
  strictTlsCommand: CURL_PODS_STRICT_TLS,
  reads: [APISERVER, NAMESPACE, TOKEN],
  parse: (out) => parsePodsAnswer('pods-allowed', out),
  check: (answer) => podListChecks(answer),
  participantCheck: 'rerun',
  hint: 'create the Role and the RoleBinding first (steps 06 and 07), then run the curl line again.',
  // The authorizer learns of a new RoleBinding through a watch: a moment, not a promise.
  wait: { for: 'the API server to apply the new RoleBinding', timeoutMs: 30_000, intervalMs: 250 },
})
export default podsAllowed

void runIfMain(import.meta.url, podsAllowed, 'rbac-pods')
