import { runIfMain } from '../src/standalone.js'
import { defineStep, equal, truthy } from '../src/step.js'
import type { ClusterRow } from '../src/parse/tables.js'

export const apiserverUrl = defineStep({
  id: 'apiserver-url',
  number: '03',
  title: "Read that cluster's API server URL into APISERVER",
  command: `APISERVER=$(kubectl config view -o jsonpath="{.clusters[?(@.name==\\"$CLUSTER_NAME\\")].cluster.server}")`,
  reads: ['CLUSTER_NAME'],
  writes: 'APISERVER',
  parse: (out) => out.captured ?? '',
  check: (server, ctx) => {
    const table = ctx.values.get('list-clusters') as { rows: ClusterRow[] } | undefined
    const row = table?.rows.find((r) => r.name === ctx.vars.CLUSTER_NAME)
    return [
      truthy('APISERVER is an https URL', /^https:\/\/\S+$/.test(server), server),
      equal('APISERVER is the server of CLUSTER_NAME', row?.server ?? ctx.cluster.server, server),
    ]
  },
})
export default apiserverUrl

await runIfMain(import.meta.url, apiserverUrl)
