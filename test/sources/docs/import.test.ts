// kubewalk import of real docs pages (test/fixtures/docs/): the title, the requirement, the prose in the
// page's order, outputs as recordings (checks drafted from them), lines typed in a container as steps in
// that container, example files as file blocks; and the imported Markdown runs the page's lines.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { commandOf } from '../../../src/core/step.js'
import { readDocsArticle } from '../../../src/sources/docs/import.js'
import { readDocsPage } from '../../../src/sources/docs/read.js'
import { parseAnnotation } from '../../../src/sources/markdown/annotations.js'
import { markdownWalkthrough } from '../../../src/sources/markdown/index.js'
import { draftChecks, toMarkdown, toTypedFolder } from '../../../src/sources/markdown/import.js'
import { parseMarkdown } from '../../../src/sources/markdown/parse.js'
import { draftSteps } from '../../../src/sources/markdown/steps.js'

const file = (slug: string): string => fileURLToPath(new URL(`../../fixtures/docs/${slug}/page.md`, import.meta.url))
const listing = { cluster: { name: 'c', server: '' }, namespace: 'default' }
const imported = (slug: string) => {
  const source = readFileSync(file(slug), 'utf8')
  const article = readDocsArticle(file(slug), source)
  const md = toMarkdown(article, { id: 'x', title: article.title ?? slug })
  return { source, article, md, page: readDocsPage(file(slug), source) }
}

describe('import of get-shell-running-container', () => {
  const { article, md, page } = imported('get-shell-running-container')
  it('keeps the title, and the prose in the order of the page', () => {
    expect(article.title).toBe('Get a Shell to a Running Container')
    const headings = page.items.filter((i) => i.kind === 'heading').map((i) => (i as { text: string }).text)
    const written = [...md.matchAll(/^#{2,6} (.*)$/gm)].map((m) => m[1] as string)
    expect(written.filter((h) => headings.includes(h))).toEqual(headings)
    expect(md.indexOf('Create the Pod:')).toBeLessThan(md.indexOf('kubectl apply -f https://k8s.io/examples/application/shell-demo.yaml'))
  })
  it('keeps the lines typed in the container as in-container steps (a block with no output between its lines one step, as when the page is run), and the exec line as prose', () => {
    const container = article.steps.filter((s) => s.container !== undefined)
    expect(container.map((s) => s.command)).toEqual([
      'ls /',
      'ls /\ncat /proc/mounts\ncat /proc/1/maps\napt-get update\napt-get install -y tcpdump\ntcpdump\napt-get install -y lsof\nlsof\napt-get install -y procps\nps aux\nps aux | grep nginx',
      'echo Hello shell demo > /usr/share/nginx/html/index.html',
      'apt-get update\napt-get install curl\ncurl localhost',
    ])
    const run = markdownWalkthrough(file('get-shell-running-container'), readFileSync(file('get-shell-running-container'), 'utf8'))
    expect(container.map((s) => s.command)).toEqual(run.steps.filter((s) => s.container !== undefined).map((s) => s.command))
    expect(container.every((s) => s.container?.pod === 'shell-demo')).toBe(true)
    expect(md).toContain('<!-- kubewalk: in shell-demo -->\n\n```bash\nls /\n```')
    expect(md).toContain('`kubectl exec -it shell-demo -- /bin/bash` opens a shell in Pod shell-demo')
    expect(md).not.toMatch(/```bash\nkubectl exec -it shell-demo -- \/bin\/bash\n```/)
  })
  it('writes the example file as a file block, and the Markdown reads back into the same lines, in and out of the container', () => {
    expect(md).toContain('<!-- kubewalk: file application/shell-demo.yaml -->\n\n```yaml\napiVersion: v1\nkind: Pod\n')
    const drafts = draftSteps(parseMarkdown('x.md', md))
    expect(drafts.map((d) => d.command)).toEqual(article.steps.map((s) => s.command))
    expect(drafts.map((d) => d.annotations.in?.pod)).toEqual(article.steps.map((s) => s.container?.pod))
    expect(drafts[0]?.files.map((f) => f.name)).toEqual(['application/shell-demo.yaml'])
  })
})

describe('import of automated-tasks-with-cron-jobs', () => {
  const { article, md, page } = imported('automated-tasks-with-cron-jobs')
  it("min-kubernetes-server-version becomes the front matter's requirement", () => {
    expect(article.requires).toEqual({ kubernetes: '1.8' })
    expect(md).toMatch(/^requires:\n {2}kubernetes: "1\.8"$/m)
    // The page reads its Job's logs (`kubectl logs $pods`): a node must run the Pod.
    expect(markdownWalkthrough('x.md', md).requires).toEqual({ kubernetes: '1.8', node: true })
  })
  it("the page's host lines run as written, with their outputs as recordings; a watch runs in the background", () => {
    const w = markdownWalkthrough('x.md', md)
    const host = page.items.filter((i) => i.kind === 'command').map((i) => (i as { text: string }).text)
    expect(w.steps.map((s) => commandOf(s, listing))).toEqual(host)
    const watch = w.steps.find((s) => commandOf(s, listing) === 'kubectl get jobs --watch')
    expect(watch?.background).toBeDefined()
    expect(md).toContain('<!-- kubewalk: background -->\n\n```bash\nkubectl get jobs --watch\n```')
    const recorded = w.recorded?.() ?? {}
    expect(Object.keys(recorded).length).toBe(article.steps.filter((s) => s.recording !== undefined).length)
    expect(Object.keys(recorded).length).toBeGreaterThan(3)
  })
  it('drafts checks from the recordings, as for pasted text (--typed)', () => {
    const create = article.steps.find((s) => s.command.startsWith('kubectl create -f'))
    expect(create?.recording).toBe('cronjob.batch/hello created')
    expect(draftChecks(create as never)).toEqual(['{ contains: "cronjob.batch/hello created" }'])
    const files = toTypedFolder(article, { id: 'cron', title: 'cron' })
    expect(Object.values(files).some((f) => f.includes('checks: [{ contains: "cronjob.batch/hello created" }]'))).toBe(true)
    const watch = Object.values(files).find((f) => f.includes('command: `kubectl get jobs --watch`'))
    expect(watch).toContain('command: `kubectl get jobs --watch`,\n  background: true,')
  })
})

it('the in directive: POD, and POD container C; any other form names its own', () => {
  expect(parseAnnotation('in shell-demo', 'f.md', 3).in).toEqual({ pod: 'shell-demo' })
  expect(parseAnnotation('in redis container sidecar', 'f.md', 3).in).toEqual({ pod: 'redis', container: 'sidecar' })
  expect(() => parseAnnotation('in', 'f.md', 3)).toThrow('f.md:3: "in": the form is "in POD [container C]".')
  expect(() => parseAnnotation('in a b', 'f.md', 3)).toThrow('the form is "in POD [container C]"')
})

it('an in-container step of the imported Markdown runs in that container, never on the host', () => {
  const { md } = imported('get-shell-running-container')
  const w = markdownWalkthrough('x.md', md)
  const ls = w.steps.find((s) => commandOf(s, listing) === 'ls /')
  expect(ls?.container).toEqual({ pod: 'shell-demo' })
})

describe('import of update-api-object-kubectl-patch', () => {
  // Its last block follows "The following commands are equivalent:" with four forms of one patch.
  const { article, md } = imported('update-api-object-kubectl-patch')
  const last = article.steps.slice(-4)

  it('keeps the first of the equivalent forms as a step to run, and the others as shown with the reason', () => {
    expect(last[0]?.command).toBe('kubectl patch deployment patch-demo --patch-file patch-file.yaml')
    expect(last[0]?.manual).toBeUndefined()
    const first = article.steps.length - 3
    for (const s of last.slice(1))
      expect(s.manual).toBe(
        `an equivalent form of step ${String(first).padStart(2, '0')} the page offers ("The following commands are equivalent"): a reader runs one`,
      )
  })

  it('writes them so that the imported walkthrough runs the first form only', () => {
    expect(md).toContain('<!-- kubewalk: manual an equivalent form of step')
    const steps = markdownWalkthrough('x.md', md).steps.slice(-4)
    expect(steps.map((s) => s.manual === undefined)).toEqual([true, false, false, false])
  })
})

describe('import of define-command-argument-container', () => {
  const { md } = imported('define-command-argument-container')
  it('a block the page only shows (a fragment of a manifest in a shell fence) is no step when the Markdown is read back', () => {
    expect(md).toContain('<!-- kubewalk: skip -->\n\n```shell\ncommand: ["/bin/sh"]')
    const steps = markdownWalkthrough('x.md', md).steps.map((s) => commandOf(s, listing))
    expect(steps.some((c) => c.startsWith('command:'))).toBe(false)
    expect(steps).toEqual(
      markdownWalkthrough(file('define-command-argument-container'), readFileSync(file('define-command-argument-container'), 'utf8')).steps.map((s) =>
        commandOf(s, listing),
      ),
    )
  })
})
