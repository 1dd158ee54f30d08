import { runIfMain } from '../src/standalone.js'
import { defineStep } from '../src/step.js'
import { parseApiAnswer } from '../src/parse/json.js'
import { CURL_API, apiVersionsChecks } from '../src/checks.js'

export const callApi = defineStep({
  id: 'call-api',
  number: '05',
  title: 'Call /api with curl and the bound token',
  command: CURL_API,
  reads: ['APISERVER', 'TOKEN'],
  parse: (out) => parseApiAnswer('call-api', out.stdout),
  check: (answer) => apiVersionsChecks(answer),
})
export default callApi

await runIfMain(import.meta.url, callApi)
