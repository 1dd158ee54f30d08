import { runIfMain } from '../../../src/faces/standalone.js'
import { defineStep, equal, truthy } from '../../../src/core/step.js'
import { TOOLS_IMAGE, noToken } from '../lib/vars.js'

export const runNoToken = defineStep({
  id: 'run-no-token',
  number: '08',
  title: 'Run a Pod with automountServiceAccountToken: false',
  command: `kubectl run no-token --image=${TOOLS_IMAGE} --restart=Never --overrides='{"apiVersion":"v1","spec":{"automountServiceAccountToken":false}}' --command -- sleep 3600`,
  reads: [],
  parse: (out) => out.stdout.trim(),
  check: (line) => [equal('kubectl created it', 'pod/no-token created', line)],
  guard: {
    command: 'kubectl get pod no-token --ignore-not-found -o name',
    refuse: (out, ctx) =>
      out.stdout.trim() !== ''
        ? `a Pod no-token already exists in namespace ${ctx.namespace} and is not this run's; kubewalk leaves it as it is`
        : undefined,
  },
  creates: { cleanup: noToken, createdIf: (out) => /pod\/no-token created/.test(out.stdout) },
  participantCheck: {
    command: 'kubectl get pod no-token --ignore-not-found -o name',
    reads: [],
    parse: (out) => out.stdout.split('\n').filter((l) => l !== ''),
    check: (names) => [truthy('Pod no-token exists', names.includes('pod/no-token'), names)],
  },
  hint: 'kubectl run no-token … with the --overrides line above.',
})
export default runNoToken

void runIfMain(import.meta.url, runNoToken, 'pod-token')
