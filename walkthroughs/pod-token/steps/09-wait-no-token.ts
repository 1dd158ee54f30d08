import { runIfMain } from '../../../src/faces/standalone.js'
import { defineStep, equal } from '../../../src/core/step.js'

export const waitNoToken = defineStep({
  id: 'wait-no-token',
  number: '09',
  title: 'Wait until that Pod is Ready',
  command: 'kubectl wait --for=condition=Ready pod/no-token --timeout=60s',
  reads: [],
  parse: (out) => out.stdout.trim(),
  check: (line) => [equal('the Pod is Ready', 'pod/no-token condition met', line)],
  participantCheck: 'rerun',
  hint: 'the Pod needs a node: kubectl get pod no-token -o wide shows where it is.',
})
export default waitNoToken

void runIfMain(import.meta.url, waitNoToken, 'pod-token')
