import { runIfMain } from '../src/faces/standalone.js'
import { defineStep } from '../src/core/step.js'
import { parseApiAnswer } from '../src/core/parse/json.js'
import { CURL_API, CURL_API_STRICT_TLS, apiVersionsChecks } from './lib/curl.js'
import { APISERVER, TOKEN } from './lib/vars.js'

export const callApi = defineStep({
  id: 'call-api',
  number: '05',
  title: 'Call /api with curl and the bound token',
  command: CURL_API,
  strictTlsCommand: CURL_API_STRICT_TLS,
  reads: [APISERVER, TOKEN],
  parse: (out) => parseApiAnswer('call-api', out.stdout),
  participantCheck: 'rerun',
  hint: 'export APISERVER (step 03) and TOKEN (step 04) in the same shell, then run the curl line.',
  check: (answer) => apiVersionsChecks(answer),
})
export default callApi

void runIfMain(import.meta.url, callApi)
