// The kubeconfig files the lab writes: one cluster, one user with a client certificate, one context.
import { stringify } from 'yaml'

/** A kubeconfig whose cluster and context are `name`, for `user` authenticated by the given certificate and key. */
export function kubeconfigText(name: string, user: string, server: string, caPem: Buffer, certPem: Buffer, keyPem: Buffer): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'certificate-authority-data': caPem.toString('base64') } }],
    users: [{ name: user, user: { 'client-certificate-data': certPem.toString('base64'), 'client-key-data': keyPem.toString('base64') } }],
    contexts: [{ name, context: { cluster: name, user } }],
    'current-context': name,
    preferences: {},
  })
}
