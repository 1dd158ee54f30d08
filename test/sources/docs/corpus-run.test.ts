// The pure parts of the corpus harness (test/e2e/docs-corpus.test.ts), without a lab: every image has a recipe, every
// `fails` verdict names a line kubewalk compiles into a step, the mutation rule picks a value the environment does not
// decide, and the printenv stand-in script behaves like coreutils' printenv under busybox sh.
import { readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
import type { JsonReport } from '../../e2e/cli.js'
import { applyMutation, chooseMutation, CORPUS_DIR, loadCorpus, neededWords, planPage, stepHolding, type PagePlan } from '../../e2e/docs/corpus.js'
import { mergeRecipes, RECIPES, recipeFor } from '../../e2e/docs/stand-ins.js'

const corpus = loadCorpus()

const passedReport = (plan: PagePlan): JsonReport =>
  ({
    steps: plan.steps.map((s) => ({
      id: s.id,
      status: 'passed',
      assertions: s.recording ? [{ name: 'the output matches its recording', ok: true }] : [],
    })),
  }) as unknown as JsonReport

describe('the docs corpus harness', () => {
  it.each(corpus.pages.flatMap((p) => p.images.map((i) => [p.slug, i.image, i] as const)))('%s: %s has a stand-in recipe', (_, __, image) => {
    expect(recipeFor(image)?.run.length).toBeGreaterThan(0)
  })

  it.each(corpus.pages.filter((p) => p.expected.verdict === 'fails').map((p) => [p.slug, p] as const))(
    "%s: the verdict's failing line is a step when kubewalk reads the page",
    (slug, page) => {
      const plan = planPage(path.join(CORPUS_DIR, slug, 'page.md'), corpus.examplesDir)
      if (plan.error !== undefined) return // a page kubewalk does not read yet: the e2e run reports it
      expect(stepHolding(plan, (page.expected as { step: string }).step)).toBeDefined()
    },
  )

  it('changes a value the page records and the environment does not decide, and says where', () => {
    const file = path.join(CORPUS_DIR, 'define-environment-variable-container', 'page.md')
    const plan = planPage(file, corpus.examplesDir)
    const source = readFileSync(file, 'utf8')
    const m = chooseMutation(source, plan, passedReport(plan))
    // The READY count of `kubectl get pods`, not its age (9s) nor the header row.
    expect(m).toMatchObject({ stepId: 'kubectl-get-pods-l-purpose', value: '1', mutated: '2' })
    expect(m!.after).toBe(m!.before.replace('1/1', '2/1'))
    const mutated = applyMutation(source, m!).split('\n')
    expect(mutated[m!.line - 1]).toBe(m!.after)
    expect(mutated.filter((l, i) => l !== source.split('\n')[i])).toEqual([m!.after])
  })

  it("skips a value kubewalk's comparison calls the cluster's: a node's name and version (assign-pods-nodes), not its STATUS", () => {
    const file = path.join(CORPUS_DIR, 'assign-pods-nodes', 'page.md')
    const plan = planPage(file, corpus.examplesDir)
    const m = chooseMutation(readFileSync(file, 'utf8'), plan, passedReport(plan))
    expect(m).toMatchObject({ stepId: 'add-a-label-to-a', value: 'Ready', mutated: 'Readq' })
  })

  it('changes nothing when no compared output passed', () => {
    const plan = planPage(path.join(CORPUS_DIR, 'define-command-argument-container', 'page.md'), corpus.examplesDir)
    const report = passedReport(plan)
    for (const s of report.steps) s.assertions = []
    expect(chooseMutation('', plan, report)).toBeUndefined()
  })

  it.each([
    ['a LoadBalancer (a cloud provider to give the Service an external IP)', ['LoadBalancer']],
    ['metrics-server (the resource metrics API) for the HPA to read CPU', ['metrics-server']],
    ['internet access from the Pod (apt-get update; apt-get install procps inside the container)', ['internet']],
  ])('a needs verdict %s is named by %j', (what, words) => {
    expect(neededWords(what)).toEqual(words)
  })

  it('merges two recipes of one image: the serving entrypoint over an idle one, files and links of both', () => {
    const idle = { run: ['/bin/busybox', 'sleep', '3600'], files: { '/bin/printenv': 'p' } }
    const serving = { run: ['/bin/busybox', 'httpd', '-f', '-p', '8080'], files: { '/www/index.html': 'h' }, links: { '/bin/bash': 'busybox' } }
    for (const m of [mergeRecipes(idle, serving), mergeRecipes(serving, idle)])
      expect(m).toEqual({ run: serving.run, files: { '/bin/printenv': 'p', '/www/index.html': 'h' }, links: { '/bin/bash': 'busybox' } })
  })

  it('the printenv stand-in prints the values asked for (busybox sh), and fails for one that is unset', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kubewalk-printenv-'))
    try {
      const script = path.join(dir, 'printenv')
      await writeFile(script, RECIPES.debian!.files!['/usr/bin/printenv']!, { mode: 0o755 })
      const r = await execa('/bin/busybox', ['sh', script, 'A', 'B', 'NOPE'], { env: { A: 'a b', B: '' }, extendEnv: false, reject: false })
      expect([r.stdout, r.exitCode]).toEqual(['a b\n', 1])
      const all = await execa('/bin/busybox', ['sh', script], { env: { A: '1' }, extendEnv: false })
      expect(all.stdout).toContain('A=1')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
