import { runIfMain } from '../../../src/faces/standalone.js'
import { defineStep } from '../../../src/core/step.js'
import { inspectToken } from '../../../src/platform/token.js'
import { mountedToken, mountedTokenChecks } from '../lib/checks.js'
import { POD_TOKEN, SA_DIR } from '../lib/vars.js'

export const readToken = defineStep({
  id: 'read-token',
  number: '04',
  title: 'Read the token mounted in the Pod into POD_TOKEN',
  command: `POD_TOKEN=$(kubectl exec token-demo -- cat ${SA_DIR}/token)`,
  reads: [],
  writes: POD_TOKEN,
  parse: (out, ctx) => mountedToken(inspectToken(out.captured ?? '', ctx.now, 'read-token')),
  check: (token, ctx) => mountedTokenChecks(token, ctx.namespace, 'token-demo'),
  participantCheck: 'rerun',
  hint: `kubectl exec token-demo -- cat ${SA_DIR}/token prints it; the Pod must be Running.`,
})
export default readToken

void runIfMain(import.meta.url, readToken, 'pod-token')
