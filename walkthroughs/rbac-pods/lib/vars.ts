// rbac-pods' shell variables and the two objects it creates, declared once and linked by reference.
import { defineCleanup, defineVar } from '../../../src/core/step.js'

export const APISERVER = defineVar({
  name: 'APISERVER',
  secret: false,
  describe: "the current context's API server URL (step 01)",
  holds: 'server-url',
})
export const NAMESPACE = defineVar({
  name: 'NAMESPACE',
  secret: false,
  describe: "the current context's namespace, default when it names none (step 02)",
})
export const TOKEN = defineVar({ name: 'TOKEN', secret: true, describe: "a token of the namespace's default ServiceAccount (step 03)" })

export const role = defineCleanup({ describe: 'delete Role pod-reader', command: 'kubectl delete role pod-reader --ignore-not-found' })
export const roleBinding = defineCleanup({
  describe: 'delete RoleBinding pod-reader',
  command: 'kubectl delete rolebinding pod-reader --ignore-not-found',
})

/** The ServiceAccount every step is about, as the API server names it. */
export const account = (namespace: string): string => `system:serviceaccount:${namespace}:default`
