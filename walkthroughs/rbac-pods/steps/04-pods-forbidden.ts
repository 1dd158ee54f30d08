import { runIfMain } from '../../../src/faces/standalone.js'
import { defineStep } from '../../../src/core/step.js'
import { CURL_PODS, CURL_PODS_STRICT_TLS, forbiddenChecks, parsePodsAnswer } from '../lib/checks.js'
import { APISERVER, NAMESPACE, TOKEN } from '../lib/vars.js'

export const podsForbidden = defineStep({
  id: 'pods-forbidden',
  number: '04',
  title: 'List the pods with the token: 403 Forbidden',
  command: CURL_PODS,
  strictTlsCommand: CURL_PODS_STRICT_TLS,
  reads: [APISERVER, NAMESPACE, TOKEN],
  parse: (out) => parsePodsAnswer('pods-forbidden', out),
  check: (answer, ctx) => forbiddenChecks(answer, ctx.namespace),
  participantCheck: 'rerun',
  hint: 'export APISERVER, NAMESPACE and TOKEN (steps 01-03) in this shell, then run the curl line; a fresh namespace grants the ServiceAccount nothing.',
})
export default podsForbidden

void runIfMain(import.meta.url, podsForbidden, 'rbac-pods')
