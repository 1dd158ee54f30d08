import { runIfMain } from '../src/faces/standalone.js'
import { defineStep, equal, truthy } from '../src/core/step.js'
import { inspectToken } from '../src/platform/token.js'
import { TOKEN, TOKEN_LIFETIME } from './lib/vars.js'

export const createToken = defineStep({
  id: 'create-token',
  number: '04',
  title: 'Mint a token for the default ServiceAccount into TOKEN',
  command: 'TOKEN=$(kubectl create token default)',
  reads: [],
  writes: TOKEN,
  parse: (out, ctx) => inspectToken(out.captured ?? '', ctx.now, 'create-token'),
  check: (token, ctx) => {
    const { exp, iat } = token.claims
    return [
      equal("sub is the namespace's default ServiceAccount", `system:serviceaccount:${ctx.namespace}:default`, token.subject),
      truthy('has an audience (aud)', token.audiences.length > 0, token.audiences),
      equal('a bound token (not a legacy Secret token)', 'bound', token.kind),
      equal('not expired', false, token.expired),
      equal(
        "lifetime (exp - iat) is the server's default",
        ctx.settings[TOKEN_LIFETIME.name],
        exp !== undefined && iat !== undefined ? exp - iat : undefined,
      ),
    ]
  },
  participantCheck: {
    command: 'printf %s "$TOKEN"',
    reads: [TOKEN],
    parse: (out, ctx) => inspectToken(out.stdout, ctx.now, 'create-token'),
    check: (token, ctx) => [
      equal('a bound token (from kubectl create token)', 'bound', token.kind),
      equal("for the namespace's default ServiceAccount", `system:serviceaccount:${ctx.namespace}:default`, token.subject),
      equal('not expired', false, token.expired),
    ],
  },
  hint: 'run TOKEN=$(kubectl create token default) in this shell; a token lives one hour.',
})
export default createToken

void runIfMain(import.meta.url, createToken)
