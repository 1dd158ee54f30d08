import { runIfMain } from '../../../src/faces/standalone.js'
import { defineStep, equal } from '../../../src/core/step.js'
import { NAMESPACE } from '../lib/vars.js'

export const readNamespace = defineStep({
  id: 'read-namespace',
  number: '02',
  title: "Read the current context's namespace into NAMESPACE",
  // kubectl acts in the context's namespace, and in default when the context names none.
  command: `NAMESPACE=$(kubectl config view --minify -o jsonpath='{..namespace}'); NAMESPACE=\${NAMESPACE:-default}`,
  reads: [],
  writes: NAMESPACE,
  parse: (out) => out.captured ?? '',
  check: (ns, ctx) => [equal('NAMESPACE is the namespace kubectl acts in', ctx.namespace, ns)],
  participantCheck: {
    command: 'printf %s "$NAMESPACE"',
    reads: [NAMESPACE],
    parse: (out) => out.stdout,
    check: (ns, ctx) => [equal("NAMESPACE is your context's namespace", ctx.namespace, ns)],
  },
  hint: 'run the NAMESPACE=$(kubectl config view --minify …) line; an empty result means default.',
})
export default readNamespace

void runIfMain(import.meta.url, readNamespace, 'rbac-pods')
