import { runIfMain } from '../src/faces/standalone.js'
import { defineStep, equal, truthy } from '../src/core/step.js'
import { parseKubeList, secretDataValues } from '../src/core/parse/yaml.js'

export const secretsYaml = defineStep({
  id: 'secrets-yaml',
  number: '10',
  title: 'Look at the Secret as YAML',
  command: 'kubectl get secrets -o yaml',
  reads: [],
  parse: (out) => {
    const list = parseKubeList('secrets-yaml', out.stdout)
    return { kind: list.kind, secret: list.items.find((i) => i.metadata?.name === 'default-token') }
  },
  secrets: (out) => secretDataValues(out.stdout),
  participantCheck: 'rerun',
  hint: 'apply the Secret first (step 08).',
  check: ({ kind, secret }, ctx) => {
    const data = secret?.data ?? {}
    return [
      equal('a List', 'List', kind),
      truthy('holds default-token', secret !== undefined),
      equal('annotated for the default ServiceAccount', 'default', secret?.metadata?.annotations?.['kubernetes.io/service-account.name']),
      truthy('data has ca.crt', (data['ca.crt'] ?? '') !== ''),
      equal(`data.namespace is base64 of "${ctx.namespace}"`, Buffer.from(ctx.namespace).toString('base64'), data.namespace),
      truthy('data has token', (data.token ?? '') !== ''),
    ]
  },
})
export default secretsYaml

void runIfMain(import.meta.url, secretsYaml)
