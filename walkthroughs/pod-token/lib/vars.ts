// pod-token's shell variables and the Pods it creates, declared once and linked by reference.
import { defineCleanup, defineVar } from '../../../src/core/step.js'

export const APISERVER = defineVar({
  name: 'APISERVER',
  secret: false,
  describe: "the current context's API server URL (step 01)",
  holds: 'server-url',
})
export const POD_TOKEN = defineVar({
  name: 'POD_TOKEN',
  secret: true,
  describe: 'the token mounted in Pod token-demo (step 04)',
  fromEnvironment: false,
})

export const tokenDemo = defineCleanup({ describe: 'delete Pod token-demo', command: 'kubectl delete pod token-demo --ignore-not-found --now' })
export const noToken = defineCleanup({ describe: 'delete Pod no-token', command: 'kubectl delete pod no-token --ignore-not-found --now' })

/** The image every Pod of this walkthrough runs: the lab's tools image (a shell, curl, kubectl), already on the node. */
export const TOOLS_IMAGE = 'kubewalk.local/tools:1'

/** Where the kubelet mounts a Pod's ServiceAccount token, CA and namespace. */
export const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount'

/** The ServiceAccount every step is about, as the API server names it. */
export const account = (namespace: string): string => `system:serviceaccount:${namespace}:default`
