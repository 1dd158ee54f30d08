// run's planning: --set and --dry-run, checked without a cluster (a kubeconfig that does not exist
// proves --dry-run reads none).
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { WalkthroughEntry } from '../../../src/core/walkthrough.js'
import { captureIo, main } from '../../helpers.js'
import { testDir } from '../../temp-dir.js'

describe('run --dry-run', () => {
  it('prints every line that would run and what would be cleaned up, and runs nothing', async () => {
    const io = captureIo({ ...process.env, KUBECONFIG: '/nonexistent/kubeconfig' })
    expect(await main(['run', '--dry-run', '--isolate'], io.sinks)).toBe(0)
    const out = io.out()
    expect(out).toMatch(/^article: 14 step\(s\) would run in a fresh namespace \(deleted at the end\); nothing has run\.$/m)
    expect(out).toContain('08 apply-token-secret\n   $ kubectl apply -f - <<EOF')
    expect(out).toContain('   $ curl -X GET $APISERVER/api --header "Authorization: Bearer $TOKEN" --insecure')
    expect(out).toMatch(
      /Cleanup, newest first, of what the run created:\n {3}delete Secret default-token {2}\(kubectl delete secret default-token --ignore-not-found\)\n {3}delete the fresh namespace\n$/,
    )
    expect(io.err()).toBe('')
  })
  it('shows the chosen cluster in the line the prose leaves to the reader', async () => {
    const io = captureIo({ ...process.env, KUBECONFIG: '/nonexistent/kubeconfig' })
    expect(await main(['run', '--dry-run', '--only', 'set-cluster-name', '--cluster', 'prod'], io.sinks)).toBe(0)
    expect(io.out()).toContain('   $ export CLUSTER_NAME="prod"\n')
  })
  it("shows a Markdown placeholder's value given with --set, the line as it will run", async () => {
    const io = captureIo({ ...process.env, KUBECONFIG: '/nonexistent/kubeconfig' })
    const md = new URL('../../fixtures/markdown/lab-tour.md', import.meta.url).pathname
    expect(await main(['run', '--dry-run', '--walkthrough', md, '--set', "GREETING=it's me"], io.sinks)).toBe(0)
    expect(io.out()).toContain(`   $ export GREETING=$'it\\'s me'\n`)
  })
  it("declared changes: the front matter's and --allow-changes' are the run's allowed changes; a bad pattern or check is exit 2", async () => {
    const { writeFile } = await import('node:fs/promises')
    const dir = await testDir('kubewalk-changes-')
    const md = join(dir, 'changes.md')
    await writeFile(md, '---\nid: changes\nchanges: [node/*, serviceaccount/default]\n---\n# Changes\n\n```bash\nkubectl label node n1 x=y\n```\n')
    const io = captureIo({ ...process.env, KUBECONFIG: '/nonexistent/kubeconfig' })
    expect(await main(['run', '--dry-run', '--walkthrough', md, '--allow-changes', 'default/configmap/x,pod/*'], io.sinks)).toBe(0)
    expect(io.out()).toMatch(
      /Changes allowed to objects the run did not create \(each saved first, restored at cleanup\):\n {3}node\/\*\n {3}serviceaccount\/default\n {3}default\/configmap\/x\n {3}pod\/\*\n$/,
    )
    const bad = captureIo({ ...process.env, KUBECONFIG: '/nonexistent/kubeconfig' })
    expect(await main(['run', '--dry-run', '--walkthrough', md, '--allow-changes', 'node'], bad.sinks)).toBe(2)
    expect(bad.err()).toContain('--allow-changes takes kind/name or namespace/kind/name patterns')
    const plain = captureIo({ ...process.env, KUBECONFIG: '/nonexistent/kubeconfig' })
    expect(await main(['run', '--dry-run', '--only', 'set-cluster-name'], plain.sinks)).toBe(0)
    expect(plain.out()).not.toContain('Changes allowed')
  })
  it('lists as created only what a Markdown step whose line can create reports', async () => {
    const io = captureIo({ ...process.env, KUBECONFIG: '/nonexistent/kubeconfig' })
    const md = new URL('../../fixtures/markdown/lab-tour.md', import.meta.url).pathname
    expect(await main(['run', '--dry-run', '--walkthrough', md], io.sinks)).toBe(0)
    // Of lab-tour's five steps only 02 (kubectl create configmap) can create: export, get, proxy and curl cannot.
    expect(io.out()).toMatch(
      /Cleanup, newest first, of what the run created:\n {3}what step 02 creates \(kubectl's "kind\/name created"\), unless a later step deletes it\n$/,
    )
  })
  it.each([
    [['run', '--check-only'], /unknown option/],
    [['drift', '--dry-run'], /^kubewalk: --dry-run goes with kubewalk run\.$/m],
    [
      ['run', '--set', 'NOPE=1', '--dry-run'],
      /^kubewalk: --set NOPE: walkthrough article has no variable NOPE \(it has CLUSTER_NAME, APISERVER, TOKEN\)\.$/m,
    ],
    [['run', '--set', 'TOKEN', '--dry-run'], /^kubewalk: --set takes NAME=VALUE, got "TOKEN"\.$/m],
  ])('%j is exit 2 in one line', async (argv, message) => {
    const io = captureIo({ ...process.env })
    expect(await main(argv, io.sinks)).toBe(2)
    expect(io.err()).toMatch(message)
  })
})

describe('run --transcript with prose that does not parse', () => {
  it.each([
    ['a plain Error of its own', () => new Error('no sections here')],
    ['parseProse', () => new Error('unused')],
  ])('exits 2 with one line naming the walkthrough, before any cluster (%s)', async (what, error) => {
    const { walkthroughs } = await import('../../../walkthroughs/index.js')
    const article = await (walkthroughs[0] as WalkthroughEntry).load()
    const { parseProse } = await import('../../../src/sources/prose.js')
    const { createCli } = await import('../../../src/faces/cli.js')
    const prose = (): never => {
      if (what === 'parseProse') parseProse('bad.md', '## 01. X (`x`)\nno block\n')
      throw error()
    }
    const cli = createCli([{ id: 'bad-prose', title: 'Bad prose', load: async () => ({ ...article, id: 'bad-prose', prose }) }])
    const io = captureIo({ ...process.env, KUBECONFIG: '/nonexistent/kubeconfig' })
    expect(await cli(['run', '--transcript', join(tmpdir(), 'kubewalk-never-written.md')], io.sinks)).toBe(2)
    expect(io.err()).toMatch(
      /^kubewalk: (walkthrough bad-prose: its prose does not parse: no sections here|bad\.md: section 01 \(x\) has 0 bash blocks; it needs exactly one)\.?\n$/,
    )
  })
})
