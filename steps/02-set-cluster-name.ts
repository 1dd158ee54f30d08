import { runIfMain } from '../src/faces/standalone.js'
import { defineStep, equal, truthy } from '../src/core/step.js'
import { quote } from '../src/platform/shell.js'
import { CLUSTER_NAME } from './lib/vars.js'

// The article writes the name in double quotes. Inside "…" only $ ` " \ and ! are special, and this
// set has none of them, so the article's form is exact for such names; any other name goes through
// zx's quoting instead.
const articleQuote = (v: string): string => (/^[\w.:@/+-]+$/.test(v) ? `"${v}"` : quote(v))

export const setClusterName = defineStep({
  id: 'set-cluster-name',
  number: '02',
  title: 'Put the chosen cluster name in CLUSTER_NAME',
  command: ({ cluster }) => `export CLUSTER_NAME=${articleQuote(cluster.name)}`,
  reads: [],
  writes: CLUSTER_NAME,
  parse: (out) => out.captured ?? '',
  check: (name, ctx) => [equal('CLUSTER_NAME is the chosen cluster', ctx.cluster.name, name)],
  participantCheck: {
    command: 'printf %s "$CLUSTER_NAME"',
    reads: [CLUSTER_NAME],
    parse: (out) => out.stdout,
    check: (name, ctx) => [
      truthy(
        'CLUSTER_NAME names a cluster of the kubeconfig',
        ctx.clusters.some((c) => c.name === name),
        name,
        ctx.clusters.map((c) => c.name),
      ),
    ],
  },
  hint: 'export CLUSTER_NAME="<a name from the table of step 01>", with the double quotes.',
})
export default setClusterName

void runIfMain(import.meta.url, setClusterName)
