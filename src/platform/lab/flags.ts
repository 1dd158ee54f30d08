// Command lines of the lab's components. Every listener is on 127.0.0.1 and every one needs TLS; see each comment.
import path from 'node:path'
import { LAB_SERVICE_CIDR, type LabCerts } from './certs.js'

export const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local'

/** Loopback ports the lab's listeners use. */
export interface LabPorts {
  etcd: number
  etcdPeer: number
  apiserver: number
  controllerManager: number
}

/**
 * etcd serves clients and its (single) peer over TLS and accepts only client certificates signed by the lab's etcd
 * CA: without them any local user could read every Secret straight from etcd.
 */
export function etcdArgs(dir: string, certs: LabCerts, ports: LabPorts): string[] {
  const client = `https://127.0.0.1:${ports.etcd}`
  const peer = `https://127.0.0.1:${ports.etcdPeer}`
  return [
    '--name=lab',
    `--data-dir=${path.join(dir, 'etcd-data')}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    '--client-cert-auth',
    `--trusted-ca-file=${certs.etcdCaCert}`,
    `--cert-file=${certs.etcdServerCert}`,
    `--key-file=${certs.etcdServerKey}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=lab=${peer}`,
    '--initial-cluster-state=new',
    '--peer-client-cert-auth',
    `--peer-trusted-ca-file=${certs.etcdCaCert}`,
    `--peer-cert-file=${certs.etcdServerCert}`,
    `--peer-key-file=${certs.etcdServerKey}`,
    // A throwaway lab: durability is not worth the fsync latency.
    '--unsafe-no-fsync',
    '--log-level=warn',
  ]
}

/**
 * What changes for a lab with a node: the API server binds the node's address (a dummy link only this machine and
 * its Pods reach), serves the Service range the node routes, keeps the `kubernetes` Service's endpoints, and talks
 * to the kubelet with a client certificate.
 */
export interface ApiserverNodeFlags {
  address: string
  serviceCidr: string
  kubeletClientCert: string
  kubeletClientKey: string
}

/** kube-apiserver on 127.0.0.1 only; anonymous requests get what the default RBAC grants them (/healthz, /version). */
export function apiserverArgs(certs: LabCerts, ports: LabPorts, node?: ApiserverNodeFlags): string[] {
  const address = node?.address ?? '127.0.0.1'
  const nodeFlags = node
    ? [
        `--kubelet-client-certificate=${node.kubeletClientCert}`,
        `--kubelet-client-key=${node.kubeletClientKey}`,
        `--kubelet-certificate-authority=${certs.caCert}`,
        '--kubelet-preferred-address-types=InternalIP',
        '--enable-admission-plugins=NodeRestriction',
      ]
    : // The `kubernetes` Service's endpoints would be 127.0.0.1, which Endpoints validation rejects as loopback.
      ['--endpoint-reconciler-type=none']
  return [
    `--bind-address=${address}`,
    `--secure-port=${ports.apiserver}`,
    `--advertise-address=${address}`,
    `--etcd-servers=https://127.0.0.1:${ports.etcd}`,
    `--etcd-cafile=${certs.etcdCaCert}`,
    `--etcd-certfile=${certs.apiserverEtcdClientCert}`,
    `--etcd-keyfile=${certs.apiserverEtcdClientKey}`,
    `--client-ca-file=${certs.caCert}`,
    `--tls-cert-file=${certs.apiserverCert}`,
    `--tls-private-key-file=${certs.apiserverKey}`,
    `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
    `--service-account-key-file=${certs.serviceAccountPub}`,
    `--service-account-signing-key-file=${certs.serviceAccountKey}`,
    `--api-audiences=${SERVICE_ACCOUNT_ISSUER}`,
    '--authorization-mode=Node,RBAC',
    `--service-cluster-ip-range=${node?.serviceCidr ?? LAB_SERVICE_CIDR}`,
    ...nodeFlags,
  ]
}

/**
 * kube-controller-manager on 127.0.0.1 only. Without --authentication-kubeconfig/--authorization-kubeconfig it
 * authorizes only /healthz, /readyz and /livez; /metrics, /configz and /debug/pprof answer 403.
 */
export function controllerManagerArgs(certs: LabCerts, kubeconfig: string, ports: LabPorts): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${ports.controllerManager}`,
    // Our own serving certificate; without one it writes a self-signed pair into /var/run/kubernetes.
    `--tls-cert-file=${certs.controllerManagerServingCert}`,
    `--tls-private-key-file=${certs.controllerManagerServingKey}`,
    `--service-account-private-key-file=${certs.serviceAccountKey}`,
    `--root-ca-file=${certs.caCert}`,
    '--use-service-account-credentials=false',
    '--controllers=*',
    '--leader-elect=false',
    // Lets CertificateSigningRequests be signed, as on a kubeadm cluster.
    `--cluster-signing-cert-file=${certs.caCert}`,
    `--cluster-signing-key-file=${certs.caKey}`,
  ]
}
