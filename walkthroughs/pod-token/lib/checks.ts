// What pod-token expects of a Pod's mounted token: bound to the Pod (and, from 1.30, its node), valid for a year
// with a warning an hour in, which is when the kubelet replaces it.
import { equal, truthy, type Assertion } from '../../../src/core/step.js'
import type { TokenInfo } from '../../../src/platform/token.js'
import { account } from './vars.js'

const HOUR = 3600
const YEAR = 365 * 24 * HOUR

/** The claims that matter, in seconds since iat: what step 04 shows and checks. */
export interface MountedToken {
  info: TokenInfo
  lifetimeSeconds?: number
  warnAfterSeconds?: number
  podName?: string
  nodeName?: string
}

export function mountedToken(info: TokenInfo): MountedToken {
  const k8s = (info.claims['kubernetes.io'] ?? {}) as { pod?: { name?: string }; node?: { name?: string }; warnafter?: number }
  const iat = typeof info.claims.iat === 'number' ? info.claims.iat : undefined
  const exp = typeof info.claims.exp === 'number' ? info.claims.exp : undefined
  return {
    info,
    ...(iat !== undefined && exp !== undefined ? { lifetimeSeconds: exp - iat } : {}),
    ...(iat !== undefined && typeof k8s.warnafter === 'number' ? { warnAfterSeconds: k8s.warnafter - iat } : {}),
    ...(k8s.pod?.name !== undefined ? { podName: k8s.pod.name } : {}),
    ...(k8s.node?.name !== undefined ? { nodeName: k8s.node.name } : {}),
  }
}

export function mountedTokenChecks(t: MountedToken, namespace: string, pod: string): Assertion[] {
  const checks = [
    equal("sub is the namespace's default ServiceAccount", account(namespace), t.info.subject),
    equal('a bound token', 'bound', t.info.kind),
    equal(`bound to Pod ${pod}`, pod, t.podName),
    // --service-account-extend-token-expiration (on by default) makes the kubelet's one-hour token last a year.
    truthy(
      'exp is about a year after iat (the API server extends it)',
      t.lifetimeSeconds !== undefined && t.lifetimeSeconds >= YEAR - HOUR && t.lifetimeSeconds <= YEAR + HOUR,
      t.lifetimeSeconds,
      YEAR,
    ),
    // The kubelet asks for 3607 s; warnafter marks that hour, after which it fetches a fresh token.
    truthy(
      'kubernetes.io.warnafter is about an hour after iat',
      t.warnAfterSeconds !== undefined && t.warnAfterSeconds >= HOUR && t.warnAfterSeconds <= HOUR + 600,
      t.warnAfterSeconds,
      3607,
    ),
  ]
  // From 1.30 a Pod-bound token names the node the Pod runs on as well.
  if (t.info.tokenId !== undefined)
    checks.push(truthy('it also names the node the Pod runs on (1.30+)', typeof t.nodeName === 'string' && t.nodeName !== '', t.nodeName))
  return checks
}
