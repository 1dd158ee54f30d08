// The node's certificates, signed by the lab's CA: the kubelet's client (system:node:<name>) and serving pair, the
// API server's kubelet client, and the client certificates of kube-proxy and kube-scheduler.
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { OPENSSL_CONFIG_HEAD, certFolder, issueCert, leafSection } from '../certs.js'

/** PEM files of the node, in `dir`. */
export interface NodeCerts {
  dir: string
  kubeletClientCert: string
  kubeletClientKey: string
  kubeletServingCert: string
  kubeletServingKey: string
  apiserverKubeletClientCert: string
  apiserverKubeletClientKey: string
  kubeProxyCert: string
  kubeProxyKey: string
  schedulerCert: string
  schedulerKey: string
}

/** The subject of each client certificate: the user (CN) and groups (O) the API server sees. */
export function nodeSubjects(nodeName: string): Record<'kubelet' | 'apiserverKubeletClient' | 'kubeProxy' | 'scheduler', string> {
  return {
    // The Node authorizer and NodeRestriction know a kubelet by exactly this user and group.
    kubelet: `/O=system:nodes/CN=system:node:${nodeName}`,
    // Allowed everything on the kubelet's API (exec, logs, port-forward) through its webhook authorizer.
    apiserverKubeletClient: '/O=system:masters/CN=kube-apiserver-kubelet-client',
    kubeProxy: '/CN=system:kube-proxy',
    scheduler: '/CN=system:kube-scheduler',
  }
}

/** The openssl extensions of the node's certificates; the kubelet serves on `nodeIp` under the name `nodeName`. */
export function nodeOpensslConfig(nodeName: string, nodeIp: string): string {
  return `${OPENSSL_CONFIG_HEAD}${leafSection('kubelet_server', 'serverAuth', `IP:${nodeIp},DNS:${nodeName}`)}${leafSection('client', 'clientAuth')}`
}

/** Issues the node's certificates into `dir` with the lab CA's certificate and key. */
export async function generateNodeCerts(dir: string, ca: { cert: string; key: string }, nodeName: string, nodeIp: string): Promise<NodeCerts> {
  const certs: NodeCerts = await certFolder(dir, {
    kubeletClient: 'kubelet-client',
    kubeletServing: 'kubelet-serving',
    apiserverKubeletClient: 'apiserver-kubelet-client',
    kubeProxy: 'kube-proxy',
    scheduler: 'kube-scheduler',
  })
  const config = path.join(dir, 'node-openssl.cnf')
  await writeFile(config, nodeOpensslConfig(nodeName, nodeIp))
  const subjects = nodeSubjects(nodeName)
  const issue = (what: string, subject: string, extensions: string, cert: string, key: string) =>
    issueCert({ config, ca, subject, extensions, cert, key, what: `node's ${what}` })
  await Promise.all([
    issue('kubelet client', subjects.kubelet, 'client', certs.kubeletClientCert, certs.kubeletClientKey),
    issue('kubelet serving', `/CN=${nodeName}`, 'kubelet_server', certs.kubeletServingCert, certs.kubeletServingKey),
    issue(
      'kube-apiserver kubelet client',
      subjects.apiserverKubeletClient,
      'client',
      certs.apiserverKubeletClientCert,
      certs.apiserverKubeletClientKey,
    ),
    issue('kube-proxy client', subjects.kubeProxy, 'client', certs.kubeProxyCert, certs.kubeProxyKey),
    issue('kube-scheduler client', subjects.scheduler, 'client', certs.schedulerCert, certs.schedulerKey),
  ])
  return certs
}
