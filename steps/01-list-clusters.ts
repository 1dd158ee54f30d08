import { runIfMain } from '../src/standalone.js'
import { defineStep, equal, truthy } from '../src/step.js'
import { parseClusterTable } from '../src/parse/tables.js'

export const listClusters = defineStep({
  id: 'list-clusters',
  number: '01',
  title: 'List the clusters in the kubeconfig',
  command: `kubectl config view -o jsonpath='{"Cluster name\\tServer\\n"}{range .clusters[*]}{.name}{"\\t"}{.cluster.server}{"\\n"}{end}'`,
  reads: [],
  parse: (out) => parseClusterTable('list-clusters', out.stdout),
  participantCheck: 'rerun',
  hint: 'kubectl reads the kubeconfig: check that KUBECONFIG or ~/.kube/config points at one with clusters.',
  check: (table, ctx) => [
    equal('header is "Cluster name<TAB>Server"', 'Cluster name\tServer', table.header),
    equal('one row per kubeconfig cluster', ctx.clusters.map((c) => c.name), table.rows.map((r) => r.name)),
    truthy('every server is an https URL', table.rows.length > 0 && table.rows.every((r) => /^https:\/\/\S+$/.test(r.server)), table.rows.map((r) => r.server)),
  ],
})
export default listClusters

await runIfMain(import.meta.url, listClusters)
