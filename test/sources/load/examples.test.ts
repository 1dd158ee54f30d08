// --examples DIR on the corpus: lines that name https://k8s.io/examples/P run DIR/P, each noted with the
// line as written; a P that DIR lacks runs (and fails as the URL would), noted; a DIR without P's folder, or a
// DIR that is not there, is exit 2 before anything runs.
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { commandOf, type CommandContext } from '../../../src/core/step.js'
import { KubewalkError } from '../../../src/core/errors.js'
import { loadWalkthrough } from '../../../src/sources/load/index.js'
import { withLocalExamples } from '../../../src/sources/load/examples.js'
import { walkthroughs } from '../../../walkthroughs/index.js'
import { testDir } from '../../temp-dir.js'

const docs = fileURLToPath(new URL('../../fixtures/docs/', import.meta.url))
const examples = join(docs, 'examples')
const listing: CommandContext = { cluster: { name: 'c', server: '' }, namespace: 'default' }
const URL_IN_LINE = /https:\/\/(?:k8s\.io\/examples|raw\.githubusercontent\.com)\//

describe('withLocalExamples', () => {
  it.each([
    ['kubectl apply -f https://k8s.io/examples/pods/p.yaml', 'kubectl apply -f /ex/pods/p.yaml', ['pods/p.yaml']],
    [
      'kubectl apply -f https://raw.githubusercontent.com/kubernetes/website/main/content/en/examples/admin/ns.json -n x',
      'kubectl apply -f /ex/admin/ns.json -n x',
      ['admin/ns.json'],
    ],
    ['kubectl get pods', 'kubectl get pods', []],
    ['curl -sL https://k8s.io/docs/home/', 'curl -sL https://k8s.io/docs/home/', []],
  ])('%s', (line, expected, paths) => {
    expect(withLocalExamples(line, '/ex')).toEqual({ line: expected, paths })
  })
  it('quotes a folder the shell would split', () => {
    expect(withLocalExamples('kubectl apply -f https://k8s.io/examples/pods/p.yaml', '/my examples').line).toBe(
      "kubectl apply -f $'/my examples/pods/p.yaml'",
    )
  })
})

describe('--examples on the corpus', () => {
  it.each(['memory-default-namespace', 'quota-pod-namespace', 'run-stateless-application-deployment', 'get-shell-running-container'])(
    '%s: every example line runs the local file, noted as written; without it, lines run as written',
    async (slug) => {
      const page = join(docs, slug, 'page.md')
      const asWritten = await loadWalkthrough(walkthroughs, page, {})
      const local = await loadWalkthrough(walkthroughs, page, {}, { examples })
      const written = asWritten.steps.map((s) => commandOf(s, listing))
      expect(written.some((c) => URL_IN_LINE.test(c))).toBe(true)
      local.steps.forEach((s, i) => {
        const before = written[i] as string
        const after = commandOf(s, listing)
        const { line, paths } = withLocalExamples(before, examples)
        expect(after).toBe(line)
        expect(after).not.toMatch(URL_IN_LINE)
        for (const p of paths) expect(existsSync(join(examples, p))).toBe(true)
        if (paths.length > 0)
          expect(s.notes?.at(-1)).toBe(`--examples: reads ${paths.map((p) => join(examples, p)).join(', ')}; as written: ${before}`)
        else expect(s.notes).toEqual(asWritten.steps[i]?.notes)
      })
    },
  )
  it('a file the folder does not hold, in a folder it has, runs and is noted: the page names an example that is gone', async () => {
    // namespaces-walkthrough (2019) names admin/namespace-dev.json, which kubernetes/website#37529 replaced with .yaml.
    const dir = await testDir('kubewalk-examples-')
    await mkdir(join(dir, 'admin', 'resource'), { recursive: true })
    await writeFile(join(dir, 'admin', 'resource', 'memory-defaults.yaml'), 'kind: LimitRange\n')
    const w = await loadWalkthrough(walkthroughs, join(docs, 'memory-default-namespace', 'page.md'), {}, { examples: dir })
    const present = w.steps.find((s) => commandOf(s, listing).includes('memory-defaults.yaml'))
    const absent = w.steps.find((s) => commandOf(s, listing).includes('memory-defaults-pod.yaml'))
    expect(commandOf(absent!, listing)).toBe(`kubectl apply -f ${dir}/admin/resource/memory-defaults-pod.yaml --namespace=default-mem-example`)
    expect(absent?.notes?.at(-1)).toMatch(
      /^--examples: reads .*memory-defaults-pod\.yaml; it holds no admin\/resource\/memory-defaults-pod\.yaml: the line reads a path that is not there, as the URL is not there for an example kubernetes\/website has renamed or removed; as written: kubectl apply -f https:\/\/k8s\.io\/examples\/admin\/resource\/memory-defaults-pod\.yaml/,
    )
    expect(present?.notes?.at(-1)).not.toMatch(/holds no/)
  })
  it('a file in a folder the examples folder lacks is exit 2 before anything runs: it is not an examples folder', async () => {
    const dir = await testDir('kubewalk-examples-')
    await mkdir(join(dir, 'pods'), { recursive: true })
    const e = await loadWalkthrough(walkthroughs, join(docs, 'memory-default-namespace', 'page.md'), {}, { examples: dir }).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(KubewalkError)
    expect((e as KubewalkError).code).toBe('E_USAGE')
    expect((e as Error).message).toBe(
      `--examples ${dir}: it has no admin/resource/ folder for admin/resource/memory-defaults.yaml (step 02 create-a-limitrange-and-a reads https://k8s.io/examples/admin/resource/memory-defaults.yaml); give a checkout's content/en/examples.`,
    )
  })
  it("a file where the example's folder should be is exit 2 too", async () => {
    const dir = await testDir('kubewalk-examples-')
    await mkdir(join(dir, 'admin'), { recursive: true })
    await writeFile(join(dir, 'admin', 'resource'), 'not a folder\n')
    const e = await loadWalkthrough(walkthroughs, join(docs, 'memory-default-namespace', 'page.md'), {}, { examples: dir }).catch((x: unknown) => x)
    expect((e as KubewalkError).code).toBe('E_USAGE')
    expect((e as Error).message).toMatch(/it has no admin\/resource\/ folder for admin\/resource\/memory-defaults\.yaml/)
  })
  it('a folder that is not there is exit 2', async () => {
    await expect(loadWalkthrough(walkthroughs, undefined, {}, { examples: '/nonexistent/examples' })).rejects.toThrow(
      '--examples /nonexistent/examples: no such folder',
    )
  })
  it('overrides the examples folder found above the page for its file shortcodes', async () => {
    const dir = await testDir('kubewalk-examples-')
    await mkdir(join(dir, 'pods'), { recursive: true })
    await writeFile(join(dir, 'pods', 'commands.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: mine\n')
    const page = join(docs, 'define-command-argument-container', 'page.md')
    const found = await loadWalkthrough(walkthroughs, page, {})
    const given = await loadWalkthrough(walkthroughs, page, {}, { examples: dir })
    const file = (w: typeof found): unknown => w.steps.flatMap((s) => s.files ?? []).find((f) => f.name === 'pods/commands.yaml')?.content
    expect(file(found)).toContain('name: "command-demo"')
    expect(file(given)).toBe('apiVersion: v1\nkind: Pod\nmetadata:\n  name: mine\n')
  })
  it("a typed walkthrough's lines are read the same way (none of the article's names an example)", async () => {
    const w = await loadWalkthrough(walkthroughs, 'article', {}, { examples })
    const plain = await loadWalkthrough(walkthroughs, 'article', {})
    expect(w.steps.map((s) => commandOf(s, listing))).toEqual(plain.steps.map((s) => commandOf(s, listing)))
  })
})
