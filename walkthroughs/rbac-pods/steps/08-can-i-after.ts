import { runIfMain } from '../../../src/faces/standalone.js'
import { defineStep, equal } from '../../../src/core/step.js'
import { NAMESPACE } from '../lib/vars.js'

export const canIAfter = defineStep({
  id: 'can-i-after',
  number: '08',
  title: 'Ask again: now it may',
  command: 'kubectl auth can-i list pods --as=system:serviceaccount:$NAMESPACE:default',
  reads: [NAMESPACE],
  exitCodes: [0, 1],
  parse: (out) => out.stdout.trim(),
  check: (answer) => [equal('kubectl says yes', 'yes', answer)],
  wait: { for: 'the API server to apply the new RoleBinding', timeoutMs: 30_000, intervalMs: 250 },
  participantCheck: 'rerun',
  hint: 'create the Role (step 06) and bind it to system:serviceaccount:$NAMESPACE:default (step 07).',
})
export default canIAfter

void runIfMain(import.meta.url, canIAfter, 'rbac-pods')
