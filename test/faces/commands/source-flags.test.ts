// --examples, --tab and --set on docs pages, through the CLI without a cluster (a kubeconfig that does
// not exist proves nothing reaches one): what runs is shown, and every mistake is exit 2 in one line.
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { captureIo, main } from '../../helpers.js'
import { testDir } from '../../temp-dir.js'

const fixture = (path: string): string => fileURLToPath(new URL(`../../fixtures/${path}`, import.meta.url))
const examples = fixture('docs/examples')
const memory = fixture('docs/memory-default-namespace/page.md')
const deployment = fixture('docs/run-stateless-application-deployment/page.md')
const tabs = fixture('docs-tabs/upgrading-linux-nodes/page.md')
const env = { ...process.env, KUBECONFIG: '/nonexistent/kubeconfig' }

const cli = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
  const io = captureIo(env)
  const code = await main(args, io.sinks)
  return { code, out: io.out(), err: io.err() }
}

describe('--workdir', () => {
  it('a folder that is not there: exit 2 naming it, before anything runs', async () => {
    const r = await cli(['run', '--dry-run', '--walkthrough', memory, '--workdir', '/nonexistent/kubewalk-workdir'])
    expect(r.code).toBe(2)
    expect(r.err).toContain('--workdir /nonexistent/kubewalk-workdir: no such folder.')
  })
})

describe('what runs', () => {
  it('--examples: the line as run reads the local file', async () => {
    const r = await cli(['run', '--dry-run', '--walkthrough', memory, '--examples', examples])
    expect(r.code).toBe(0)
    expect(r.out).toContain(`   $ kubectl apply -f ${examples}/admin/resource/memory-defaults.yaml --namespace=default-mem-example\n`)
    expect(r.out).toContain(
      `   --examples: reads ${examples}/admin/resource/memory-defaults.yaml; as written: kubectl apply -f https://k8s.io/examples/admin/resource/memory-defaults.yaml --namespace=default-mem-example\n`,
    )
    expect(r.out.split('\n').filter((l) => l.includes('$ ') && l.includes('https://k8s.io/examples/'))).toEqual([])
    const written = await cli(['run', '--dry-run', '--walkthrough', memory])
    expect(written.out).toContain(
      '   $ kubectl apply -f https://k8s.io/examples/admin/resource/memory-defaults.yaml --namespace=default-mem-example\n',
    )
  })
  it('--tab: the lines of the tab named (any case), else of the first', async () => {
    const first = await cli(['run', '--dry-run', '--walkthrough', tabs])
    expect(first.out).toContain('sudo apt-mark unhold kubeadm')
    expect(first.out).not.toContain('yum')
    const named = await cli(['run', '--dry-run', '--walkthrough', tabs, '--tab', 'centos, rhel or fedora'])
    expect(named.code).toBe(0)
    expect(named.out).toContain("   $ sudo yum install -y kubeadm-'{{< skew currentVersion >}}.x-*' --disableexcludes=kubernetes\n")
    expect(named.out).not.toContain('apt-get')
  })
  it('--set fills a <…> placeholder: the line shows the value', async () => {
    const r = await cli(['run', '--dry-run', '--walkthrough', deployment, '--set', 'pod-name=nginx-deployment-1771418926-7o5ns'])
    expect(r.code).toBe(0)
    expect(r.out).toContain('   $ kubectl describe pod nginx-deployment-1771418926-7o5ns\n')
    const unset = await cli(['run', '--dry-run', '--walkthrough', deployment])
    expect(unset.out).toContain('   $ kubectl describe pod <pod-name>\n')
  })
})

it('import reads a docs page in its dialect: named by its title, its container lines kept in their container', async () => {
  const r = await cli(['import', fixture('docs/get-shell-running-container/page.md')])
  expect(r.code).toBe(0)
  expect(r.out).toMatch(/^---\nid: get-a-shell-to-a\ntitle: Get a Shell to a Running Container\n/)
  expect(r.out).toContain('<!-- kubewalk: in shell-demo -->\n\n```bash\nls /\n```')
})

describe('exit 2, in one line, before anything runs', () => {
  it.each([
    [
      ['run', '--dry-run', '--walkthrough', memory, '--examples', '/nonexistent/examples'],
      /^kubewalk: --examples \/nonexistent\/examples: no such folder/,
    ],
    [['test', '--walkthrough', memory, '--examples', memory], /^kubewalk: --examples .*page\.md: a file, not a folder\.$/],
    [
      ['run', '--dry-run', '--walkthrough', tabs, '--tab', 'Windows'],
      /^kubewalk: --tab Windows: .*page\.md has no tab of that name \(its tabs: "Ubuntu, Debian or HypriotOS", "CentOS, RHEL or Fedora"\)\.$/,
    ],
    [['record', '--walkthrough', tabs, '--tab', 'Windows'], /^kubewalk: --tab Windows: .*has no tab of that name/],
    [['test', '--walkthrough', tabs, '--tab', 'Windows'], /^kubewalk: --tab Windows: .*has no tab of that name/],
    [['run', '--dry-run', '--walkthrough', memory, '--tab', 'Linux'], /^kubewalk: --tab Linux: .*memory-default-namespace\/page\.md has no tabs\.$/],
    [
      ['run', '--dry-run', '--tab', 'Linux'],
      /^kubewalk: --tab Linux chooses a tab of a Kubernetes docs page; walkthrough article is not a Markdown file\.$/,
    ],
    [
      ['run', '--dry-run', '--walkthrough', deployment, '--set', 'pod=x'],
      /^kubewalk: --set pod: walkthrough .* has no variable or placeholder pod \(it has pod-name\)\.$/,
    ],
    [['import', tabs, '--tab', 'Windows'], /^kubewalk: --tab Windows: .*has no tab of that name/],
    [
      ['import', fixture('markdown/pasted-excerpt.txt'), '--tab', 'Linux'],
      /^kubewalk: --tab Linux chooses a tab of a Kubernetes docs page; .* is not one/,
    ],
    [['import', memory, '--examples', '/nonexistent/examples'], /^kubewalk: --examples \/nonexistent\/examples: no such folder/],
    [
      ['import', fixture('docs/get-shell-running-container/page.md'), '--typed', '--out', '/nonexistent/typed'],
      /^kubewalk: import --typed: .*page\.md has lines typed inside Pod shell-demo's container \(ls \/\), which a typed step cannot hold; import it as Markdown \(drop --typed\)\.$/,
    ],
  ])('%j', async (args, message) => {
    const r = await cli(args)
    expect(r.code).toBe(2)
    expect(r.err.trim()).toMatch(message)
    expect(r.err.trim().split('\n')).toHaveLength(1)
    expect(r.out).toBe('')
  })
  it('--examples DIR that lacks the folder of a file a line names: the file and the step', async () => {
    const dir = await testDir('kubewalk-examples-')
    const r = await cli(['run', '--dry-run', '--walkthrough', memory, '--examples', dir])
    expect(r.code).toBe(2)
    expect(r.err).toBe(
      `kubewalk: --examples ${dir}: it has no admin/resource/ folder for admin/resource/memory-defaults.yaml (step 02 create-a-limitrange-and-a reads https://k8s.io/examples/admin/resource/memory-defaults.yaml); give a checkout's content/en/examples.\n`,
    )
  })
})
