// The article's shell variables, its one cleanup and its one setting: declared once, linked by reference.
import { defineCleanup, defineVar } from '../../src/core/step.js'

export const CLUSTER_NAME = defineVar({ name: 'CLUSTER_NAME', secret: false, describe: 'the chosen cluster, as the kubeconfig names it (step 02)' })
export const APISERVER = defineVar({ name: 'APISERVER', secret: false, describe: "that cluster's API server URL (step 03)", holds: 'server-url' })
export const TOKEN = defineVar({ name: 'TOKEN', secret: true, describe: 'the bearer token curl sends (steps 04 and 11)' })

/** Step 08 creates it, step 13 deletes it; the runner deletes it if the run ends in between. */
export const tokenSecret = defineCleanup({
  describe: 'delete Secret default-token',
  command: 'kubectl delete secret default-token --ignore-not-found',
})

export const TOKEN_LIFETIME = {
  name: 'token-lifetime',
  describe: 'the lifetime the server gives a token without --duration, in seconds',
  default: 3600,
} as const
