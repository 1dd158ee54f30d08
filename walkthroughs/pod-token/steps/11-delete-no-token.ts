import { runIfMain } from '../../../src/faces/standalone.js'
import { defineStep, truthy } from '../../../src/core/step.js'
import { noToken } from '../lib/vars.js'

export const deleteNoToken = defineStep({
  id: 'delete-no-token',
  number: '11',
  title: 'Delete that Pod',
  command: 'kubectl delete pod no-token --now',
  reads: [],
  parse: (out) => out.stdout.trim(),
  check: (line) => [truthy('kubectl deleted it', /^pod "no-token" deleted( from \S+ namespace)?$/.test(line), line, 'pod "no-token" deleted')],
  deletes: noToken,
  participantCheck: {
    command: 'kubectl get pod no-token --ignore-not-found -o name',
    reads: [],
    parse: (out) => out.stdout.split('\n').filter((l) => l !== ''),
    check: (names) => [truthy('Pod no-token is gone', !names.includes('pod/no-token'), names)],
  },
  hint: 'kubectl delete pod no-token --now',
})
export default deleteNoToken

void runIfMain(import.meta.url, deleteNoToken, 'pod-token')
