import { runIfMain } from '../src/faces/standalone.js'
import { defineStep, truthy } from '../src/core/step.js'
import { parseKubectlTable } from '../src/core/parse/tables.js'

export const listSecretsBefore = defineStep({
  id: 'list-secrets-before',
  number: '07',
  title: 'List the Secrets before creating one',
  command: 'kubectl get secrets',
  reads: [],
  // An empty namespace prints "No resources found in default namespace." on stderr and no table.
  parse: (out) => parseKubectlTable('list-secrets-before', out.stdout),
  participantCheck: 'rerun',
  hint: 'this step comes before the Secret exists; if you already created default-token, this check cannot pass.',
  check: (rows, ctx) => [
    {
      ...truthy(
        'no default-token Secret yet',
        !rows.some((r) => r.NAME === 'default-token'),
        rows.map((r) => r.NAME),
      ),
      precondition: `a Secret default-token already exists in namespace ${ctx.namespace} and is not this run's, so kubewalk stops before step 08 and leaves it as it is (delete or rename it to replay the article)`,
    },
  ],
})
export default listSecretsBefore

void runIfMain(import.meta.url, listSecretsBefore)
