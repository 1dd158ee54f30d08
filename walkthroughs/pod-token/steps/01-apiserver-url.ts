import { runIfMain } from '../../../src/faces/standalone.js'
import { defineStep, equal, truthy } from '../../../src/core/step.js'
import { APISERVER } from '../lib/vars.js'

export const apiserverUrl = defineStep({
  id: 'apiserver-url',
  number: '01',
  title: "Read the current context's API server URL into APISERVER",
  command: `APISERVER=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')`,
  reads: [],
  writes: APISERVER,
  parse: (out) => out.captured ?? '',
  check: (server, ctx) => [
    truthy('APISERVER is an https URL', /^https:\/\/\S+$/.test(server), server),
    equal("APISERVER is the context's cluster's server", ctx.cluster.server, server),
  ],
  participantCheck: 'rerun',
  hint: 'run the APISERVER=$(kubectl config view --minify …) line in this shell, with the lab context current.',
})
export default apiserverUrl

void runIfMain(import.meta.url, apiserverUrl, 'pod-token')
