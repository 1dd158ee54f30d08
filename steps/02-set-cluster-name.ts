import { runIfMain } from '../src/standalone.js'
import { defineStep, equal } from '../src/step.js'
import { quote } from '../src/shell.js'

// The article writes the name in double quotes; names outside this set go through zx's quoting instead.
const articleQuote = (v: string): string => (/^[\w.:@/+-]+$/.test(v) ? `"${v}"` : quote(v))

export const setClusterName = defineStep({
  id: 'set-cluster-name',
  number: '02',
  title: 'Put the chosen cluster name in CLUSTER_NAME',
  command: ({ cluster }) => `export CLUSTER_NAME=${articleQuote(cluster.name)}`,
  reads: [],
  writes: 'CLUSTER_NAME',
  parse: (out) => out.captured ?? '',
  check: (name, ctx) => [equal('CLUSTER_NAME is the chosen cluster', ctx.cluster.name, name)],
})
export default setClusterName

await runIfMain(import.meta.url, setClusterName)
