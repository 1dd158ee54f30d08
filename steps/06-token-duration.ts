import { runIfMain } from '../src/faces/standalone.js'
import { defineStep, equal, truthy, type Assertion } from '../src/core/step.js'
import { parseTokenRequestLog } from './lib/v8log.js'
import { decodeToken } from '../src/core/parse/jwt.js'
import { TOKEN_LIFETIME } from './lib/vars.js'

export const tokenDuration = defineStep({
  id: 'token-duration',
  number: '06',
  title: "Read the server's default token lifetime from kubectl's -v=8 log",
  command: 'kubectl create token default --v=8',
  reads: [],
  stderrLabel: 'kubectl log (stderr)',
  parse: (out) => {
    const log = parseTokenRequestLog('token-duration', out.stderr)
    // Token printed on stdout: its exp - iat is the lifetime too, for when kubectl cut the logged body.
    const claims = out.stdout.trim() === '' ? undefined : decodeToken('token-duration', out.stdout).claims
    const tokenLifetime = claims?.exp !== undefined && claims.iat !== undefined ? claims.exp - claims.iat : undefined
    return { ...log, tokenLifetime }
  },
  participantCheck: 'rerun',
  hint: 'run the line as written: the log goes to standard error, the token to standard output.',
  check: (log, ctx) => {
    const checks: Assertion[] = [
      equal(
        `POST to …/namespaces/${ctx.namespace}/serviceaccounts/default/token`,
        true,
        log.method === 'POST' && (log.url ?? '').endsWith(`/api/v1/namespaces/${ctx.namespace}/serviceaccounts/default/token`),
      ),
      equal('response status is 201 Created', '201 Created', log.status),
    ]
    if (log.expirationSeconds !== undefined || !log.body.truncated) {
      checks.push(equal('expirationSeconds in the response body', ctx.settings[TOKEN_LIFETIME.name], log.expirationSeconds))
    } else {
      // kubectl cut the body before spec (protobuf puts metadata first); say so and use the token.
      checks.push(
        equal(
          'lifetime (kubectl cut the logged body before expirationSeconds; read from the printed token)',
          ctx.settings[TOKEN_LIFETIME.name],
          log.tokenLifetime,
        ),
      )
    }
    checks.push(truthy('kubectl printed the token on stdout', log.tokenLifetime !== undefined))
    return checks
  },
})
export default tokenDuration

void runIfMain(import.meta.url, tokenDuration)
