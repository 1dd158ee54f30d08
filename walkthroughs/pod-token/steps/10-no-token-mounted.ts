import { runIfMain } from '../../../src/faces/standalone.js'
import { defineStep, equal } from '../../../src/core/step.js'

export const noTokenMounted = defineStep({
  id: 'no-token-mounted',
  number: '10',
  title: 'Look for a token in that Pod: there is none',
  command: 'kubectl exec no-token -- ls -A /var/run/secrets',
  reads: [],
  parse: (out) => out.stdout.split('\n').filter((l) => l !== ''),
  check: (entries) => [equal('nothing is mounted under /var/run/secrets', [], entries)],
  participantCheck: 'rerun',
  hint: 'the Pod must be Running; kubectl get pod no-token shows it.',
})
export default noTokenMounted

void runIfMain(import.meta.url, noTokenMounted, 'pod-token')
