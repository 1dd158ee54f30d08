import { runIfMain } from '../src/standalone.js'
import { defineStep, equal, truthy } from '../src/step.js'
import { parseKubeList, secretDataValues } from '../src/parse/yaml.js'

export const applyTokenSecret = defineStep({
  id: 'apply-token-secret',
  number: '08',
  title: 'Create a long-lived token Secret for the default ServiceAccount',
  command: `kubectl apply -f - <<EOF
apiVersion: v1
kind: Secret
metadata:
  name: default-token
  annotations:
    kubernetes.io/service-account.name: default
type: kubernetes.io/service-account-token
EOF`,
  reads: [],
  parse: (out) => out.stdout.trim(),
  check: (line) => [equal('kubectl created it', 'secret/default-token created', line)],
  // kubectl apply would rewrite a default-token the user already has; the run must not touch it.
  guard: {
    command: 'kubectl get secret default-token --ignore-not-found -o name',
    refuse: (out) => (out.stdout.trim() !== '' ? 'a Secret default-token already exists in this namespace and is not ours; kubewalk leaves it as it is (delete or rename it to replay the article)' : undefined),
  },
  cleanup: {
    key: 'secret/default-token',
    describe: 'delete Secret default-token',
    command: 'kubectl delete secret default-token --ignore-not-found',
    // Only what this run created: "configured" or "unchanged" means it was there before.
    when: (out) => /^secret\/default-token created$/m.test(out.stdout),
  },
  exercise: {
    command: 'kubectl get secrets -o yaml',
    reads: [],
    secrets: (out) => secretDataValues(out.stdout),
    parse: (out) => parseKubeList('apply-token-secret', out.stdout).items.find((i) => i.metadata?.name === 'default-token'),
    check: (secret) => [
      truthy('Secret default-token exists', secret !== undefined),
      equal('its type is kubernetes.io/service-account-token', 'kubernetes.io/service-account-token', secret?.type),
      equal('annotated for the default ServiceAccount', 'default', secret?.metadata?.annotations?.['kubernetes.io/service-account.name']),
      truthy('the token controller filled it (data.token)', (secret?.data?.token ?? '') !== ''),
    ],
  },
  hint: 'apply the Secret with the heredoc exactly as shown (kubewalk check apply-token-secret --solution).',
})
export default applyTokenSecret

await runIfMain(import.meta.url, applyTokenSecret)
