import { runIfMain } from '../src/faces/standalone.js'
import { defineStep, truthy } from '../src/core/step.js'
import { parseKubectlTable } from '../src/core/parse/tables.js'
import { tokenSecret } from './lib/vars.js'

export const deleteTokenSecret = defineStep({
  id: 'delete-token-secret',
  number: '13',
  title: 'Delete the token Secret',
  command: 'kubectl delete secrets default-token',
  reads: [],
  parse: (out) => out.stdout.trim(),
  // kubectl 1.33 adds " from default namespace" to the article's line.
  check: (line) => [
    truthy('kubectl deleted it', /^secret "default-token" deleted( from \S+ namespace)?$/.test(line), line, 'secret "default-token" deleted'),
  ],
  participantCheck: {
    command: 'kubectl get secrets',
    reads: [],
    parse: (out) => parseKubectlTable('delete-token-secret', out.stdout).map((r) => r.NAME),
    check: (names) => [truthy('Secret default-token is gone', !names.includes('default-token'), names)],
  },
  hint: 'run kubectl delete secrets default-token in the namespace where you created it.',
  deletes: tokenSecret,
})
export default deleteTokenSecret

void runIfMain(import.meta.url, deleteTokenSecret)
