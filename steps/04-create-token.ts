import { runIfMain } from '../src/standalone.js'
import { defineStep, equal, truthy } from '../src/step.js'
import { decodeToken } from '../src/parse/jwt.js'

export const createToken = defineStep({
  id: 'create-token',
  number: '04',
  title: 'Mint a token for the default ServiceAccount into TOKEN',
  command: 'TOKEN=$(kubectl create token default)',
  reads: [],
  writes: 'TOKEN',
  parse: (out) => decodeToken('create-token', out.captured ?? ''),
  check: ({ claims, kind }, ctx) => {
    const aud = claims.aud === undefined ? [] : [claims.aud].flat()
    const lifetime = claims.exp !== undefined && claims.iat !== undefined ? claims.exp - claims.iat : undefined
    return [
      equal('sub is the default ServiceAccount', 'system:serviceaccount:default:default', claims.sub),
      truthy('has an audience (aud)', aud.length > 0, aud),
      equal('a bound token (not a legacy Secret token)', 'bound', kind),
      equal("lifetime (exp - iat) is the server's default", ctx.expectedTokenLifetimeSeconds, lifetime),
    ]
  },
})
export default createToken

await runIfMain(import.meta.url, createToken)
