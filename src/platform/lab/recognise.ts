// Whether a kubeconfig's cluster is a kubewalk lab (started by `kubewalk lab up`, or a test): its CA is the
// one the lab made. A run against it then knows what the lab lacks (a cloud's LoadBalancer, internet from Pods).
import { X509Certificate } from 'node:crypto'
import { clusterCaPem, type Target } from '../kubeconfig.js'
import { LAB_CA_NAME } from './certs.js'

/** True when the target's cluster CA is a kubewalk lab's. */
export async function isKubewalkLab(target: Target, env: Record<string, string | undefined> = process.env): Promise<boolean> {
  const pem = await clusterCaPem(target, env).catch(() => undefined)
  if (pem === undefined || pem === '') return false
  try {
    return new X509Certificate(pem).subject.split('\n').includes(`CN=${LAB_CA_NAME}`)
  } catch {
    return false
  }
}
