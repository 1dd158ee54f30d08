import { runIfMain } from '../../../src/faces/standalone.js'
import { defineStep, equal, truthy } from '../../../src/core/step.js'
import { TOOLS_IMAGE, tokenDemo } from '../lib/vars.js'

export const runPod = defineStep({
  id: 'run-pod',
  number: '02',
  title: 'Run a Pod as the default ServiceAccount',
  command: `kubectl run token-demo --image=${TOOLS_IMAGE} --restart=Never --command -- sleep 3600`,
  reads: [],
  parse: (out) => out.stdout.trim(),
  check: (line) => [equal('kubectl created it', 'pod/token-demo created', line)],
  guard: {
    command: 'kubectl get pod token-demo --ignore-not-found -o name',
    refuse: (out, ctx) =>
      out.stdout.trim() !== ''
        ? `a Pod token-demo already exists in namespace ${ctx.namespace} and is not this run's; kubewalk leaves it as it is`
        : undefined,
  },
  creates: { cleanup: tokenDemo, createdIf: (out) => /pod\/token-demo created/.test(out.stdout) },
  participantCheck: {
    command: 'kubectl get pod token-demo --ignore-not-found -o name',
    reads: [],
    parse: (out) => out.stdout.split('\n').filter((l) => l !== ''),
    check: (names) => [truthy('Pod token-demo exists', names.includes('pod/token-demo'), names)],
  },
  hint: `kubectl run token-demo --image=${TOOLS_IMAGE} --restart=Never --command -- sleep 3600 (the image is the lab's: a node started with kubewalk lab up --node has it).`,
})
export default runPod

void runIfMain(import.meta.url, runPod, 'pod-token')
