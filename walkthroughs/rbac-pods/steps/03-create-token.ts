import { runIfMain } from '../../../src/faces/standalone.js'
import { defineStep, equal } from '../../../src/core/step.js'
import { inspectToken } from '../../../src/platform/token.js'
import { TOKEN, account } from '../lib/vars.js'

export const createToken = defineStep({
  id: 'create-token',
  number: '03',
  title: 'Mint a token for the default ServiceAccount into TOKEN',
  command: 'TOKEN=$(kubectl create token default)',
  reads: [],
  writes: TOKEN,
  parse: (out, ctx) => inspectToken(out.captured ?? '', ctx.now, 'create-token'),
  check: (token, ctx) => [
    equal("sub is the namespace's default ServiceAccount", account(ctx.namespace), token.subject),
    equal('a bound token', 'bound', token.kind),
    equal('not expired', false, token.expired),
  ],
  participantCheck: {
    command: 'printf %s "$TOKEN"',
    reads: [TOKEN],
    parse: (out, ctx) => inspectToken(out.stdout, ctx.now, 'create-token'),
    check: (token, ctx) => [
      equal("for your namespace's default ServiceAccount", account(ctx.namespace), token.subject),
      equal('not expired', false, token.expired),
    ],
  },
  hint: 'run TOKEN=$(kubectl create token default) in this shell; a token lives one hour.',
})
export default createToken

void runIfMain(import.meta.url, createToken, 'rbac-pods')
