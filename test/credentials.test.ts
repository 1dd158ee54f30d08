// Credential and proxy failures are named as such, with the fix, not as an unreachable API server.
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { credentialProblem } from '../src/platform/kubeconfig.js'

const dir = new URL('./fixtures/credentials/', import.meta.url)
// Every capture: NAME.VERSION.stderr, from capture.sh with the lab's kubectl builds.
const captures = readdirSync(dir)
  .filter((f) => f.endsWith('.stderr'))
  .map((f) => [f, readFileSync(new URL(f, dir), 'utf8')] as const)
const cluster = { name: 'c' }
const proxied = { name: 'c', proxyUrl: 'http://127.0.0.1:40001' }

const EXPECTED: Record<string, [typeof cluster, RegExp]> = {
  'plugin-missing': [
    cluster,
    /^the kubeconfig's user logs in with the credential plugin kubectl-does-not-exist, which is not installed \(not on PATH\); install it/,
  ],
  'plugin-expired': [
    cluster,
    /^the kubeconfig's credential plugin expired-login failed \(exit code 1\): error: the refresh token has expired; run 'mycloud auth login' to log in again; your login has expired or is missing: log in again/,
  ],
  'plugin-wants-terminal': [
    cluster,
    /^the kubeconfig's credential plugin wants to ask you to log in \(interactiveMode\), and kubewalk's standard input is not a terminal; run kubewalk from a terminal/,
  ],
  'proxy-closed': [
    proxied,
    /^kubectl reaches cluster c through the kubeconfig's proxy-url http:\/\/127\.0\.0\.1:40001, and got no answer \(The connection to the server 127\.0\.0\.1:1 was refused - did you specify the right host or port\?\); start that proxy or tunnel/,
  ],
  'oidc-no-token': [
    cluster,
    /^the kubeconfig's user logs in with the oidc auth-provider and holds neither a valid id-token nor a refresh-token, so kubectl sent the server nothing; log in again/,
  ],
  // 1.37.2 says the provider was removed and what to use; the 1.28.3 build only that it has none.
  'gcp-removed.v1.37.2': [
    cluster,
    /^the kubeconfig's user logs in with the gcp auth-provider, which this kubectl no longer has; use the "gke-gcloud-auth-plugin" kubectl\/client-go credential plugin \(users\[\]\.user\.exec in the kubeconfig\), then rerun$/,
  ],
  'azure-removed.v1.37.2': [
    cluster,
    /^the kubeconfig's user logs in with the azure auth-provider, which this kubectl no longer has; use the https:\/\/github\.com\/Azure\/kubelogin kubectl\/client-go credential plugin \(users\[\]\.user\.exec in the kubeconfig\), then rerun$/,
  ],
  'azure-removed.v1.28.3': [
    cluster,
    /^the kubeconfig's user logs in with the azure auth-provider, which this kubectl does not have; use that provider's client-go credential plugin/,
  ],
  'gcp-removed.v1.28.3': [
    cluster,
    /^the kubeconfig's user logs in with the gcp auth-provider, which this kubectl does not have; use that provider's client-go credential plugin \(users\[\]\.user\.exec in the kubeconfig\), then rerun$/,
  ],
}

describe('credentialProblem', () => {
  it('has captures from both kubectl versions the fixtures name', () => {
    const versions = new Set(captures.map(([f]) => f.split('.').slice(1, -1).join('.')))
    expect([...versions].sort()).toEqual(['v1.28.3', 'v1.37.2'])
  })

  it.each(captures)('names %s', (file, stderr) => {
    const [c, expected] = EXPECTED[file.replace(/\.stderr$/, '')] ?? EXPECTED[file.split('.')[0] as string] ?? []
    expect(c, `no expectation for ${file}`).toBeDefined()
    expect(credentialProblem(stderr, c as typeof cluster)).toMatch(expected as RegExp)
  })

  it('leaves an unreachable server without a proxy to the caller (it is not a credential problem)', () => {
    const refused = captures.find(([f]) => f.startsWith('proxy-closed'))?.[1] ?? ''
    expect(credentialProblem(refused, cluster)).toBeUndefined()
    expect(credentialProblem('error: You must be logged in to the server (Unauthorized)\n', cluster)).toBeUndefined()
  })
})
