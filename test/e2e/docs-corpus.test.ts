// The docs corpus (test/fixtures/docs/) run as published on one lab with a node, each page's verdict asserted:
// `passes` passes, `fails` fails at the page's own wrong line with a one-line reason, `needs` says what is missing in
// one line. Every page leaves the cluster's objects as it found them; in-container lines show as in-container; and a
// page that passes fails once one of its recorded values is changed (no false passes). Root only, never skipped in CI.
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_LAB_VERSION, ensureLabBinaries, ensureNode, labDown, labUp, type LabState } from '../../src/platform/lab/index.js'
import { cacheImage, cachedImages } from '../../src/platform/lab/node/image-cache.js'
import { canonicalImageName } from '../../src/platform/lab/node/mirror.js'
import { readNodeFile } from '../../src/platform/lab/node/state.js'
import { kubewalk, type CliRun, type JsonReport } from './cli.js'
import {
  applyMutation,
  chooseMutation,
  CORPUS_DIR,
  clusterObjects,
  loadCorpus,
  neededWords,
  objectDifference,
  planPage,
  stepHolding,
  summaryTable,
  verdictText,
  type CorpusPage,
  type PagePlan,
  type SummaryRow,
} from './docs/corpus.js'
import { buildStandIn, mergeRecipes, recipeFor } from './docs/stand-ins.js'
import { isCI } from './global-setup.js'

const version = process.env.KUBEWALK_LAB_VERSION || DEFAULT_LAB_VERSION
const root = process.getuid?.() === 0
if (!root && isCI()) throw new Error(`CI=${process.env.CI} but not root: the docs corpus needs a lab with a node and must not be skipped under CI`)

const corpus = loadCorpus()
const rows: SummaryRow[] = []

// The lines' traffic to anything but loopback and the lab's own range (the API server, Services, Pods: routed
// unreachable off this machine) goes to a proxy that is not there (port 9 on loopback), so a line that names a URL on
// the internet fails at once here, and no packet leaves the machine (Go and curl send NO_PROXY hosts directly).
const offline = (labRange: string): Record<string, string> => {
  const proxy = 'http://127.0.0.1:9'
  const direct = `localhost,127.0.0.1,::1,${labRange}`
  return { HTTPS_PROXY: proxy, HTTP_PROXY: proxy, https_proxy: proxy, http_proxy: proxy, NO_PROXY: direct, no_proxy: direct }
}

const oneLine = (s: string | undefined): boolean => s !== undefined && s.trim() !== '' && !s.trim().includes('\n')
const firstFailed = (r: JsonReport) => r.steps.find((s) => s.status === 'failed')
const parseReport = (run: CliRun): JsonReport | undefined => {
  try {
    return JSON.parse(run.stdout) as JsonReport
  } catch {
    return undefined
  }
}
/** What a run came to, in one phrase for the summary. */
function outcome(run: CliRun, report: JsonReport | undefined): string {
  if (report === undefined) return `exit ${run.exitCode}: ${run.stderr.trim().split('\n').at(-1) ?? ''}`.slice(0, 220)
  if (report.ok) return 'passes'
  const f = firstFailed(report)
  if (f === undefined) return `${report.status} (no step failed; exit ${run.exitCode})`
  return `fails at ${f.id}: ${(f.error?.message ?? f.assertions.find((a) => !a.ok)?.name ?? '').split('\n')[0]}`.slice(0, 220)
}

/** Why a run misses the page's verdict, or undefined when it reaches it. */
function verdictMissed(v: CorpusPage['expected'], r: CliRun, report: JsonReport | undefined, plan: PagePlan): string | undefined {
  if (v.verdict === 'passes') {
    // A step skipped with its reason (a line the reader does by hand, an alternative, a condition the reader is not in)
    // is reported, not failed: the page passes when every step that runs passes.
    const failed = report?.steps
      .filter((s) => s.status !== 'passed' && s.status !== 'skipped')
      .map((s) => `${s.id}: ${s.error?.message ?? s.status}`) ?? ['no report']
    if (failed.length > 0 || r.exitCode !== 0) return `expected to pass; exit ${r.exitCode}: ${failed.join('; ')}`
    return undefined
  }
  if (v.verdict === 'fails') {
    const at = stepHolding(plan, v.step)
    if (at === undefined) return `no step holds \`${v.step}\``
    const failed = report && firstFailed(report)
    if (failed?.id !== at.id) return `expected to fail at ${at.id}; failed at ${failed?.id ?? `nothing (exit ${r.exitCode})`}`
    if (!oneLine(failed.error?.message)) return `the reason is not one line: ${failed.error?.message}`
    return r.exitCode === 1 ? undefined : `exit ${r.exitCode}, not 1`
  }
  // Said before any step (a precondition, exit 2), or the step that needs it fails saying so, in one line.
  const said = report === undefined ? r.stderr.trim() : (firstFailed(report)?.error?.message ?? '')
  if (!oneLine(said)) return `not one line: ${said}`
  const words = neededWords(v.what)
  return words.some((w) => said.toLowerCase().includes(w.toLowerCase())) ? undefined : `does not name ${words.join(' or ')}: ${said}`
}

describe.skipIf(!root)(`the docs corpus, as published, on a lab with a node (${version})`, () => {
  let parent = ''
  let dir = ''
  let state: LabState
  let kubectl = ''
  let examplesArgs: string[] = []
  let env: Record<string, string> = {}
  // The objects after one page are the next page's before (a snapshot costs seconds on a loaded machine).
  let objects: string[] | undefined
  const added: string[] = []
  const began = performance.now()

  beforeAll(async () => {
    const binaries = await ensureLabBinaries({ version })
    const node = await ensureNode(binaries)
    kubectl = binaries.kubectl
    parent = await mkdtemp(path.join(tmpdir(), 'kubewalk-corpus-e2e-'))
    dir = path.join(parent, 'lab')
    // Every image a page names, built once from its recipe, in kubewalk's image cache under the name the page uses.
    const recipes = new Map<string, { image: string; recipe: NonNullable<ReturnType<typeof recipeFor>> }>()
    for (const p of corpus.pages)
      for (const i of p.images) {
        const recipe = recipeFor(i)
        if (recipe === undefined) throw new Error(`${p.slug}: image ${i.image} has no recipe (corpus.json, or RECIPES in test/e2e/docs/stand-ins.ts)`)
        const known = recipes.get(canonicalImageName(i.image))
        if (known !== undefined && JSON.stringify(known.recipe) !== JSON.stringify(recipe)) {
          known.recipe = mergeRecipes(known.recipe, recipe)
          process.stderr.write(`[corpus] ${i.image}: ${p.slug} gives another recipe; merged (entrypoint ${known.recipe.run.join(' ')})\n`)
        } else if (known === undefined) recipes.set(canonicalImageName(i.image), { image: i.image, recipe })
      }
    const cachedBefore = new Set((await cachedImages()).map((c) => c.file))
    const t = performance.now()
    for (const { image, recipe } of recipes.values()) {
      const cached = await cacheImage(await buildStandIn(path.join(parent, 'images'), image, recipe))
      if (!cachedBefore.has(cached.file)) added.push(cached.file)
    }
    process.stderr.write(`[corpus] ${recipes.size} stand-in images built in ${((performance.now() - t) / 1000).toFixed(1)} s\n`)
    const up = performance.now()
    state = await labUp({ dir, binaries, node, onProgress: (line) => process.stderr.write(`[corpus lab] ${line}\n`) })
    env = offline((await readNodeFile(dir))!.network.range)
    process.stderr.write(`[corpus lab] ready in ${((performance.now() - up) / 1000).toFixed(1)} s\n`)
    // The finished CLI has --examples (k8s.io/examples/P read from DIR/P); without it those lines fail offline.
    if ((await kubewalk(['run', '--help'])).stdout.includes('--examples')) examplesArgs = ['--examples', corpus.examplesDir]
    else process.stderr.write('[corpus] this kubewalk has no --examples: lines naming https://k8s.io/examples/ fail offline\n')
  }, 1_200_000)

  afterAll(async () => {
    if (dir) await labDown({ dir })
    if (parent) await rm(parent, { recursive: true, force: true })
    for (const f of added) await rm(f, { force: true })
    const table = summaryTable(rows)
    const passing = corpus.pages.filter((p) => p.expected.verdict === 'passes').map((p) => p.slug)
    const passed = rows.filter((r) => r.reached === true && passing.includes(r.page)).length
    const reached = rows.filter((r) => r.reached === true).length
    const total = `${rows.length} pages in ${((performance.now() - began) / 1000).toFixed(0)} s (lab and images included); ${reached} reached their verdict; of the ${passing.length} pages a reader expects to pass, ${passed} passed`
    process.stderr.write(`\n${table}\n${total}\n`)
    if (process.env.KUBEWALK_CORPUS_REPORT === 'docs') {
      const doc = fileURLToPath(new URL('../../docs/corpus.md', import.meta.url))
      await writeFile(
        doc,
        `# The docs corpus on the lab\n\nWritten by \`KUBEWALK_CORPUS_REPORT=docs\` running test/e2e/docs-corpus.test.ts (${version}, ${new Date().toISOString().slice(0, 10)}): each page of test/fixtures/docs/ run as published, its expected verdict, what the run came to, and the recorded value changed to show it is not a false pass.\n\n${table}\n\n${total}\n`,
      )
    }
  }, 300_000)

  /** Runs a page file through the CLI as a user would. */
  const run = (file: string, extra: string[] = []): Promise<CliRun> =>
    kubewalk(['run', '--walkthrough', file, '--kubeconfig', state.kubeconfig, '--reporter', 'json', ...examplesArgs, ...extra], env, 280_000)

  /** The objects after a page, given a minute for what is being deleted (a Pod terminating) to go. */
  async function settledObjects(before: string[]): Promise<string[]> {
    let after = await clusterObjects(kubectl, state.kubeconfig)
    for (let i = 0; i < 30 && (objectDifference(before, after).left.length > 0 || objectDifference(before, after).gone.length > 0); i++) {
      await sleep(2_000)
      after = await clusterObjects(kubectl, state.kubeconfig)
    }
    return after
  }

  it.each(corpus.pages.map((p) => [p.slug, verdictText(p.expected), p] as const))(
    '%s %s',
    async (slug, expected, page: CorpusPage) => {
      const t = performance.now()
      const file = path.join(CORPUS_DIR, slug, 'page.md')
      const row: SummaryRow = { page: slug, expected, got: '', seconds: 0 }
      rows.push(row)
      const plan = planPage(file, corpus.examplesDir)
      const before = objects ?? (await clusterObjects(kubectl, state.kubeconfig))
      // A tutorial run from its own folder (the workshop labs' kubernetes/) starts in a copy of it.
      const workdir = [...(page.workdir !== undefined ? ['--workdir', path.join(CORPUS_DIR, page.workdir)] : []), ...(page.args ?? [])]
      const r = await run(file, workdir)
      const report = parseReport(r)
      row.got = outcome(r, report)
      row.seconds = (performance.now() - t) / 1000
      process.stderr.write(`[corpus] ${slug}: expected ${expected}; got ${row.got} (${row.seconds.toFixed(1)} s)\n`)

      // 0 objects left, whatever the verdict.
      objects = await settledObjects(before)
      const diff = objectDifference(before, objects)
      expect.soft(diff, 'objects the page left behind or removed').toEqual({ left: [], gone: [] })

      // Lines the page types inside a container are reported as in-container, never run on the host.
      const onHost = plan.inContainer
        .filter((l) => l.pod !== undefined)
        .filter((l) => {
          const step = report?.steps.find((s) => s.command.split('\n').some((c) => c.trim() === l.text.trim()))
          // A line whose step never ran (the page stopped before it, or was refused before step 01) ran nowhere.
          if (step === undefined || step.status === 'skipped' || step.attempts === 0) return false
          return (step as { container?: { pod?: string } }).container?.pod !== l.pod
        })
      expect
        .soft(
          onHost.map((l) => `page.md:${l.line} (in ${l.pod}): ${l.text}`),
          'in-container lines not reported in their container',
        )
        .toEqual([])

      expect(plan.error, 'kubewalk reads the page').toBeUndefined()
      const v = page.expected
      const missed = verdictMissed(v, r, report, plan)
      row.reached = missed === undefined
      if (page.gap !== undefined) {
        // A known gap: the verdict is not asserted (some gaps are timing: a Deployment read before its Pods are
        // available), only counted; the objects and in-container checks above still hold. A gap that closes is said.
        if (missed === undefined) process.stderr.write(`[corpus] ${slug} reached its verdict: its gap may be closed ("${page.gap}")\n`)
        return
      }
      expect(missed, `${slug}: ${missed ?? ''}`).toBeUndefined()

      // 0 false passes: one recorded value changed (the rule in chooseMutation), the run to that step fails there.
      if (v.verdict === 'passes' && report?.ok === true) {
        const source = await readFile(file, 'utf8')
        const m = chooseMutation(source, plan, report)
        // A page that shows no output has no recorded value to change: its pass says only that every line ran.
        if (m === undefined) {
          row.mutation = 'none: the page records no output to compare'
          expect(
            plan.steps.some((s) => s.recording !== undefined),
            'a page with recorded output has a value to change',
          ).toBe(false)
          return
        }
        row.mutation = `${m.stepId} (page.md:${m.line}): ${m.value} → ${m.mutated}`
        // The copy sits beside an `examples` link, where the docs reader looks for the page's example files.
        const copyDir = path.join(parent, 'mutated', slug)
        await mkdir(copyDir, { recursive: true })
        await symlink(corpus.examplesDir, path.join(parent, 'mutated', 'examples')).catch(() => undefined)
        await writeFile(path.join(copyDir, 'page.md'), applyMutation(source, m))
        const before2 = objects
        const mr = await run(path.join(copyDir, 'page.md'), ['--to', m.stepId, ...workdir])
        const mutated = parseReport(mr)
        row.mutation += ` → ${mutated ? outcome(mr, mutated) : `exit ${mr.exitCode}`}`
        row.seconds = (performance.now() - t) / 1000
        process.stderr.write(`[corpus] ${slug} mutated: ${row.mutation}\n`)
        const failed = mutated && firstFailed(mutated)
        expect(failed?.id, `the mutated run fails at ${m.stepId}`).toBe(m.stepId)
        // …because of the changed value: a failed check expects it (not a line that failed on its own, a Pod not ready yet).
        // The changed value is what a failed check expects, or, for a changed key, the path a failed check names.
        const expects = failed?.assertions.filter((a) => !a.ok).map((a) => `${a.name} ${JSON.stringify(a.expected ?? '')}`) ?? []
        expect(
          expects.some((e) => e.includes(m.mutated)),
          `a failed check expects ${m.mutated}: ${expects.join('; ')}`,
        ).toBe(true)
        expect(mr.exitCode).toBe(1)
        objects = await settledObjects(before2)
        expect(objectDifference(before2, objects), 'objects the mutated run left behind').toEqual({ left: [], gone: [] })
      }
    },
    900_000,
  )
})
