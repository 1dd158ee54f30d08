import { runIfMain } from '../../../src/faces/standalone.js'
import { defineStep, equal } from '../../../src/core/step.js'
import { NAMESPACE } from '../lib/vars.js'

export const canIBefore = defineStep({
  id: 'can-i-before',
  number: '05',
  title: 'Ask the API server: may the ServiceAccount list pods? No',
  command: 'kubectl auth can-i list pods --as=system:serviceaccount:$NAMESPACE:default',
  reads: [NAMESPACE],
  // can-i answers "no" with exit code 1: an answer, not a failure.
  exitCodes: [0, 1],
  parse: (out) => out.stdout.trim(),
  check: (answer) => [equal('kubectl says no', 'no', answer)],
  participantCheck: 'rerun',
  hint: 'run it before creating the Role and RoleBinding; your kubeconfig user must be allowed to impersonate (--as).',
})
export default canIBefore

void runIfMain(import.meta.url, canIBefore, 'rbac-pods')
