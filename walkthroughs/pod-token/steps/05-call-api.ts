import { runIfMain } from '../../../src/faces/standalone.js'
import { parseJsonObject } from '../../../src/core/parse/json.js'
import { defineStep, equal, truthy } from '../../../src/core/step.js'
import { SA_DIR } from '../lib/vars.js'

export interface ApiVersions {
  kind?: string
  versions?: string[]
}

export const callApi = defineStep({
  id: 'call-api',
  number: '05',
  title: 'Call https://kubernetes.default.svc/api from inside the Pod, with its token and CA',
  command: `kubectl exec token-demo -- sh -c 'curl -sS --cacert ${SA_DIR}/ca.crt --header "Authorization: Bearer $(cat ${SA_DIR}/token)" https://kubernetes.default.svc/api'`,
  reads: [],
  parse: (out) => parseJsonObject('call-api', out.stdout) as ApiVersions,
  check: (answer) => [
    equal('kind is APIVersions', 'APIVersions', answer.kind),
    truthy('versions include v1', (answer.versions ?? []).includes('v1'), answer.versions),
  ],
  participantCheck: 'rerun',
  hint: 'the name resolves through the cluster DNS and the Service through kube-proxy: both run on a lab started with --node.',
})
export default callApi

void runIfMain(import.meta.url, callApi, 'pod-token')
