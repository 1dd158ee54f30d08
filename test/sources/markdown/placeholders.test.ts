// Placeholders, read the same way whether a page is run or imported: an assignment of some_…, your_…
// or <…> anywhere in a block, and <pod-name> in a line (which bash would read as a redirection). --set
// fills them; `<pod-name>` is also the one Pod the run created; an unfilled one refuses its step.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { commandOf, fileContent, type CommandContext, type Step, type StepContext } from '../../../src/core/step.js'
import { readDocsPage } from '../../../src/sources/docs/read.js'
import { readDocsArticle } from '../../../src/sources/docs/import.js'
import { markdownWalkthrough } from '../../../src/sources/markdown/index.js'
import { filledFile, filledLine, kindOf, placeholdersIn, placeholdersInFile, podsListed, theOne } from '../../../src/sources/markdown/placeholders.js'
import { ctx as stepContext } from '../../helpers.js'

const page = (slug: string): string => fileURLToPath(new URL(`../../fixtures/${slug}/page.md`, import.meta.url))
const listing: CommandContext = { cluster: { name: 'c', server: '' }, namespace: 'default' }

describe('placeholdersIn', () => {
  it.each([
    ['kubectl logs <pod-name>', [{ name: 'pod-name', written: '<pod-name>' }]],
    ['export CLUSTER="some_cluster"', [{ name: 'CLUSTER', written: 'some_cluster', assigned: true }]],
    [
      'kubectl get ns\nNAME=your_name\nkubectl describe pod <pod-name> -n <namespace>',
      [
        { name: 'NAME', written: 'your_name', assigned: true },
        { name: 'pod-name', written: '<pod-name>' },
        { name: 'namespace', written: '<namespace>' },
      ],
    ],
    ['TOKEN=<token>', [{ name: 'TOKEN', written: '<token>', assigned: true }]],
    // A heredoc's body is the program's input; markup with its closing tag is printed, not filled.
    ['cat <<EOF > x.html\n<title>x</title> <pod-name>\nEOF\necho "<h1>hi</h1>"', []],
    ['kubectl get pods 2>&1 | grep web', []],
    ['sort <input.txt >sorted.txt', []],
    ['kubectl exec <your pod> -- ls', [{ name: 'your pod', written: '<your pod>' }]],
    // A manifest a kubectl line reads from a heredoc: a whole value is the reader's to put in, as in a file they save.
    [
      'kubectl apply -f - <<EOF\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: <your-namespace>\n  labels:\n    note: see <docs> here\nEOF',
      [{ name: 'your-namespace', written: '<your-namespace>', manifest: true }],
    ],
    [
      'cat <<EOF > ns.yaml\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: <your-namespace>\nEOF',
      [{ name: 'your-namespace', written: '<your-namespace>', manifest: true }],
    ],
    ['cat <<EOF > page.html\n<html>\n<title>kind: x</title>\nEOF', []],
  ])('%j', (command, expected) => {
    expect(placeholdersIn(command)).toEqual(expected)
  })
})

it('filledLine puts each value in place (quoted only where the shell needs it), heredoc bodies untouched', () => {
  const command = 'export NAME="some_name"\nkubectl logs <pod-name>\ncat <<EOF\n<pod-name>\nEOF'
  const assignments = [{ name: 'NAME', before: 'export NAME=', written: '"some_name"', after: '', index: 0 }]
  const inline = [{ name: 'pod-name', written: '<pod-name>' }]
  expect(filledLine(command, assignments, inline, (n) => ({ NAME: 'a b', 'pod-name': 'web-1' })[n])).toBe(
    "export NAME=$'a b'\nkubectl logs web-1\ncat <<EOF\n<pod-name>\nEOF",
  )
  expect(filledLine(command, assignments, inline, () => undefined)).toBe(command)
  const apply = 'kubectl apply -f - <<EOF\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: <ns>\n  labels:\n    x: "<ns>"\nEOF'
  expect(filledLine(apply, [], placeholdersIn(apply), (n) => ({ ns: 'demo' })[n])).toBe(
    'kubectl apply -f - <<EOF\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo\n  labels:\n    x: "demo"\nEOF',
  )
})

describe('placeholdersInFile', () => {
  it.each([
    ['ns.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: <insert-namespace-name-here>\n', ['<insert-namespace-name-here>']],
    ['pod.yml', 'spec:\n  containers:\n  - name: app\n    image: "<your-image>"\n    args:\n    - <arg>\n', ['<your-image>', '<arg>']],
    ['cm.json', '{\n  "metadata": {\n    "name": "<name>",\n    "namespace": "x"\n  }\n}\n', ['<name>']],
    // Markup in a value, a value with more than the brackets, and a file that is no manifest are not the reader's to fill.
    ['cm.yaml', 'data:\n  index.html: |\n    <h1>Hello</h1>\n    <p>hi <b>there</b></p>\n  note: see <docs> here\n', []],
    ['index.html', '<html>\n<body>\n</body>\n', []],
  ])('%s', (name, content, written) => {
    expect(placeholdersInFile(name, content).map((p) => p.written)).toEqual(written)
  })
  it('filledFile writes each value as YAML reads it: plain, or quoted where plain would change its meaning', () => {
    const content = 'metadata:\n  name: <name>\n  labels:\n    tier: "<tier>"\n    team: \'<team>\'\n  annotations:\n    note: <note>\n'
    const holes = placeholdersInFile('x.yaml', content)
    const values: Record<string, string> = { name: 'demo', tier: 'a"b', team: "o'k", note: 'yes' }
    expect(filledFile(content, holes, (n) => values[n])).toBe(
      'metadata:\n  name: demo\n  labels:\n    tier: "a\\"b"\n    team: \'o\'\'k\'\n  annotations:\n    note: "yes"\n',
    )
    expect(filledFile(content, holes, () => undefined)).toBe(content)
  })
})

describe('a file the page gives to save, with a value for the reader (kubernetes/website namespaces.md)', () => {
  // Excerpt of content/en/docs/tasks/administer-cluster/namespaces.md @ 0189ae0f6bf2 (CC BY 4.0), as published.
  const md = `---
title: Share a Cluster with Namespaces
---

## Creating a new namespace

1. Create a new YAML file called \`my-namespace.yaml\` with the contents:

    \`\`\`yaml
    apiVersion: v1
    kind: Namespace
    metadata:
      name: <insert-namespace-name-here>
    \`\`\`
    Then run:
   
    \`\`\`
    kubectl create -f ./my-namespace.yaml
    \`\`\`

## Deleting a namespace

Delete a namespace with

\`\`\`shell
kubectl delete namespaces <insert-some-namespace-name>
\`\`\`

{{< warning >}}
This deletes _everything_ under the namespace!
{{< /warning >}}
`
  const w = markdownWalkthrough('namespaces.md', md)
  const step = w.steps.find((s) => s.files?.some((f) => f.name === 'my-namespace.yaml')) as Step<object>
  const file = step.files?.[0] as NonNullable<Step['files']>[number]
  it('refuses the step, naming the file, until --set gives the value', () => {
    expect(commandOf(step, listing)).toBe('kubectl create -f ./my-namespace.yaml')
    expect(step.guard?.refuse({ stdout: '', stderr: '', exitCode: 0 }, ctx())).toBe(
      '<insert-namespace-name-here> in my-namespace.yaml is a placeholder; give it with --set insert-namespace-name-here=VALUE',
    )
    expect(step.guard?.refuse({ stdout: '', stderr: '', exitCode: 0 }, ctx({ 'insert-namespace-name-here': 'demo' }))).toBeUndefined()
  })
  it('writes the file with the value given, and declares the name for --set', () => {
    expect(fileContent(file, { ...listing, vars: { 'insert-namespace-name-here': 'demo' } })).toBe(
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo\n',
    )
    expect(w.placeholders?.map((p) => p.name)).toEqual(['insert-namespace-name-here', 'insert-some-namespace-name'])
  })
})

it('a value in a manifest is never taken from what the run made before: it names what the manifest makes', () => {
  expect(kindOf({ name: 'your-configmap', written: '<your-configmap>', manifest: true })).toBeUndefined()
})

it.each([
  ['pod-name', 'pod'],
  ['name of the deployment', 'deployment'],
  ['svc', 'service'],
  ['external-ip', undefined],
  ['node-to-drain', undefined],
])('kindOf <%s> is %s', (name, kind) => {
  expect(kindOf({ name, written: `<${name}>` })).toBe(kind)
})

it('theOne: exactly one object of the kind, less those deleted', () => {
  expect(theOne('pod', ['pod/web', 'deployment.apps/web'], [])).toBe('web')
  expect(theOne('deployment', ['pod/web', 'deployment.apps/api'], [])).toBe('api')
  expect(theOne('pod', ['pod/a', 'pod/b'], [])).toBeUndefined()
  expect(theOne('pod', ['pod/a', 'pod/b'], ['pod/a'])).toBe('b')
  expect(theOne('pod', [], [])).toBeUndefined()
})

describe('a real page: the same placeholders when run and when imported', () => {
  it.each([
    ['docs/run-stateless-application-deployment', ['pod-name']],
    ['docs-tabs/upgrading-linux-nodes', ['node-to-drain', 'node-to-uncordon']],
  ])('%s', (slug, names) => {
    const file = page(slug)
    const source = readFileSync(file, 'utf8')
    const w = markdownWalkthrough(file, source)
    expect(w.placeholders?.map((p) => p.name)).toEqual(names)
    const read = readDocsPage(file, source)
      .items.flatMap((i) => (i.kind === 'command' ? i.placeholders : []))
      .filter((p) => p.written.startsWith('<'))
      .map((p) => p.name)
    expect(read).toEqual(names)
    const imported = readDocsArticle(file, source).steps.flatMap((s) => placeholdersIn(s.command).map((p) => p.name))
    expect(imported).toEqual(names)
  })
})

/** A step's context in a run: the variables set so far and the earlier steps' values. */
const ctx = (vars: Record<string, string> = {}, values = new Map<string, unknown>()): StepContext => stepContext({ vars, values })

describe('compiled steps', () => {
  const md =
    '# P\n\n```bash\nkubectl run web --image=nginx\n```\n\n```text\npod/web created\n```\n\n```bash\nkubectl get ns\nkubectl logs <pod-name>\n```\n'
  const w = markdownWalkthrough('p.md', md)
  const [run, logs] = w.steps as [Step<object>, Step<object>]
  it('the line as written for a listing; --set fills it; so does the one Pod an earlier step of the run created', () => {
    expect(commandOf(logs, listing)).toBe('kubectl get ns\nkubectl logs <pod-name>')
    expect(commandOf(logs, { ...listing, vars: { 'pod-name': 'mine' } })).toBe('kubectl get ns\nkubectl logs mine')
    const value = run.parse({ stdout: 'pod/web created\n', stderr: '', exitCode: 0 }, ctx())
    expect(commandOf(logs, { ...listing, values: new Map([[run.id, value]]) })).toBe('kubectl get ns\nkubectl logs web')
    expect(logs.guard?.refuse({ stdout: '', stderr: '', exitCode: 0 }, ctx({}, new Map([[run.id, value]])))).toBeUndefined()
    expect(logs.notes).toContain(
      '<pod-name> is filled by --set pod-name=VALUE, else with the name of the one pod this run created before it, else with the first Pod the last Pod list before it showed',
    )
  })
  it('refuses the step, naming it, when nothing fills it (none, or two Pods made)', () => {
    expect(logs.guard?.refuse({ stdout: '', stderr: '', exitCode: 0 }, ctx())).toBe(
      '<pod-name> is a placeholder; give it with --set pod-name=VALUE (or run it after the one pod the run creates, or after a line that lists Pods: this run has done neither)',
    )
    const two = run.parse({ stdout: 'pod/a created\npod/b created\n', stderr: '', exitCode: 0 }, ctx())
    expect(logs.guard?.refuse({ stdout: '', stderr: '', exitCode: 0 }, ctx({}, new Map([[run.id, two]])))).toMatch(/^<pod-name> is a placeholder/)
  })
  it('declares the placeholder, so --set accepts its name', () => {
    expect(w.placeholders).toEqual([{ name: 'pod-name', describe: 'the value to put in place of <pod-name> (p.md:12)' }])
  })
  it('an assignment of some_… in the middle of a block is a value to choose: --set fills it, else the step is refused', () => {
    const v = markdownWalkthrough('v.md', '# V\n\n```bash\nkubectl get ns\nexport CLUSTER="some_cluster" # yours\necho "$CLUSTER"\n```\n')
    const step = v.steps[0] as Step<object>
    expect(v.vars.map((x) => x.name)).toEqual(['CLUSTER'])
    expect(commandOf(step, { ...listing, vars: { CLUSTER: 'kind-x' } })).toBe('kubectl get ns\nexport CLUSTER="kind-x" # yours\necho "$CLUSTER"')
    expect(step.guard?.refuse({ stdout: '', stderr: '', exitCode: 0 }, ctx())).toBe(
      'CLUSTER is a value to choose (the line says some_cluster); give it with --set CLUSTER=VALUE or export it',
    )
    expect(step.guard?.refuse({ stdout: '', stderr: '', exitCode: 0 }, ctx({ CLUSTER: 'kind-x' }))).toBeUndefined()
  })
})

describe('a Pod the reader takes from a list (kubernetes/website update-api-object-kubectl-patch.md)', () => {
  // The page makes its Pods through a Deployment, lists them, then says "take a closer look at one of the patch-demo Pods".
  const w = markdownWalkthrough(page('docs/update-api-object-kubectl-patch'), readFileSync(page('docs/update-api-object-kubectl-patch'), 'utf8'))
  const steps = w.steps as Step<object>[]
  const list = steps.find((s) => s.command === 'kubectl get pods') as Step<object>
  const closer = steps.find((s) => typeof s.command === 'function') as Step<object>
  // As kubectl 1.37 prints `kubectl get pods`.
  const table = `NAME                          READY   STATUS    RESTARTS   AGE
patch-demo-5d8b7c5d4f-2wrn5   2/2     Running   0          41s
patch-demo-5d8b7c5d4f-jmg7b   2/2     Running   0          41s
`
  it('fills <your-pod-name> with the first Pod the last list showed; a Pod deleted since is not taken', () => {
    const listed = list.parse({ stdout: table, stderr: '', exitCode: 0 }, ctx())
    expect(commandOf(closer, { ...listing, values: new Map([[list.id, listed]]) })).toBe('kubectl get pod patch-demo-5d8b7c5d4f-2wrn5 --output yaml')
    const del = { ...list, id: 'deleted' }
    const gone = del.parse({ stdout: 'pod "patch-demo-5d8b7c5d4f-2wrn5" deleted\n', stderr: '', exitCode: 0 }, ctx())
    const values = new Map<string, unknown>([
      [list.id, listed],
      ['deleted', gone],
    ])
    expect(commandOf(closer, { ...listing, values })).toBe('kubectl get pod patch-demo-5d8b7c5d4f-jmg7b --output yaml')
    expect(closer.guard?.refuse({ stdout: '', stderr: '', exitCode: 0 }, ctx({}, new Map([[list.id, listed]])))).toBeUndefined()
    expect(closer.guard?.refuse({ stdout: '', stderr: '', exitCode: 0 }, ctx())).toMatch(/^<your-pod-name> is a placeholder/)
  })
  it('podsListed reads only a Pod table', () => {
    expect(podsListed(table)).toEqual(['patch-demo-5d8b7c5d4f-2wrn5', 'patch-demo-5d8b7c5d4f-jmg7b'])
    expect(podsListed('NAME         READY   UP-TO-DATE   AVAILABLE   AGE\npatch-demo   2/2     2            2           41s\n')).toEqual([])
    expect(podsListed('No resources found in default namespace.\n')).toEqual([])
  })
})
