// Workshops: a participant runs the article's lines in their own shell; kubewalk check verifies each
// step without doing it for them.
import { describe, expect, inject, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { readFile } from 'node:fs/promises'
import { steps } from '../../steps/index.js'
import { applyTokenSecret } from '../../steps/08-apply-token-secret.js'
import { kubewalk } from './cli.js'
import { kubectl, secretExists } from './kube.js'

const kubeconfig = inject('labKubeconfig')
const skipReason = inject('labSkipReason')
// The Secret as step 08 applies it: the heredoc's body.
const SECRET = `${(applyTokenSecret.command as string).split('\n').slice(1, -1).join('\n')}\n`

describe.skipIf(kubeconfig === '')(`kubewalk check: a participant's own shell ${skipReason}`, () => {
  const check = (id: string, env: Record<string, string> = {}) => kubewalk(['check', id, '--kubeconfig', kubeconfig], { TOKEN: '', APISERVER: '', CLUSTER_NAME: '', ...env })

  it('--solution prints the article line, without a cluster', async () => {
    const r = await kubewalk(['check', 'apply-token-secret', '--solution'], { KUBECONFIG: '/nonexistent' })
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toBe(steps.find((s) => s.id === 'apply-token-secret')!.command)
  })

  it('walks the article the way a participant does', async () => {
    const missing = await check('create-token')
    expect(missing.exitCode).toBe(2)
    expect(missing.stdout).toContain('needs $TOKEN')
    expect(missing.stderr).toContain('hint: run TOKEN=$(kubectl create token default) in this shell')

    const server = (parseYaml(await readFile(kubeconfig, 'utf8')) as { clusters: { name: string; cluster: { server: string } }[] }).clusters[0]!
    expect((await check('set-cluster-name', { CLUSTER_NAME: 'nope' })).exitCode).toBe(1)
    expect((await check('set-cluster-name', { CLUSTER_NAME: server.name })).exitCode).toBe(0)
    expect((await check('apiserver-url', { CLUSTER_NAME: server.name, APISERVER: server.cluster.server })).exitCode).toBe(0)

    const bound = (await kubectl(kubeconfig, ['create', 'token', 'default'])).stdout.trim()
    expect((await check('create-token', { TOKEN: bound })).exitCode).toBe(0)
    expect((await check('call-api', { TOKEN: bound, APISERVER: server.cluster.server })).exitCode).toBe(0)

    const early = await check('apply-token-secret')
    expect(early.exitCode).toBe(1)
    // A check that cannot pass says so within its short wait, not the replay's 30 s.
    expect(early.durationMs).toBeLessThan(20_000)
    expect(early.stdout).toContain('✗ Secret default-token exists')
    expect(early.stderr).toContain('hint: apply the Secret')
    expect(await secretExists(kubeconfig, 'default-token')).toBe(false) // the check did not do it for them

    expect((await kubectl(kubeconfig, ['apply', '-f', '-'], SECRET)).exitCode).toBe(0)
    // Right after the apply: the check waits (bounded) for the token controller, as the step would.
    const applied = await check('apply-token-secret')
    expect(applied.exitCode).toBe(0)
    expect(applied.stdout).toMatch(/^kubewalk checking your work on \S+ \(/m)
    expect(applied.stdout).toMatch(/^▶ 08 apply-token-secret/m)
    expect(applied.stdout).toMatch(/^✔ 08 apply-token-secret/m)

    const jsonpath = "{.items[?(@.metadata.annotations['kubernetes\\.io/service-account\\.name']=='default')].data.token}"
    const legacy = Buffer.from((await kubectl(kubeconfig, ['get', 'secrets', '-o', `jsonpath=${jsonpath}`])).stdout, 'base64').toString()
    expect((await check('read-secret-token', { TOKEN: bound })).exitCode).toBe(1)
    expect((await check('read-secret-token', { TOKEN: legacy })).exitCode).toBe(0)
    expect((await check('call-api-secret-token', { TOKEN: legacy, APISERVER: server.cluster.server })).exitCode).toBe(0)

    expect((await check('delete-token-secret')).exitCode).toBe(1)
    expect(await secretExists(kubeconfig, 'default-token')).toBe(true) // nor this one
    await kubectl(kubeconfig, ['delete', 'secrets', 'default-token'])
    expect((await check('delete-token-secret')).exitCode).toBe(0)
    const revoked = await check('call-api-revoked', { TOKEN: legacy, APISERVER: server.cluster.server })
    expect(revoked.exitCode).toBe(0)
    expect(revoked.stdout).toContain('✓ code is 401')
  })
})
