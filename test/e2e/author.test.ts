// The author's tools on the lab, through the bundled CLI, in folders outside the repository with no
// node_modules: new then run (--lab, and against the shared lab), test offline, record with a token
// (unsigned in what it writes), and test failing on a walkthrough whose check cannot fail.
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { kubewalk, type JsonReport } from './cli.js'

const kubeconfig = inject('labKubeconfig')
const skipReason = inject('labSkipReason')

let dir: string
let env: Record<string, string>
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubewalk-author-e2e-'))
  // The lab's binaries stay in the user's cache (XDG_CACHE_HOME would move them too).
  env = {}
})
afterAll(async () => rm(dir, { recursive: true, force: true }))

const cli = (args: string[]) => kubewalk(args, env)

describe('test, offline', () => {
  it('fails (exit 1) on a walkthrough whose check cannot fail, naming step and check, with no kubectl on PATH', async () => {
    const folder = join(dir, 'cannot-fail')
    await mkdir(folder)
    await writeFile(
      join(folder, 'index.ts'),
      `import { defineStep, defineWalkthrough, parseProse, truthy } from 'kubewalk'
const step = defineStep({ id: 'list-pods', number: '01', title: 'List pods', command: 'kubectl get pods', reads: [],
  parse: (out) => out.stdout, check: () => [truthy('kubectl answered', true)] })
export default defineWalkthrough({ id: 'cannot-fail', title: 'A check that cannot fail', vars: [], steps: [step],
  prose: () => parseProse('p.md', '## 01. List pods (\`list-pods\`)\\n\\n\`\`\`bash\\nkubectl get pods\\n\`\`\`\\n'),
  recorded: () => ({ 'list-pods': { stdout: 'No resources found in default namespace.\\n', stderr: '', exitCode: 0 } }) })
`,
    )
    // A PATH with node and nothing else: no kubectl to find.
    await mkdir(join(dir, 'bin'))
    await symlink(process.execPath, join(dir, 'bin', 'node'))
    const r = await kubewalk(['test', '--walkthrough', `${folder}/`], { ...env, PATH: join(dir, 'bin'), KUBECONFIG: '/nonexistent' })
    expect(r.exitCode).toBe(1)
    expect(r.stdout).toContain('step 01 list-pods: no change to its recording fails its check "kubectl answered"')
  })
})

describe.skipIf(kubeconfig === '')(`new, run, record on the lab ${skipReason}`, () => {
  it('new --typed, then run --lab and test pass at once, with no npm install', async () => {
    const n = await cli(['new', 'first-steps', '--typed', '--dir', dir])
    expect(n.exitCode).toBe(0)
    const folder = join(dir, 'first-steps')
    const test = await cli(['test', '--walkthrough', folder])
    expect(test.exitCode, test.stdout + test.stderr).toBe(0)
    const r = await cli(['run', '--walkthrough', folder, '--lab', '--reporter', 'json'])
    expect(r.exitCode, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout) as JsonReport
    expect(report.steps.map((s) => [s.id, s.status])).toEqual([['get-namespace', 'passed']])
    expect(report.steps[0]?.assertions.map((a) => a.name)).toEqual(['the namespace is default', 'it is Active'])
  })

  it('new (Markdown) and new --typed run against the shared lab; drift finds nothing real', async () => {
    await cli(['new', 'md-steps', '--dir', dir])
    for (const w of [join(dir, 'md-steps.md'), join(dir, 'first-steps')]) {
      const r = await cli(['run', '--walkthrough', w, '--kubeconfig', kubeconfig, '--reporter', 'json'])
      expect(r.exitCode, `${w}: ${r.stderr}`).toBe(0)
      expect((JSON.parse(r.stdout) as JsonReport).ok).toBe(true)
      const d = await cli(['drift', '--walkthrough', w, '--kubeconfig', kubeconfig, '--reporter', 'json'])
      expect(d.exitCode, `${w}: ${d.stdout}`).toBe(0)
    }
    const t = await cli(['test', '--walkthrough', join(dir, 'md-steps.md')])
    expect(t.exitCode, t.stdout).toBe(0)
  })

  it('record writes the outputs, a token without its signature (claims still readable), and needs --force the second time', async () => {
    const folder = join(dir, 'with-token')
    await mkdir(folder)
    await writeFile(
      join(folder, 'index.ts'),
      `import { defineStep, defineVar, defineWalkthrough, equal, readRecordings } from 'kubewalk'
const TOKEN = defineVar({ name: 'TOKEN', secret: true, describe: 'a token' })
const mint = defineStep({ id: 'mint', number: '01', title: 'Mint a token', command: 'TOKEN=$(kubectl create token default)', reads: [], writes: TOKEN,
  parse: (out) => JSON.parse(Buffer.from((out.captured ?? '').split('.')[1] ?? '', 'base64url').toString()).sub,
  check: (sub) => [equal('for the default ServiceAccount', 'system:serviceaccount:default:default', sub)] })
const ns = defineStep({ id: 'namespace', number: '02', title: 'The namespace', command: 'kubectl get namespace default -o name', reads: [],
  parse: (out) => out.stdout.trim(), check: (v) => [equal('it is there', 'namespace/default', v)] })
export default defineWalkthrough({ id: 'with-token', title: 'With a token', vars: [TOKEN], steps: [mint, ns],
  recorded: () => readRecordings(new URL('./recorded/', import.meta.url), [mint, ns]) })
`,
    )
    const r = await cli(['record', '--walkthrough', folder, '--kubeconfig', kubeconfig])
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/recorded 2 step\(s\) of with-token from kubewalk-lab .* 2 file\(s\) and source\.json/)
    const rec = join(folder, 'recorded')
    expect((await readdir(rec)).sort()).toEqual(['01-mint.captured.txt', '02-namespace.stdout.txt', 'source.json'])
    const token = await readFile(join(rec, '01-mint.captured.txt'), 'utf8')
    expect(token).toMatch(/^eyJ[\w-]+\.eyJ[\w-]+\.~signature-removed~$/)
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub).toBe('system:serviceaccount:default:default')
    expect(JSON.parse(await readFile(join(rec, 'source.json'), 'utf8'))).toMatchObject({
      kubernetes: expect.stringMatching(/^v1\./),
      cluster: { name: 'kubewalk-lab' },
    })
    // The recordings pass the walkthrough's own checks, offline.
    const t = await cli(['test', '--walkthrough', folder])
    expect(t.stdout).toContain('recordings pass          2 of 2 recorded, ok')
    const again = await cli(['record', '--walkthrough', folder, '--kubeconfig', kubeconfig])
    expect(again.exitCode).toBe(2)
    expect(again.stderr).toBe(
      `kubewalk: ${join(rec, '01-mint.captured.txt')} exists; record never overwrites a recording without --force (2 more file(s) would be replaced).`,
    )
    const forced = await cli(['record', '--walkthrough', folder, '--kubeconfig', kubeconfig, '--force'])
    expect(forced.exitCode, forced.stderr).toBe(0)
    expect(await readFile(join(rec, '01-mint.captured.txt'), 'utf8')).not.toBe(token)
  })
})
