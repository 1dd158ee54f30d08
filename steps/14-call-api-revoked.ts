import { runIfMain } from '../src/faces/standalone.js'
import { defineStep } from '../src/core/step.js'
import { parseApiAnswer } from '../src/core/parse/json.js'
import { CURL_API, CURL_API_STRICT_TLS, unauthorizedChecks } from './lib/curl.js'
import { APISERVER, TOKEN } from './lib/vars.js'

export const callApiRevoked = defineStep({
  id: 'call-api-revoked',
  number: '14',
  title: 'Call /api again: the deleted token is refused',
  command: CURL_API,
  strictTlsCommand: CURL_API_STRICT_TLS,
  reads: [APISERVER, TOKEN],
  parse: (out) => parseApiAnswer('call-api-revoked', out.stdout),
  participantCheck: 'rerun',
  hint: 'delete the Secret (step 13); the API server may accept the old token for up to 10 s more.',
  check: (answer) => unauthorizedChecks(answer),
  // kube-apiserver caches a successful token check for 10 s, so the 401 can lag the deletion.
  wait: { for: 'the API server to refuse the deleted token (its token cache holds a success for 10 s)', timeoutMs: 30_000, intervalMs: 250 },
})
export default callApiRevoked

void runIfMain(import.meta.url, callApiRevoked)
