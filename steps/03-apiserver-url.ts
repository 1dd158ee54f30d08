import { runIfMain } from '../src/faces/standalone.js'
import { defineStep, equal, truthy, valueOf } from '../src/core/step.js'
import { listClusters } from './01-list-clusters.js'
import { APISERVER, CLUSTER_NAME } from './lib/vars.js'

export const apiserverUrl = defineStep({
  id: 'apiserver-url',
  number: '03',
  title: "Read that cluster's API server URL into APISERVER",
  command: `APISERVER=$(kubectl config view -o jsonpath="{.clusters[?(@.name==\\"$CLUSTER_NAME\\")].cluster.server}")`,
  reads: [CLUSTER_NAME],
  writes: APISERVER,
  parse: (out) => out.captured ?? '',
  check: (server, ctx) => {
    const row = valueOf(ctx, listClusters)?.rows.find((r) => r.name === ctx.vars[CLUSTER_NAME.name])
    return [
      truthy('APISERVER is an https URL', /^https:\/\/\S+$/.test(server), server),
      // Without step 01's table (run from here on), what is known is the target cluster's server.
      row !== undefined
        ? equal("APISERVER is CLUSTER_NAME's server in step 01's table", row.server, server)
        : equal("APISERVER is the target cluster's server in the kubeconfig", ctx.cluster.server, server),
    ]
  },
  participantCheck: {
    command: 'printf %s "$APISERVER"',
    reads: [APISERVER, CLUSTER_NAME],
    parse: (out) => out.stdout,
    check: (server, ctx) => [
      equal(
        'APISERVER is the server of CLUSTER_NAME in the kubeconfig',
        ctx.clusters.find((c) => c.name === ctx.vars[CLUSTER_NAME.name])?.server,
        server,
      ),
    ],
  },
  hint: 'run the APISERVER=$(kubectl config view …) line in the shell where CLUSTER_NAME is exported.',
})
export default apiserverUrl

void runIfMain(import.meta.url, apiserverUrl)
