// kubewalk token against the real lab: bound and legacy tokens verify with the lab's key; a changed one does not.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Verification } from '../../src/platform/token.js'
import { kubewalk } from './cli.js'
import { kubectl, TOKEN_SHAPED } from './kube.js'

const kubeconfig = inject('labKubeconfig')
const skipReason = inject('labSkipReason')
const SECRET = 'kubewalk-token-test'

interface TokenJson {
  kind: string
  claims: Record<string, unknown>
  expired: boolean
  remainingSeconds: number | null
  verification: Verification
}

async function mint(): Promise<string> {
  const r = await kubectl(kubeconfig, ['create', 'token', 'default'])
  if (r.exitCode !== 0) throw new Error(`kubectl create token failed: ${r.stderr}`)
  return r.stdout.trim()
}

describe.skipIf(kubeconfig === '')(`kubewalk token against the lab ${skipReason}`, () => {
  let kid: string
  beforeAll(async () => {
    const r = await kubectl(kubeconfig, ['get', '--raw', '/openid/v1/jwks'])
    const keys = (JSON.parse(r.stdout) as { keys: { kid: string }[] }).keys
    expect(keys).toHaveLength(1)
    kid = keys[0]?.kid ?? ''
  })

  it('verifies a bound token from kubectl create token with the lab key (--json)', async () => {
    const token = await mint()
    const r = await kubewalk(['token', '--kubeconfig', kubeconfig, '--json'], { TOKEN: token })
    expect(r.stderr).toBe('')
    expect(r.exitCode).toBe(0)
    const doc = JSON.parse(r.stdout) as TokenJson
    expect(doc).toMatchObject({ kind: 'bound', expired: false, verification: { checked: true, ok: true, keyId: kid } })
    expect(doc.claims.jti).toEqual(expect.any(String))
    expect(doc.remainingSeconds).toBeGreaterThan(3500)
    expect(doc.remainingSeconds).toBeLessThanOrEqual(3600)
    expect(r.stdout).not.toMatch(TOKEN_SHAPED)
    process.stderr.write(`[e2e] kubewalk token --json (bound): ${r.durationMs} ms\n`)
  })

  it('prints a human report with --token, the token masked', async () => {
    const token = await mint()
    const r = await kubewalk(['token', '--token', token, '--kubeconfig', kubeconfig])
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(/^bound token \(minted by TokenRequest\)\n/)
    expect(r.stdout).toContain('service account  default (uid ')
    expect(r.stdout).toMatch(/expires at +\S+ \S+ [+-]\d\d:\d\d \(expires in (1 h|59 min( \d+ s)?)\)/)
    expect(r.stdout).toContain(`verification     signature valid (key ${kid})`)
    expect(r.stdout).toContain(`[masked token]`)
    expect(r.stdout).not.toMatch(TOKEN_SHAPED)
    process.stderr.write(`[e2e] kubewalk token (bound, human): ${r.durationMs} ms\n`)
  })

  describe('a legacy token from a service-account-token Secret', () => {
    let token = ''
    beforeAll(async () => {
      const manifest = `apiVersion: v1
kind: Secret
metadata:
  name: ${SECRET}
  annotations:
    kubernetes.io/service-account.name: default
type: kubernetes.io/service-account-token
`
      const applied = await kubectl(kubeconfig, ['apply', '-f', '-'], manifest)
      expect(applied.exitCode, applied.stderr).toBe(0)
      // The token controller fills data.token shortly after; wait for it, bounded.
      const deadline = Date.now() + 30_000
      while (token === '' && Date.now() < deadline) {
        const r = await kubectl(kubeconfig, ['get', 'secret', SECRET, '-o', 'jsonpath={.data.token}'])
        token = Buffer.from(r.stdout.trim(), 'base64').toString('utf8')
        if (token === '') await new Promise((resolve) => setTimeout(resolve, 200))
      }
      expect(token, `data.token of Secret ${SECRET} still empty after 30 s`).not.toBe('')
    })
    afterAll(async () => {
      await kubectl(kubeconfig, ['delete', 'secret', SECRET, '--ignore-not-found'])
    })

    it('verifies with the same lab key and never expires', async () => {
      const r = await kubewalk(['token', '--kubeconfig', kubeconfig, '--json'], { TOKEN: token })
      expect(r.stderr).toBe('')
      expect(r.exitCode).toBe(0)
      const doc = JSON.parse(r.stdout) as TokenJson
      expect(doc).toMatchObject({ kind: 'legacy', expired: false, remainingSeconds: null, verification: { checked: true, ok: true, keyId: kid } })
      expect(doc.claims).toMatchObject({
        iss: 'kubernetes/serviceaccount',
        'kubernetes.io/serviceaccount/secret.name': SECRET,
        'kubernetes.io/serviceaccount/service-account.name': 'default',
      })
      expect(r.stdout).not.toMatch(TOKEN_SHAPED)
    })

    it('says so in the human report', async () => {
      const r = await kubewalk(['token', '--kubeconfig', kubeconfig], { TOKEN: token })
      expect(r.exitCode).toBe(0)
      expect(r.stdout).toMatch(/^legacy token \(from a kubernetes.io\/service-account-token Secret\)\n/)
      expect(r.stdout).toContain(`secret           ${SECRET}\n`)
      expect(r.stdout).toContain('expires          never expires\n')
      expect(r.stdout).toContain(`verification     signature valid (key ${kid})`)
      expect(r.stdout).not.toMatch(TOKEN_SHAPED)
    })
  })

  it('refuses a token whose claims were changed after signing: exit 1', async () => {
    const [header, payload, signature] = (await mint()).split('.')
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'system:serviceaccount:kube-system:admin' })).toString('base64url')
    const r = await kubewalk(['token', '--kubeconfig', kubeconfig, '--json'], { TOKEN: `${header}.${forged}.${signature}` })
    expect(r.exitCode).toBe(1)
    const doc = JSON.parse(r.stdout) as TokenJson
    expect(doc.verification).toMatchObject({ checked: true, ok: false, reason: 'bad-signature' })
    expect(r.stdout).not.toMatch(TOKEN_SHAPED)
  })

  it('a context the kubeconfig does not have is a usage error: exit 2', async () => {
    const r = await kubewalk(['token', '--kubeconfig', kubeconfig, '--context', 'nope'], { TOKEN: await mint() })
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toMatch(/--context nope: no such context/)
  })
})
