import { runIfMain } from '../../../src/faces/standalone.js'
import { parseJsonObject, type Status } from '../../../src/core/parse/json.js'
import { defineStep, equal } from '../../../src/core/step.js'
import { APISERVER, POD_TOKEN } from '../lib/vars.js'

export const tokenRefused = defineStep({
  id: 'token-refused',
  number: '07',
  title: "Use the Pod's token from outside after the Pod is gone: 401",
  command: 'curl -sS "$APISERVER/api" --header "Authorization: Bearer $POD_TOKEN" --insecure',
  strictTlsCommand: 'curl -sS "$APISERVER/api" --header "Authorization: Bearer $POD_TOKEN" --cacert "$KUBEWALK_CACERT"',
  reads: [APISERVER, POD_TOKEN],
  parse: (out) => parseJsonObject('token-refused', out.stdout) as Partial<Status>,
  check: (s) => [
    equal('kind is Status', 'Status', s.kind),
    equal('code is 401', 401, s.code),
    equal('reason is Unauthorized', 'Unauthorized', s.reason),
  ],
  // The API server remembers a token it accepted for 10 s (its authentication cache).
  wait: { for: "the API server's token cache to forget the Pod's token", timeoutMs: 30_000, intervalMs: 500 },
  participantCheck: 'rerun',
  hint: 'delete the Pod first (step 06); its token dies with it.',
})
export default tokenRefused

void runIfMain(import.meta.url, tokenRefused, 'pod-token')
