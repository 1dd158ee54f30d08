// Workshops: a participant runs the article's lines in their own shell; kubewalk check verifies each
// step without doing it for them.
import { describe, expect, inject, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { readFile } from 'node:fs/promises'
import { steps } from '../../steps/index.js'
import { applyTokenSecret } from '../../steps/08-apply-token-secret.js'
import { kubewalk, type CliRun } from './cli.js'
import { kubectl, secretExists } from './kube.js'

const kubeconfig = inject('labKubeconfig')
const skipReason = inject('labSkipReason')
// The Secret as step 08 applies it: the heredoc's body.
const SECRET = `${(applyTokenSecret.command as string).split('\n').slice(1, -1).join('\n')}\n`

describe.skipIf(kubeconfig === '')(`kubewalk check: a participant's own shell ${skipReason}`, () => {
  const check = (id: string, env: Record<string, string> = {}) =>
    kubewalk(['check', id, '--kubeconfig', kubeconfig, '--reporter', 'plain'], { TOKEN: '', APISERVER: '', CLUSTER_NAME: '', ...env })
  /** The check failed on exactly these assertions (in order), and printed the step's hint. */
  const failedOn = (r: CliRun, step: string, assertions: RegExp[], hint: string): void => {
    expect(r.exitCode, r.stdout).toBe(1)
    const failed = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('  ✗ '))
      .map((l) => l.slice(4))
    expect(failed).toHaveLength(assertions.length)
    assertions.forEach((a, i) => expect(failed[i]).toMatch(a))
    expect(r.stdout).toMatch(new RegExp(`^✘ \\d\\d ${step} `, 'm'))
    expect(/^hint: (.*)$/m.exec(r.stderr)?.[1]).toContain(hint)
  }
  /** The check passed: every assertion it printed holds. */
  const passed = (r: CliRun, step: string): void => {
    expect(r.exitCode, r.stdout).toBe(0)
    expect(r.stdout).toMatch(new RegExp(`^✔ \\d\\d ${step} `, 'm'))
    expect(r.stdout).not.toContain('  ✗ ')
  }

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
    failedOn(
      await check('set-cluster-name', { CLUSTER_NAME: 'nope' }),
      'set-cluster-name',
      [new RegExp(`^CLUSTER_NAME names a cluster of the kubeconfig \\(expected \\["${server.name}"\\], got "nope"\\)$`)],
      'export CLUSTER_NAME="<a name from the table of step 01>"',
    )
    passed(await check('set-cluster-name', { CLUSTER_NAME: server.name }), 'set-cluster-name')
    failedOn(
      await check('apiserver-url', { CLUSTER_NAME: server.name, APISERVER: 'https://127.0.0.1:1' }),
      'apiserver-url',
      [/^APISERVER is .*https:\/\/127\.0\.0\.1:1/],
      '',
    )
    passed(await check('apiserver-url', { CLUSTER_NAME: server.name, APISERVER: server.cluster.server }), 'apiserver-url')

    const bound = (await kubectl(kubeconfig, ['create', 'token', 'default'])).stdout.trim()
    passed(await check('create-token', { TOKEN: bound }), 'create-token')
    passed(await check('call-api', { TOKEN: bound, APISERVER: server.cluster.server }), 'call-api')

    const early = await check('apply-token-secret')
    failedOn(
      early,
      'apply-token-secret',
      [
        /^Secret default-token exists$/,
        /^its type is kubernetes\.io\/service-account-token \(expected "kubernetes\.io\/service-account-token", got nothing\)$/,
        /^annotated for the default ServiceAccount \(expected "default", got nothing\)$/,
        /^the token controller filled it \(data\.token\)$/,
      ],
      'apply the Secret',
    )
    // A check that cannot pass says so within its short wait, not the replay's 30 s.
    expect(early.durationMs).toBeLessThan(20_000)
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
    failedOn(
      await check('read-secret-token', { TOKEN: bound }),
      'read-secret-token',
      [/^a legacy Secret token \(expected "legacy", got "bound"\)$/, /^from the Secret default-token \(expected "default-token", got nothing\)$/],
      'TOKEN must hold the decoded token, not the base64',
    )
    passed(await check('read-secret-token', { TOKEN: legacy }), 'read-secret-token')
    passed(await check('call-api-secret-token', { TOKEN: legacy, APISERVER: server.cluster.server }), 'call-api-secret-token')

    failedOn(
      await check('delete-token-secret'),
      'delete-token-secret',
      [/^Secret default-token is gone \(got \["default-token"\]\)$/],
      'run kubectl delete secrets default-token in the namespace where you created it.',
    )
    expect(await secretExists(kubeconfig, 'default-token')).toBe(true) // nor this one
    await kubectl(kubeconfig, ['delete', 'secrets', 'default-token'])
    passed(await check('delete-token-secret'), 'delete-token-secret')
    const revoked = await check('call-api-revoked', { TOKEN: legacy, APISERVER: server.cluster.server })
    expect(revoked.exitCode).toBe(0)
    expect(revoked.stdout).toContain('✓ code is 401')
  })
})
