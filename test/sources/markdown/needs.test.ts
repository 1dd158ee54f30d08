// What a page needs of the cluster, read off its lines: checked against the real corpus, whose verdicts were
// written by reading each page (test/fixtures/docs/corpus.json), and against small pages for each rule.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadMarkdownWalkthrough } from '../../../src/sources/markdown/index.js'
import type { NeedKind } from '../../../src/core/walkthrough.js'

const root = new URL('../../fixtures/docs/', import.meta.url).pathname
interface Page {
  slug: string
  expected: { verdict: 'passes' | 'fails' | 'needs'; what?: string }
}
const corpus = JSON.parse(await readFile(join(root, 'corpus.json'), 'utf8')) as { pages: Page[] }

// The corpus says what a page needs in words; these are the words for each kind.
const WORDS: [RegExp, NeedKind][] = [
  [/LoadBalancer/, 'load-balancer'],
  [/metrics-server/, 'metrics'],
  [/internet access from the Pod/, 'internet'],
  [/a person at the terminal/, 'terminal'],
]

describe('needs read off the corpus pages', () => {
  it.each(corpus.pages.map((p) => [p.slug, p] as const))('%s', async (slug, page) => {
    const w = await loadMarkdownWalkthrough(join(root, slug, 'page.md'), { examplesDir: join(root, 'examples') })
    const kinds = (w.requires?.needs ?? []).map((n) => n.kind)
    if (page.expected.verdict !== 'needs') {
      // A page a reader expects to run (or to fail on its own) is never refused for a need.
      expect(kinds).toEqual([])
      return
    }
    const want = WORDS.find(([re]) => re.test(page.expected.what ?? ''))?.[1]
    expect(kinds[0], page.expected.what).toBe(want)
  })
})

// Each small page in a folder of its own, removed when the file is done.
const temps: string[] = []
afterAll(() => Promise.all(temps.map((d) => rm(d, { recursive: true, force: true }))))

async function page(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kubewalk-needs-'))
  temps.push(dir)
  await writeFile(join(dir, 'page.md'), text)
  return join(dir, 'page.md')
}
const bash = (line: string): string => `\`\`\`bash\n${line}\n\`\`\`\n`

describe('each need, on a small page', () => {
  it.each([
    ['kubectl expose deployment web --type=LoadBalancer --port=80', 'load-balancer'],
    ['kubectl top pod', 'metrics'],
    ['kubectl -n demo top nodes', 'metrics'],
    ['kubectl autoscale deployment php-apache --cpu-percent=50 --min=1 --max=10', 'metrics'],
    ['kubectl exec redis -- apt-get update', 'internet'],
    ['curl -u user http://127.0.0.1:10080/login', 'terminal'],
  ] as const)('%s → %s', async (line, kind) => {
    const w = await loadMarkdownWalkthrough(await page(bash(line)))
    expect(w.requires?.needs?.map((n) => n.kind)).toEqual([kind])
    expect(w.requires?.needs?.[0]?.at).toMatch(/page\.md:2$/)
  })

  it.each([
    'kubectl get pods',
    'curl -u user:secret http://127.0.0.1/login',
    'kubectl expose deployment web --type=NodePort --port=80',
    'kubectl get --raw /apis/metrics.k8s.io',
    'echo top',
  ])('%s asks nothing', async (line) => {
    const w = await loadMarkdownWalkthrough(await page(bash(line)))
    expect(w.requires?.needs ?? []).toEqual([])
  })

  const claim =
    'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: c\nspec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n'
  it('a claim with no storageClassName needs a default StorageClass; with one, or beside its own PersistentVolume, it does not', async () => {
    const withClaim = (extra: string) => `Save as \`pvc.yaml\`:\n\n\`\`\`yaml\n${claim}${extra}\`\`\`\n\n${bash('kubectl apply -f pvc.yaml')}`
    expect((await loadMarkdownWalkthrough(await page(withClaim('')))).requires?.needs?.map((n) => n.kind)).toEqual(['default-storage'])
    expect((await loadMarkdownWalkthrough(await page(withClaim('  storageClassName: manual\n')))).requires?.needs ?? []).toEqual([])
    const pv =
      'apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: v\nspec:\n  capacity:\n    storage: 1Gi\n  accessModes: [ReadWriteOnce]\n  hostPath:\n    path: /tmp/v\n'
    const both = `Save as \`pv.yaml\`:\n\n\`\`\`yaml\n${pv}\`\`\`\n\n${bash('kubectl apply -f pv.yaml')}\n${withClaim('')}`
    expect((await loadMarkdownWalkthrough(await page(both))).requires?.needs ?? []).toEqual([])
  })

  it('a line that reads a running Pod needs a node; one that only stores objects does not', async () => {
    for (const line of [
      'kubectl logs web',
      'kubectl exec -it web -- sh',
      'kubectl port-forward pod/web 8080:80',
      'kubectl wait --for=condition=Ready pod/web',
    ])
      expect((await loadMarkdownWalkthrough(await page(bash(line)))).requires?.node, line).toBe(true)
    for (const line of ['kubectl create deployment web --image=nginx', 'kubectl get pods'])
      expect((await loadMarkdownWalkthrough(await page(bash(line)))).requires?.node, line).toBeUndefined()
  })
})
