import { runIfMain } from '../../../src/faces/standalone.js'
import { defineStep, equal } from '../../../src/core/step.js'

export const waitReady = defineStep({
  id: 'wait-ready',
  number: '03',
  title: 'Wait until the Pod is Ready',
  command: 'kubectl wait --for=condition=Ready pod/token-demo --timeout=60s',
  reads: [],
  parse: (out) => out.stdout.trim(),
  check: (line) => [equal('the Pod is Ready', 'pod/token-demo condition met', line)],
  participantCheck: 'rerun',
  hint: 'the Pod needs a node: kubectl get pod token-demo -o wide shows where it is.',
})
export default waitReady

void runIfMain(import.meta.url, waitReady, 'pod-token')
