import { runIfMain } from '../src/faces/standalone.js'
import { defineStep, equal } from '../src/core/step.js'
import { parseKubectlTable } from '../src/core/parse/tables.js'

export const listSecretsAfter = defineStep({
  id: 'list-secrets-after',
  number: '09',
  title: 'See the Secret, filled by the token controller',
  command: 'kubectl get secrets',
  reads: [],
  parse: (out) => parseKubectlTable('list-secrets-after', out.stdout).find((r) => r.NAME === 'default-token'),
  participantCheck: 'rerun',
  hint: 'apply the Secret first (step 08); the token controller fills it within a few seconds.',
  check: (row) => [
    equal('default-token is listed', 'default-token', row?.NAME),
    equal('TYPE is kubernetes.io/service-account-token', 'kubernetes.io/service-account-token', row?.TYPE),
    equal('DATA is 3 (ca.crt, namespace, token)', '3', row?.DATA),
  ],
  wait: { for: 'the token controller (kube-controller-manager) to fill default-token', timeoutMs: 30_000, intervalMs: 250 },
})
export default listSecretsAfter

void runIfMain(import.meta.url, listSecretsAfter)
