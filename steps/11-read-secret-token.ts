import { runIfMain } from '../src/standalone.js'
import { defineStep, equal } from '../src/step.js'
import { decodeToken, LEGACY_ISSUER } from '../src/parse/jwt.js'

export const readSecretToken = defineStep({
  id: 'read-secret-token',
  number: '11',
  title: "Decode the Secret's token into TOKEN",
  command: `TOKEN=$(kubectl get secrets -o jsonpath="{.items[?(@.metadata.annotations['kubernetes\\.io/service-account\\.name']=='default')].data.token}"|base64 --decode)`,
  reads: [],
  writes: 'TOKEN',
  parse: (out) => decodeToken('read-secret-token', out.captured ?? ''),
  check: ({ claims, kind }) => [
    equal('a legacy Secret token', 'legacy', kind),
    equal(`iss is ${LEGACY_ISSUER}`, LEGACY_ISSUER, claims.iss),
    equal('secret.name claim is default-token', 'default-token', claims['kubernetes.io/serviceaccount/secret.name']),
    equal('service-account.name claim is default', 'default', claims['kubernetes.io/serviceaccount/service-account.name']),
    equal('namespace claim is default', 'default', claims['kubernetes.io/serviceaccount/namespace']),
    equal('sub is the default ServiceAccount', 'system:serviceaccount:default:default', claims.sub),
    equal('no expiry (exp)', undefined, claims.exp),
  ],
  wait: { for: 'the token controller to write the token into default-token', timeoutMs: 30_000, intervalMs: 250 },
})
export default readSecretToken

await runIfMain(import.meta.url, readSecretToken)
