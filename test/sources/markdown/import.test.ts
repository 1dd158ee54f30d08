// kubewalk import on the seed article (when ../shared/article/article.txt is there) and on a short
// excerpt of our own in the same shape (test/fixtures/markdown/pasted-excerpt.txt).
import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { readArticle, readPasted, toMarkdown, withoutSignatures } from '../../../src/sources/markdown/import.js'
import { markdownWalkthrough } from '../../../src/sources/markdown/index.js'
import { compareWithRecording, terminalText } from '../../../src/sources/markdown/checks.js'
import { commandOf } from '../../../src/core/step.js'
import { article } from '../../../steps/index.js'
import { captureIo } from '../../helpers.js'
import { createCli } from '../../../src/faces/cli.js'
import { walkthroughs } from '../../../walkthroughs/index.js'

const ARTICLE = new URL('../../../../shared/article/article.txt', import.meta.url)
const excerpt = readFileSync(new URL('../../fixtures/markdown/pasted-excerpt.txt', import.meta.url), 'utf8')
const listing = { cluster: { name: 'some_server_name', server: '' }, namespace: 'default' }

const present = existsSync(ARTICLE)
describe.runIf(present)('the seed article', () => {
  // A skipped describe's body still runs while tests are collected: read the article only where it is.
  const text = present ? readFileSync(ARTICLE, 'utf8') : ''
  const imported = present ? readArticle('article.txt', text) : (undefined as never)
  const w = present ? markdownWalkthrough('article.md', toMarkdown(imported, { id: 'imported-article', title: 'imported' })) : (undefined as never)

  it('gives the 14 command lines `kubewalk list --walkthrough article --json` prints, in order, verbatim', async () => {
    const io = captureIo()
    expect(await createCli(walkthroughs)(['list', '--walkthrough', 'article', '--json'], io.sinks)).toBe(0)
    const listed = (JSON.parse(io.out()) as { steps: { command: string }[] }).steps.map((s) => s.command)
    expect(listed).toHaveLength(14)
    expect(w.steps.map((s) => commandOf(s, listing))).toEqual(listed)
  })

  it('finds the placeholder (shown as template and as run), the secret, and folds the echo lines', () => {
    expect(imported.choose).toEqual({
      CLUSTER_NAME: { describe: 'the value to put in place of "some_server_name"', from: 'cluster', recorded: 'test' },
    })
    expect(imported.secrets).toEqual(['TOKEN'])
    expect(imported.steps.some((s) => s.command.startsWith('echo'))).toBe(false)
    expect(w.vars.map((v) => [v.name, v.secret])).toEqual([
      ['CLUSTER_NAME', false],
      ['APISERVER', false],
      ['TOKEN', true],
    ])
    // the heredoc is kept whole
    expect(w.steps[7]?.command).toContain('\nEOF')
  })

  it('its recordings show no real drift against article/recorded/', () => {
    const recorded = w.recorded?.() ?? {}
    const typed = article.recorded?.() ?? {}
    const real = article.steps.flatMap((typedStep, i) => {
      const step = w.steps[i]
      const mine = step ? recorded[step.id] : undefined
      const theirs = typed[typedStep.id]
      if (!mine || !theirs) return [`${typedStep.id}: ${mine ? '' : 'no imported recording'}${theirs ? '' : 'no typed recording'}`]
      const text = theirs.captured ?? terminalText(theirs)
      return compareWithRecording(typedStep.id, mine.captured ?? mine.stdout, text, { stdout: theirs.captured ?? theirs.stdout })
        .items.filter((d) => d.kind === 'real')
        .map((d) => `${typedStep.id}: ${d.path} ${d.note}`)
    })
    expect(real).toEqual([])
    expect(Object.keys(recorded)).toHaveLength(14)
  })

  it('keeps no JWT signature in what it writes', () => {
    const md = toMarkdown(imported, { id: 'x', title: 'x' })
    expect(md).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]{8,}/)
  })
})

describe('a pasted excerpt in the same shape', () => {
  const imported = readPasted(excerpt)
  it.each([
    [0, 'export CLUSTER="your_cluster_name"', 'kind-demo'],
    [1, 'SERVER=$(kubectl config view -o jsonpath="{.clusters[?(@.name==\\"$CLUSTER\\")].cluster.server}")', 'https://127.0.0.1:40123'],
    [
      2,
      'kubectl apply -f - <<EOF\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\ndata:\n  greeting: hello\nEOF',
      'configmap/demo created',
    ],
    [3, 'kubectl get configmaps demo', 'NAME   DATA   AGE\ndemo   1      3s'],
    [
      4,
      'T=$(kubectl create token default)',
      'eyJhbGciOiJSUzI1NiIsImtpZCI6IngifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDpkZWZhdWx0In0.c2lnbmF0dXJlLW5vdC1yZWFs',
    ],
    [5, 'curl -s $SERVER/version --header "Authorization: Bearer $T" --insecure', '{\n  "major": "1",\n  "minor": "30"\n}'],
  ])('step %i: %s', (i, command, recording) => {
    expect(imported.steps[i]?.command).toBe(command)
    expect(imported.steps[i]?.recording).toBe(recording)
  })
  it("has six steps, a placeholder by its value's shape and a template, a secret, and a title from a comment", () => {
    expect(imported.steps).toHaveLength(6)
    expect(imported.choose.CLUSTER).toEqual({ describe: 'the value to put in place of "your_cluster_name"', from: 'cluster', recorded: 'kind-demo' })
    expect(imported.secrets).toEqual(['T'])
    expect(imported.steps[4]?.title).toBe('Mint a token')
  })
  it('round-trips into a walkthrough whose placeholder line takes --set, the environment or the default', () => {
    const w = markdownWalkthrough('excerpt.md', toMarkdown(imported, { id: 'excerpt', title: 'Excerpt' }))
    const first = w.steps[0]
    if (!first) throw new Error('no step')
    expect(commandOf(first, { ...listing, cluster: { name: 'lab', server: '' } })).toBe('export CLUSTER="lab"')
    expect(commandOf(first, { ...listing, vars: { CLUSTER: "it's mine" } })).toBe(`export CLUSTER=$'it\\'s mine'`)
    expect(w.steps.map((s) => s.id)).toHaveLength(6)
  })
})

it('a JWT loses its signature, also base64-encoded; other text stays', () => {
  const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'
  expect(withoutSignatures(`a ${jwt} b`)).toBe('a eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0. b')
  const b64 = Buffer.from(jwt).toString('base64')
  expect(Buffer.from(withoutSignatures(b64), 'base64').toString()).toBe('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.')
  expect(withoutSignatures('ZGVmYXVsdA==')).toBe('ZGVmYXVsdA==')
})

describe('import --typed', () => {
  it('writes index.ts and one step file per command: the line verbatim, its recording, checks drafted from it; the folder loads as a walkthrough', async () => {
    const { mkdtemp, readFile, rm } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const { loadWalkthrough } = await import('../../../src/sources/load/index.js')
    const dir = await mkdtemp(join(tmpdir(), 'kubewalk-typed-'))
    try {
      const io = captureIo()
      const src = new URL('../../fixtures/markdown/pasted-excerpt.txt', import.meta.url).pathname
      expect(await createCli(walkthroughs)(['import', src, '--typed', '--out', join(dir, 'w')], io.sinks)).toBe(0)
      expect(io.err()).toMatch(/wrote .*: index.ts and 6 step files; values to choose: --set CLUSTER=VALUE/)
      const apply = await readFile(join(dir, 'w/steps/03-make-a-configmap.ts'), 'utf8')
      expect(apply).toContain(
        'command: `kubectl apply -f - <<EOF\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\ndata:\n  greeting: hello\nEOF`,',
      )
      expect(apply).toContain('recording: `configmap/demo created`,')
      expect(apply).toContain('checks: [{ contains: "configmap/demo created" }],')
      const server = await readFile(join(dir, 'w/steps/02-read-the-server-url.ts'), 'utf8')
      // The line's backslashes and `$` survive the template literal byte for byte.
      expect(server).toContain('command: `SERVER=$(kubectl config view -o jsonpath="{.clusters[?(@.name==\\\\"$CLUSTER\\\\")].cluster.server}")`,')
      const w = await loadWalkthrough([], join(dir, 'w'), { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') })
      expect(w.steps.map((s) => commandOf(s, { ...listing, vars: { CLUSTER: 'lab' } }))).toEqual([
        'export CLUSTER="lab"',
        'SERVER=$(kubectl config view -o jsonpath="{.clusters[?(@.name==\\"$CLUSTER\\")].cluster.server}")',
        'kubectl apply -f - <<EOF\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\ndata:\n  greeting: hello\nEOF',
        'kubectl get configmaps demo',
        'T=$(kubectl create token default)',
        'curl -s $SERVER/version --header "Authorization: Bearer $T" --insecure',
      ])
      expect(w.vars.find((v) => v.name === 'T')?.secret).toBe(true)
      // Its creating line is guarded at kubectl's arguments when it runs (src/engine/guard/), not by a rewritten line.
      expect(w.steps[2]?.guard).toBeUndefined()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
