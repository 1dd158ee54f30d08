import { runIfMain } from '../src/faces/standalone.js'
import { defineStep, equal, truthy } from '../src/core/step.js'
import { parseClusterTable } from '../src/core/parse/tables.js'

export const listClusters = defineStep({
  id: 'list-clusters',
  number: '01',
  title: 'List the clusters in the kubeconfig',
  command: `kubectl config view -o jsonpath='{"Cluster name\\tServer\\n"}{range .clusters[*]}{.name}{"\\t"}{.cluster.server}{"\\n"}{end}'`,
  reads: [],
  parse: (out) => parseClusterTable('list-clusters', out.stdout),
  participantCheck: 'rerun',
  hint: 'kubectl reads the kubeconfig: check that KUBECONFIG or ~/.kube/config points at one with clusters.',
  // A merged kubeconfig may hold clusters this run never calls (an http:// one, an empty server):
  // only the cluster the run uses must be an https URL.
  check: (table, ctx) => {
    const used = table.rows.find((r) => r.name === ctx.cluster.name)
    return [
      equal('header is "Cluster name<TAB>Server"', 'Cluster name\tServer', table.header),
      equal(
        'one row per kubeconfig cluster',
        ctx.clusters.map((c) => c.name),
        table.rows.map((r) => r.name),
      ),
      truthy(
        `the run's cluster (${ctx.cluster.name}) has an https server`,
        used !== undefined && /^https:\/\/\S+$/.test(used.server),
        used?.server ?? '(not listed)',
      ),
    ]
  },
})
export default listClusters

void runIfMain(import.meta.url, listClusters)
