import { runIfMain } from '../../../src/faces/standalone.js'
import { defineStep, truthy } from '../../../src/core/step.js'
import { tokenDemo } from '../lib/vars.js'

export const deletePod = defineStep({
  id: 'delete-pod',
  number: '06',
  title: 'Delete the Pod',
  command: 'kubectl delete pod token-demo --now',
  reads: [],
  parse: (out) => out.stdout.trim(),
  // kubectl 1.33+ adds " from <namespace> namespace".
  check: (line) => [truthy('kubectl deleted it', /^pod "token-demo" deleted( from \S+ namespace)?$/.test(line), line, 'pod "token-demo" deleted')],
  deletes: tokenDemo,
  participantCheck: {
    command: 'kubectl get pod token-demo --ignore-not-found -o name',
    reads: [],
    parse: (out) => out.stdout.split('\n').filter((l) => l !== ''),
    check: (names) => [truthy('Pod token-demo is gone', !names.includes('pod/token-demo'), names)],
  },
  hint: 'kubectl delete pod token-demo --now',
})
export default deletePod

void runIfMain(import.meta.url, deletePod, 'pod-token')
