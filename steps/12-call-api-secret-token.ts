import { runIfMain } from '../src/faces/standalone.js'
import { defineStep } from '../src/core/step.js'
import { parseApiAnswer } from '../src/core/parse/json.js'
import { CURL_API, CURL_API_STRICT_TLS, apiVersionsChecks } from './lib/curl.js'
import { APISERVER, TOKEN } from './lib/vars.js'

export const callApiSecretToken = defineStep({
  id: 'call-api-secret-token',
  number: '12',
  title: "Call /api with the Secret's token",
  command: CURL_API,
  strictTlsCommand: CURL_API_STRICT_TLS,
  reads: [APISERVER, TOKEN],
  parse: (out) => parseApiAnswer('call-api-secret-token', out.stdout),
  participantCheck: 'rerun',
  hint: "put the Secret's token into TOKEN first (step 11), then run the curl line.",
  check: (answer) => apiVersionsChecks(answer),
})
export default callApiSecretToken

void runIfMain(import.meta.url, callApiSecretToken)
