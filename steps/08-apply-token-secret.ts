import { runIfMain } from '../src/faces/standalone.js'
import { defineStep, equal, truthy } from '../src/core/step.js'
import { parseKubeList, secretDataValues } from '../src/core/parse/yaml.js'
import { tokenSecret } from './lib/vars.js'

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
  // kubectl apply would rewrite a default-token the user already has; the run must not touch it. And
  // step 11's jsonpath takes the token of every Secret for the default ServiceAccount: with another one
  // there (clusters from before 1.24 keep their default-token-xxxxx), it cannot work as written.
  guard: {
    command: `kubectl get secrets -o jsonpath='{range .items[*]}{.metadata.name}{"\\t"}{.type}{"\\t"}{.metadata.annotations.kubernetes\\.io/service-account\\.name}{"\\n"}{end}'`,
    refuse: (out, ctx) => {
      const rows = out.stdout
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => l.split('\t'))
      if (rows.some(([name]) => name === 'default-token')) {
        return `a Secret default-token already exists in namespace ${ctx.namespace} and is not this run's; kubewalk leaves it as it is (delete or rename it to replay the article)`
      }
      const others = rows.filter(([, type, account]) => type === 'kubernetes.io/service-account-token' && account === 'default').map(([name]) => name)
      if (others.length === 0) return undefined
      return `namespace ${ctx.namespace} already has a token Secret for the default ServiceAccount (${others.join(', ')}): step 11's line takes the token of every such Secret and cannot pick the article's, so the replay cannot work here; replay in another namespace (--isolate), or delete ${others.length > 1 ? 'them' : 'it'} if no one uses ${others.length > 1 ? 'them' : 'it'}`
    },
  },
  creates: {
    cleanup: tokenSecret,
    // Only what this run created: "configured" or "unchanged" means it was there before.
    createdIf: (out) => /^secret\/default-token created$/m.test(out.stdout),
  },
  participantCheck: {
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
    wait: { for: 'the token controller (kube-controller-manager) to fill default-token', timeoutMs: 30_000, intervalMs: 250 },
  },
  hint: 'apply the Secret with the heredoc exactly as shown (kubewalk check apply-token-secret --solution).',
})
export default applyTokenSecret

void runIfMain(import.meta.url, applyTokenSecret)
