// kubewalk import on the seed article (when ../shared/article/article.txt is there) and on a short
// excerpt of our own in the same shape (test/fixtures/markdown/pasted-excerpt.txt).
import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { readArticle, readPasted, toMarkdown, withoutSignatures } from '../../src/markdown/import.js'
import { markdownWalkthrough } from '../../src/markdown/index.js'
import { compareWithRecording, terminalText } from '../../src/markdown/checks.js'
import { commandOf } from '../../src/step.js'
import { article } from '../../steps/index.js'
import { captureIo } from '../helpers.js'
import { createCli } from '../../src/cli.js'
import { walkthroughs } from '../../walkthroughs/index.js'

const ARTICLE = new URL('../../../shared/article/article.txt', import.meta.url)
const excerpt = readFileSync(new URL('../fixtures/markdown/pasted-excerpt.txt', import.meta.url), 'utf8')
const listing = { cluster: { name: 'some_server_name', server: '' }, namespace: 'default' }

describe.runIf(existsSync(ARTICLE))('the seed article', () => {
  const text = existsSync(ARTICLE) ? readFileSync(ARTICLE, 'utf8') : ''
  const imported = readArticle('article.txt', text)
  const w = markdownWalkthrough('article.md', toMarkdown(imported, { id: 'imported-article', title: 'imported' }))

  it('gives the 14 command lines `kubewalk list --walkthrough article --json` prints, in order, verbatim', async () => {
    const io = captureIo()
    expect(await createCli(walkthroughs)(['list', '--walkthrough', 'article', '--json'], io.sinks)).toBe(0)
    const listed = (JSON.parse(io.out()) as { steps: { command: string }[] }).steps.map((s) => s.command)
    expect(listed).toHaveLength(14)
    expect(w.steps.map((s) => commandOf(s, listing))).toEqual(listed)
  })

  it('finds the placeholder (shown as template and as run), the secret, and folds the echo lines', () => {
    expect(imported.choose).toEqual({ CLUSTER_NAME: { describe: 'the value to put in place of "some_server_name"', from: 'cluster', recorded: 'test' } })
    expect(imported.secrets).toEqual(['TOKEN'])
    expect(imported.steps.some((s) => s.command.startsWith('echo'))).toBe(false)
    expect(w.vars.map((v) => [v.name, v.secret])).toEqual([['CLUSTER_NAME', false], ['APISERVER', false], ['TOKEN', true]])
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
      return compareWithRecording(typedStep.id, mine.captured ?? mine.stdout, text, { stdout: theirs.captured ?? theirs.stdout }).items.filter((d) => d.kind === 'real').map((d) => `${typedStep.id}: ${d.path} ${d.note}`)
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
    [2, 'kubectl apply -f - <<EOF\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\ndata:\n  greeting: hello\nEOF', 'configmap/demo created'],
    [3, 'kubectl get configmaps demo', 'NAME   DATA   AGE\ndemo   1      3s'],
    [4, 'T=$(kubectl create token default)', 'eyJhbGciOiJSUzI1NiIsImtpZCI6IngifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDpkZWZhdWx0In0.c2lnbmF0dXJlLW5vdC1yZWFs'],
    [5, 'curl -s $SERVER/version --header "Authorization: Bearer $T" --insecure', '{\n  "major": "1",\n  "minor": "30"\n}'],
  ])('step %i: %s', (i, command, recording) => {
    expect(imported.steps[i]?.command).toBe(command)
    expect(imported.steps[i]?.recording).toBe(recording)
  })
  it('has six steps, a placeholder by its value\'s shape and a template, a secret, and a title from a comment', () => {
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
