import { runIfMain } from '../src/faces/standalone.js'
import { defineStep, equal } from '../src/core/step.js'
import { LEGACY_ISSUER } from '../src/core/parse/jwt.js'
import { inspectToken } from '../src/platform/token.js'
import { TOKEN } from './lib/vars.js'

export const readSecretToken = defineStep({
  id: 'read-secret-token',
  number: '11',
  title: "Decode the Secret's token into TOKEN",
  command: `TOKEN=$(kubectl get secrets -o jsonpath="{.items[?(@.metadata.annotations['kubernetes\\.io/service-account\\.name']=='default')].data.token}"|base64 --decode)`,
  reads: [],
  writes: TOKEN,
  parse: (out, ctx) => inspectToken(out.captured ?? '', ctx.now, 'read-secret-token'),
  check: (token, ctx) => [
    equal('a legacy Secret token', 'legacy', token.kind),
    equal(`iss is ${LEGACY_ISSUER}`, LEGACY_ISSUER, token.issuer),
    equal('secret.name claim is default-token', 'default-token', token.secretName),
    equal('service-account.name claim is default', 'default', token.serviceAccount?.name),
    equal(`namespace claim is ${ctx.namespace}`, ctx.namespace, token.namespace),
    equal("sub is the namespace's default ServiceAccount", `system:serviceaccount:${ctx.namespace}:default`, token.subject),
    equal('no expiry (exp)', undefined, token.expiresAt),
  ],
  participantCheck: {
    command: 'printf %s "$TOKEN"',
    reads: [TOKEN],
    parse: (out, ctx) => inspectToken(out.stdout, ctx.now, 'read-secret-token'),
    check: (token) => [
      equal('a legacy Secret token', 'legacy', token.kind),
      equal('from the Secret default-token', 'default-token', token.secretName),
      equal('for the default ServiceAccount', 'default', token.serviceAccount?.name),
    ],
  },
  hint: 'run the TOKEN=$(kubectl get secrets … | base64 --decode) line; TOKEN must hold the decoded token, not the base64.',
  wait: { for: 'the token controller to write the token into default-token', timeoutMs: 30_000, intervalMs: 250 },
})
export default readSecretToken

void runIfMain(import.meta.url, readSecretToken)
