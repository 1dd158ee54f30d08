// Whether a kubeconfig's cluster is a kubewalk lab (started by `kubewalk lab up`, or a test): its CA is the
// one the lab made. A run against it then knows what the lab lacks (a cloud's LoadBalancer, internet from Pods).
import { X509Certificate } from 'node:crypto'
import { clusterCaPem, type Target } from '../kubeconfig.js'

/** The common name of the lab's cluster CA: how a kubeconfig is recognised as a kubewalk lab's. Kept here, not in
 * certs.ts, so a run that only recognises a lab does not load what makes one (execa, openssl). */
export const LAB_CA_NAME = 'kubewalk-lab-ca'

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
