import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { awaitObjects, checkReadyNode, checkServerVersion, checkTools } from '../../../src/faces/replay/requirements.js'
import { walkthroughProblems, type Walkthrough } from '../../../src/core/walkthrough.js'
import { testDir } from '../../temp-dir.js'
import { answering, httpsStandIn } from '../../https-stand-in.js'

describe("a walkthrough's requirements", () => {
  it.each([
    ['v1.23.17', '1.24', true],
    ['v1.24.0', '1.24', false],
    ['v1.37.2', '1.24', false],
    ['v1.9.0', '1.10', true],
    ['v2.0.0', '1.99', false],
    ['v1.30.1-gke.1', '1.31', true],
  ])('server %s against a minimum of %s: refused %s', (server, min, refused) => {
    const check = (): void => checkServerVersion({ kubernetes: min }, server, 'prod', 'demo')
    if (refused) expect(check).toThrow(`prod runs Kubernetes ${server}; walkthrough demo needs ${min} or newer.`)
    else expect(check).not.toThrow()
  })
  it('declares no minimum: any server', () => expect(() => checkServerVersion(undefined, 'v1.2.0', 'old', 'demo')).not.toThrow())
  it('names the first declared tool that is missing from PATH, and nothing when none is declared', async () => {
    const dir = await testDir('kubewalk-tools-')
    await writeFile(join(dir, 'curl'), '#!/bin/sh\n', { mode: 0o755 })
    const env = { PATH: dir }
    await expect(checkTools({ id: 'demo', requires: { tools: ['curl'] } }, env)).resolves.toBeUndefined()
    await expect(checkTools({ id: 'demo', requires: { tools: ['curl', 'jq'] } }, env)).rejects.toThrow(
      "jq is not on PATH; install jq (walkthrough demo's lines call it).",
    )
    await expect(checkTools({ id: 'demo' }, { PATH: '' })).resolves.toBeUndefined()
  })
  const w = (requires: Walkthrough['requires']): Walkthrough => ({
    id: 'demo',
    title: 'd',
    vars: [],
    steps: [{ id: 'a', number: '01', title: 'a', command: 'true', reads: [], parse: () => 0, check: () => [] }],
    requires,
  })
  it.each([
    [{ kubernetes: '1.24' }, []],
    [{ kubernetes: 'v1.24' }, ['requires.kubernetes must be MAJOR.MINOR (e.g. "1.27"), got "v1.24"']],
    [{ tools: ['curl', 'rm -rf'] }, ['requires.tools names commands, got "rm -rf"']],
    [{ objects: ['serviceaccount/default'] }, []],
    [{ objects: ['default'] }, ['requires.objects entries are kind/name as kubectl prints them (e.g. "configmap/settings"), got "default"']],
  ])('validates %j', (requires, problems) => expect(walkthroughProblems(w(requires))).toEqual(problems))
})

describe('awaiting the objects a walkthrough expects', () => {
  // A stand-in kubectl (a unit test's fake) that answers `get` as the real one does in each case; the
  // e2e suites meet the real answers (a lab without kube-controller-manager, RBAC-limited users).
  async function kubectlSaying(stderr: string, exit: number): Promise<Record<string, string>> {
    const dir = await testDir('kubewalk-objects-')
    await writeFile(join(dir, 'kubectl'), `#!/bin/sh\necho ${JSON.stringify(stderr)} >&2\nexit ${exit}\n`, { mode: 0o755 })
    return { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` } as Record<string, string>
  }

  it('waits for one that is not found, then names it', async () => {
    const env = await kubectlSaying('Error from server (NotFound): serviceaccounts "default" not found', 1)
    await expect(awaitObjects(['serviceaccount/default'], 'team', { env, timeoutMs: 5_000, waitMs: 600 })).rejects.toThrow(
      /^namespace team has no serviceaccount\/default after 1 s/,
    )
  })
  it('lets a user whom RBAC does not let read it go on: the lines will say what they meet', async () => {
    const env = await kubectlSaying(
      'Error from server (Forbidden): serviceaccounts "default" is forbidden: User "system:serviceaccount:default:x" cannot get resource "serviceaccounts"',
      1,
    )
    await expect(awaitObjects(['serviceaccount/default'], 'team', { env, timeoutMs: 5_000, waitMs: 600 })).resolves.toBeUndefined()
  })
  it('says any other failure at once, without waiting', async () => {
    const env = await kubectlSaying('The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?', 1)
    const began = performance.now()
    await expect(awaitObjects(['serviceaccount/default'], 'team', { env, timeoutMs: 5_000, waitMs: 30_000 })).rejects.toThrow(
      /^cannot read serviceaccount\/default in namespace team \(the walkthrough's lines expect it\): The connection to the server/,
    )
    expect(performance.now() - began).toBeLessThan(5_000)
  })
})

describe('awaiting them from this process, where the kubeconfig allows a request', () => {
  /** An HTTPS stand-in answering each GET with the next status of `statuses` (the request's mechanics only: e2e meets the lab). */
  const serverAnswering = (statuses: number[]) => httpsStandIn(answering(statuses.map(status), status(200)))
  const status = (code: number): [number, unknown] => [code, { kind: 'Status', code, reason: code === 404 ? 'NotFound' : 'InternalError' }]
  async function kubectlLogging(): Promise<{ env: Record<string, string>; called: () => boolean }> {
    const dir = await testDir('kubewalk-objects-')
    await writeFile(
      join(dir, 'kubectl'),
      `#!/bin/sh
touch ${join(dir, 'called')}
echo "kubectl says: not reachable" >&2
exit 1
`,
      { mode: 0o755 },
    )
    return {
      env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` } as Record<string, string>,
      called: () => existsSync(join(dir, 'called')),
    }
  }

  it('waits while the server says NotFound, with no kubectl started', async () => {
    const { creds, seen } = await serverAnswering([404, 404, 200])
    const k = await kubectlLogging()
    await expect(
      awaitObjects(['serviceaccount/default'], 'team', { env: k.env, timeoutMs: 5_000, waitMs: 5_000, direct: creds }),
    ).resolves.toBeUndefined()
    expect(seen).toEqual(Array(3).fill('GET /api/v1/namespaces/team/serviceaccounts/default Bearer t'))
    expect(k.called()).toBe(false)
  })
  it('any other answer is asked again of kubectl, whose words are the error', async () => {
    const { creds } = await serverAnswering([500])
    const k = await kubectlLogging()
    await expect(awaitObjects(['serviceaccount/default'], 'team', { env: k.env, timeoutMs: 5_000, waitMs: 5_000, direct: creds })).rejects.toThrow(
      "cannot read serviceaccount/default in namespace team (the walkthrough's lines expect it): kubectl says: not reachable",
    )
    expect(k.called()).toBe(true)
  })
})

describe('the node a walkthrough that runs Pods needs', () => {
  const pods = { id: 'pods', requires: { node: true } }
  async function kubectlSaying(stdout: string, stderr: string, exit: number): Promise<Record<string, string>> {
    const dir = await testDir('kubewalk-nodes-')
    await writeFile(join(dir, 'kubectl'), `#!/bin/sh\nprintf '%s' ${JSON.stringify(stdout)}\necho ${JSON.stringify(stderr)} >&2\nexit ${exit}\n`, {
      mode: 0o755,
    })
    return { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` } as Record<string, string>
  }
  it("a participant whom RBAC does not let list nodes is told it is unknown, and goes on (kubectl 1.37.2's words on the lab)", async () => {
    const env = await kubectlSaying(
      '',
      'Error from server (Forbidden): nodes is forbidden: User "system:serviceaccount:class-p01:participant" cannot list resource "nodes" in API group "" at the cluster scope',
      1,
    )
    const said: string[] = []
    await expect(checkReadyNode(pods, 'lab', { env, timeoutMs: 5_000 }, (l) => said.push(l))).resolves.toBe('unknown')
    expect(said).toEqual(['walkthrough pods runs Pods; whether lab has a Ready node is unknown (your user may not list nodes), so the run goes on'])
  })
  it('a Ready node: ready; none Ready: refused; nodes unreadable for another reason: refused', async () => {
    await expect(checkReadyNode(pods, 'lab', { env: await kubectlSaying('n1=True', '', 0), timeoutMs: 5_000 })).resolves.toBe('ready')
    await expect(checkReadyNode(pods, 'lab', { env: await kubectlSaying('n1=False', '', 0), timeoutMs: 5_000 })).rejects.toThrow(
      /lab has no Ready node \(n1=False\)/,
    )
    await expect(
      checkReadyNode(pods, 'lab', { env: await kubectlSaying('', 'The connection to the server 127.0.0.1:1 was refused', 1), timeoutMs: 5_000 }),
    ).rejects.toThrow(/the nodes of lab cannot be read: The connection/)
  })
  it('a walkthrough that runs no Pods asks nothing', async () =>
    expect(checkReadyNode({ id: 'x' }, 'lab', { env: await kubectlSaying('', 'boom', 1), timeoutMs: 5_000 })).resolves.toBeUndefined())
})
