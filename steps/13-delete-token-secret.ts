import { runIfMain } from '../src/standalone.js'
import { defineStep, truthy } from '../src/step.js'

export const deleteTokenSecret = defineStep({
  id: 'delete-token-secret',
  number: '13',
  title: 'Delete the token Secret',
  command: 'kubectl delete secrets default-token',
  reads: [],
  parse: (out) => out.stdout.trim(),
  // kubectl 1.33 adds " from default namespace" to the article's line.
  check: (line) => [truthy('kubectl deleted it', /^secret "default-token" deleted( from \S+ namespace)?$/.test(line), line, 'secret "default-token" deleted')],
  settles: 'secret/default-token',
})
export default deleteTokenSecret

await runIfMain(import.meta.url, deleteTokenSecret)
