// The author's commands without a cluster: new scaffolds (and never writes over anything), test judges
// a folder offline (exit 1 naming step and check), record refuses before anything touches a cluster.
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureIo, kubeconfigYaml, main } from '../../helpers.js'

let dir: string
let env: Record<string, string>
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubewalk-author-cmd-'))
  // The folder loader's cache goes here, not into the user's.
  env = { XDG_CACHE_HOME: join(dir, '.cache'), HOME: dir, PATH: process.env.PATH ?? '' }
})
afterAll(async () => rm(dir, { recursive: true, force: true }))

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const t = captureIo(env)
  const code = await main(argv, t.sinks)
  return { code, out: t.out(), err: t.err() }
}

describe('kubewalk new', () => {
  it('--typed writes a folder that loads, lists and passes kubewalk test at once, without npm install', async () => {
    const r = await cli(['new', 'first-walk', '--typed', '--dir', join(dir, 'typed')])
    expect(r).toMatchObject({ code: 0, err: '' })
    const folder = join(dir, 'typed', 'first-walk')
    expect((await readdir(folder, { recursive: true })).sort()).toEqual([
      '.gitignore',
      'index.test.ts',
      'index.ts',
      'package.json',
      'recorded',
      'recorded/01-get-namespace.stdout.txt',
      'recorded/source.json',
      'steps',
      'steps/01-get-namespace.ts',
      'tsconfig.json',
      'walkthrough.md',
    ])
    expect(existsSync(join(folder, 'node_modules'))).toBe(false)
    const pkg = JSON.parse(await readFile(join(folder, 'package.json'), 'utf8'))
    expect(pkg.dependencies).toEqual({ kubewalk: '^0.1.0' })
    expect(Object.keys(pkg.devDependencies)).toEqual(['@types/node', 'typescript', 'vitest'])
    expect(await readFile(join(folder, 'index.test.ts'), 'utf8')).toContain("from 'kubewalk/testing'")
    const list = await cli(['list', '--walkthrough', folder, '--json'])
    expect(JSON.parse(list.out).steps).toEqual([expect.objectContaining({ id: 'get-namespace', command: 'kubectl get namespace default' })])
    const test = await cli(['test', '--walkthrough', folder])
    expect(test).toMatchObject({ code: 0, err: '' })
    expect(test.out).toContain('every check can fail     2 of 2 fail on a changed recording')
    expect(test.out).toMatch(/\nok\n$/)
  })

  it('writes ID.md by default: front matter, prose, the line in a bash block and its recording after it', async () => {
    const r = await cli(['new', 'md-walk', '--dir', join(dir, 'md')])
    expect(r.code).toBe(0)
    const text = await readFile(join(dir, 'md', 'md-walk.md'), 'utf8')
    expect(text).toMatch(/^---\nid: md-walk\ntitle: "Md walk"\n---\n/)
    expect(text).toContain('```bash\nkubectl get namespace default\n```\n\n```\nNAME      STATUS   AGE\ndefault   Active   2s\n```\n')
  })

  it.each([
    [['new'], /^kubewalk: new needs an id/],
    [['new', 'Bad_Id'], /^kubewalk: new Bad_Id: an id is lower-case words joined by '-'/],
    [['new', 'a', 'b'], /^kubewalk: new takes one id, got also b\./],
  ])('%j: one line, exit 2', async (argv, message) => {
    const r = await cli(argv)
    expect(r.code).toBe(2)
    expect(r.err).toMatch(message)
    expect(r.err.trimEnd().split('\n')).toHaveLength(1)
  })

  it('never writes over a folder or a file that exists (exit 2, naming it), and leaves it as it was', async () => {
    const parent = join(dir, 'taken')
    await mkdir(join(parent, 'mine'), { recursive: true })
    await writeFile(join(parent, 'mine', 'index.ts'), 'mine\n')
    await writeFile(join(parent, 'mine.md'), 'mine\n')
    for (const argv of [
      ['new', 'mine', '--typed', '--dir', parent],
      ['new', 'mine', '--dir', parent],
    ]) {
      const r = await cli(argv)
      expect(r.code).toBe(2)
      expect(r.err).toMatch(new RegExp(`^kubewalk: ${parent}/mine(\\.md)? exists; kubewalk new never writes over`))
    }
    expect(await readdir(join(parent, 'mine'))).toEqual(['index.ts'])
    expect(await readFile(join(parent, 'mine', 'index.ts'), 'utf8')).toBe('mine\n')
    expect(await readFile(join(parent, 'mine.md'), 'utf8')).toBe('mine\n')
  })
})

describe('kubewalk test', () => {
  it('fails (exit 1) on a folder whose check cannot fail, naming the step and the check; --json says the same', async () => {
    const folder = join(dir, 'cannot-fail')
    await mkdir(join(folder, 'recorded'), { recursive: true })
    await writeFile(
      join(folder, 'index.ts'),
      `import { defineStep, defineWalkthrough, parseProse, readRecordings, truthy } from 'kubewalk'
const step = defineStep({ id: 'say', number: '01', title: 'Say hi', command: 'echo hi', reads: [], parse: (out) => out.stdout, check: () => [truthy('it ran', true)] })
export default defineWalkthrough({ id: 'cannot-fail', title: 'A check that cannot fail', vars: [], steps: [step],
  prose: () => parseProse('p.md', '## 01. Say hi (\`say\`)\\n\\n\`\`\`bash\\necho hi\\n\`\`\`\\n'),
  recorded: () => readRecordings(new URL('./recorded/', import.meta.url), [step]) })
`,
    )
    await writeFile(join(folder, 'recorded', '01-say.stdout.txt'), 'hi\n')
    const r = await cli(['test', '--walkthrough', `${folder}/`])
    expect(r.code).toBe(1)
    expect(r.out).toContain('every check can fail     0 of 1 fail on a changed recording')
    expect(r.out).toContain(
      '\n1 shortfall(s):\n  step 01 say: no change to its recording fails its check "it ran" (a check that cannot fail proves nothing).\n',
    )
    const j = await cli(['test', '--walkthrough', `${folder}/`, '--json'])
    expect(j.code).toBe(1)
    expect(JSON.parse(j.out).shortfalls).toEqual([expect.objectContaining({ kind: 'cannot-fail', step: 'say', check: 'it ran' })])
  })

  it('passes a Markdown walkthrough whose steps all have recordings, and names the steps that check only their exit code', async () => {
    // Step 01 is a block of two commands whose creations cannot be checked beforehand; step 02's
    // recording is kept for drift only. Each used to add a check that always held ("cannot fail").
    const F = '```'
    const md = join(dir, 'all-recorded.md')
    await writeFile(
      md,
      `# All recorded\n\n## Make and read\n\n${F}bash\nkubectl create configmap kw-notes --from-literal=a=b\nkubectl get configmap kw-notes -o jsonpath='{.data.a}'\n${F}\n\n${F}\nb\n${F}\n\n## When\n\n<!-- kubewalk: compare off -->\n${F}bash\ndate -u\n${F}\n\n${F}\nMon Dec  1 10:00:00 UTC 2026\n${F}\n`,
    )
    const r = await cli(['test', '--walkthrough', md])
    expect(r).toMatchObject({ code: 0, err: '' })
    expect(r.out).toContain('  every check can fail     1 of 1 fail on a changed recording\n')
    expect(r.out).toContain('  exit code only           02 when (no check on their output)\n')
    expect(r.out).toMatch(/\nok\n$/)
    const j = await cli(['test', '--walkthrough', md, '--json'])
    expect(JSON.parse(j.out)).toMatchObject({ ok: true, exitCodeOnly: ['when'] })
  })

  it('passes the walkthroughs kubewalk ships, offline (no kubeconfig, no kubectl on PATH)', async () => {
    for (const id of ['article', 'rbac-pods']) {
      const t = captureIo({ HOME: dir, PATH: '/nonexistent', KUBECONFIG: '/nonexistent' })
      expect(await main(['test', '--walkthrough', id], t.sinks)).toBe(0)
      expect(t.out()).toMatch(/\nok\n$/)
    }
  })

  it('takes no positional argument', async () => {
    const r = await cli(['test', './x'])
    expect(r).toMatchObject({ code: 2, err: 'kubewalk: test takes no arguments, got ./x (for a walkthrough: --walkthrough ./x).\n' })
  })
})

describe('kubewalk record (before any cluster)', () => {
  let kubeconfig: string
  beforeAll(async () => {
    kubeconfig = join(dir, 'config')
    // Port 1 on loopback: nothing listens, so a replay that got this far would fail at once.
    await writeFile(kubeconfig, kubeconfigYaml([{ name: 'one', server: 'https://127.0.0.1:1' }]))
  })

  it('refuses to overwrite a recording without --force, naming the file (exit 2), and the file is unchanged', async () => {
    const r0 = await cli(['new', 'rec', '--typed', '--dir', join(dir, 'rec')])
    expect(r0.code).toBe(0)
    const folder = join(dir, 'rec', 'rec')
    const file = join(folder, 'recorded', '01-get-namespace.stdout.txt')
    const before = await readFile(file, 'utf8')
    const r = await cli(['record', '--walkthrough', folder, '--kubeconfig', kubeconfig])
    expect(r.code).toBe(2)
    expect(r.err).toBe(`kubewalk: ${file} exists; record never overwrites a recording without --force (1 more file(s) would be replaced).\n`)
    expect(await readFile(file, 'utf8')).toBe(before)
  })

  it('refuses to overwrite a Markdown output block without --force, naming file:line (exit 2), and the file is unchanged', async () => {
    const md = join(dir, 'recorded.md')
    const text = '# Recorded\n\n```bash\necho fresh\n```\n\n```bash\necho hi\n```\n\n```\nhi\n```\n'
    await writeFile(md, text)
    const r = await cli(['record', '--walkthrough', md, '--kubeconfig', kubeconfig])
    expect(r).toMatchObject({
      code: 2,
      err: `kubewalk: ${md}:12: step 02 echo-hi already has its recorded output here; record never overwrites one without --force.\n`,
    })
    expect(await readFile(md, 'utf8')).toBe(text)
  })

  it.each([
    [
      ['record', '--walkthrough', 'article'],
      /^kubewalk: record --walkthrough article: a walkthrough kubewalk ships has no folder of yours to record into; give --out DIR\.$/,
    ],
    [['record', '--reporter', 'json', '--out', '/tmp/x'], /^kubewalk: record takes no --reporter: it writes recordings, not a report\.$/],
    [['record', '--out'], /^kubewalk: option --out needs a value; see kubewalk --help\.$/],
    [['record', '--out='], /^kubewalk: --out needs a folder\.$/],
  ])('%j: one line, exit 2', async (argv, message) => {
    const r = await cli([...argv, '--kubeconfig', kubeconfig])
    expect(r.code).toBe(2)
    expect(r.err.trimEnd()).toMatch(message)
  })
})
