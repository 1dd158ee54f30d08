// The docs dialect on small pages written for the test: each rule of the reader, one at a time.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { markdownWalkthrough } from '../../../src/sources/markdown/index.js'
import { isDocsPage, readDocsPage, type DocsCommand, type DocsPage } from '../../../src/sources/docs/index.js'
import { containerPrompt, opensShell, placeholdersOf } from '../../../src/sources/docs/lines.js'
import { renderShortcodes } from '../../../src/sources/docs/shortcodes.js'
import { commandOf } from '../../../src/core/step.js'
import { testDir } from '../../temp-dir.js'

const page = (body: string, fm = 'title: A page\ncontent_type: task'): string => `---\n${fm}\n---\n\n${body}`
const read = (body: string, opts = {}): DocsPage => readDocsPage('p.md', page(body), opts)
const commands = (p: DocsPage): DocsCommand[] => p.items.filter((i): i is DocsCommand => i.kind === 'command')
const texts = (body: string, opts = {}): string[] => commands(read(body, opts)).map((c) => c.text)
const listing = { cluster: { name: 'lab', server: '' }, namespace: 'default' }

describe('a docs page', () => {
  it.each([
    ['front matter with a title and a shortcode', page('{{< note >}}\nx\n{{< /note >}}\n'), true],
    ['front matter with a title, no shortcode', page('Just text.\n'), false],
    ['a shortcode, no front matter', '{{< note >}}\nx\n{{< /note >}}\n', false],
    ['front matter without a title', page('{{< note >}}x{{< /note >}}', 'weight: 1'), false],
  ])('%s: %s', (_name, source, expected) => {
    expect(isDocsPage(source)).toBe(expected)
  })
  it('gives its title, and min-kubernetes-server-version as a requirement', () => {
    const p = readDocsPage('p.md', page('{{< note >}}x{{< /note >}}', 'title: "Pods: a task"\nmin-kubernetes-server-version: v1.28\nweight: 3'))
    expect([p.title, p.requires]).toEqual(['Pods: a task', { kubernetes: '1.28' }])
  })
  it.each([
    ["title: 'It''s a page'", "It's a page"],
    ['title: >\n  Folded\n  title', 'Folded title'],
    ['title: Plain # a comment', 'Plain'],
  ])('front matter %j gives the title %j', (fm, title) => {
    expect(readDocsPage('p.md', page('{{< note >}}x{{< /note >}}', fm)).title).toBe(title)
  })
})

describe('shortcodes become prose', () => {
  it.each([
    ['{{< note >}}', 'Note:'],
    ['{{< caution >}}', 'Caution:'],
    ['{{< warning >}}', 'Warning:'],
    ['{{< /note >}}', ''],
    ['## {{% heading "prerequisites" %}}', '## Before you begin'],
    ['{{% heading "whatsnext" %}}', "What's next"],
    ['A {{< glossary_tooltip text="Pod" term_id="pod" >}} runs.', 'A Pod runs.'],
    ['A {{< glossary_tooltip term_id="pod" >}} runs.', 'A pod runs.'],
    ['{{< version-check >}}', ''],
    ['{{< feature-state for_k8s_version="v1.30" state="stable" >}}', 'FEATURE STATE: Kubernetes v1.30 [stable]'],
    ['See /docs/{{< param "version" >}}/x', 'See /docs/latest/x'],
  ])('%s → %s', (line, expected) => {
    expect(renderShortcodes(line)).toBe(expected)
  })
  it('an include of the prerequisites and a heading shortcode make prose and a heading, not commands', () => {
    const p = read(
      '{{% prerequisites-heading %}}\n\n{{< include "task-tutorial-prereqs.md" >}} {{< version-check >}}\n\n```shell\nkubectl get pods\n```\n',
    )
    expect(p.items.map((i) => i.kind)).toEqual(['heading', 'prose', 'command'])
    expect(p.items[0]).toMatchObject({ kind: 'heading', text: 'Before you begin', line: 6 })
  })
  it('of a tabs shortcode, the first tab holding a shell block, or the one --tab names', () => {
    const body =
      '{{< tabs name="t" >}}\n{{% tab name="Go" %}}\n```go\nfmt.Println()\n```\n{{% /tab %}}\n{{% tab name="Linux" %}}\n```shell\necho linux\n```\n{{% /tab %}}\n{{% tab name="macOS" %}}\n```shell\necho mac\n```\n{{% /tab %}}\n{{< /tabs >}}\n\nAfter.\n'
    expect(texts(body)).toEqual(['echo linux'])
    expect(texts(body, { tab: 'macos' })).toEqual(['echo mac'])
    expect(read(body).items.filter((i) => i.kind === 'shown')).toEqual([])
  })
})

describe('example files', () => {
  it.each([
    ['{{% code_sample file="pods/p.yaml" %}}'],
    ['{{< codenew file="pods/p.yaml" >}}'],
    ['{{< code file="pods/p.yaml" >}}'],
    ['{{% code_sample language="yaml" file="pods/p.yaml" %}}'],
  ])('%s shows the example file from the examples folder', async (shortcode) => {
    const dir = await testDir('kubewalk-docs-')
    await mkdir(join(dir, 'pods'))
    await writeFile(join(dir, 'pods/p.yaml'), 'apiVersion: v1\nkind: Pod\n')
    const p = read(`Here it is:\n\n${shortcode}\n`, { examplesDir: dir })
    expect(p.items[1]).toMatchObject({ kind: 'file', name: 'pods/p.yaml', content: 'apiVersion: v1\nkind: Pod\n', line: 8, source: 'example' })
    expect(p.missing).toEqual([])
  })
  it('a file the examples folder lacks is kept as a reference and reported', () => {
    const p = read('{{< codenew file="admin/x.json" language="json" >}}\n')
    expect(p.items).toEqual([{ kind: 'file', name: 'admin/x.json', language: 'json', line: 6, source: 'example' }])
    expect(p.missing).toEqual([{ file: 'admin/x.json', line: 6 }])
  })
  it('a line names the example files it reads', () => {
    expect(commands(read('```shell\nkubectl apply -f https://k8s.io/examples/pods/p.yaml --namespace=x\n```\n'))[0]?.examples).toEqual([
      'pods/p.yaml',
    ])
  })
  it('a shell block holding a manifest is a file, not a command', () => {
    const p = read(
      'Save this as `pod.yaml`:\n\n```shell\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n```\n\n```shell\nkubectl apply -f pod.yaml\n```\n',
    )
    expect(p.items.map((i) => i.kind)).toEqual(['prose', 'file', 'command'])
    expect(p.items[1]).toMatchObject({ name: 'pod.yaml', source: 'block', content: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n' })
  })
})

describe('a manifest the page shows without naming it (kubernetes/website managing-secret-using-config-file.md)', () => {
  // Excerpt of content/en/docs/tasks/configmap-secret/managing-secret-using-config-file.md @ 0e48eb176224 (CC BY 4.0).
  const body = `1. Create the manifest:

   \`\`\`yaml
   apiVersion: v1
   kind: Secret
   metadata:
     name: mysecret
   type: Opaque
   data:
     username: YWRtaW4=
     password: MWYyZDFlMmU2N2Rm
   \`\`\`

   Note that the name of a Secret object must be a valid
   [DNS subdomain name](/docs/concepts/overview/working-with-objects/names#dns-subdomain-names).

1. Create the Secret using [\`kubectl apply\`](/docs/reference/generated/kubectl/kubectl-commands#apply):

   \`\`\`shell
   kubectl apply -f ./secret.yaml
   \`\`\`

   The output is similar to:

   \`\`\`
   secret/mysecret created
   \`\`\`

{{< note >}}
A note.
{{< /note >}}
`
  it('is saved under the one file the next command reads, and the step says so', () => {
    const w = markdownWalkthrough('p.md', page(body))
    const apply = w.steps.find((s) => s.command === 'kubectl apply -f ./secret.yaml')
    expect(apply?.files?.map((f) => [f.name, f.content])).toEqual([
      [
        'secret.yaml',
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: mysecret\ntype: Opaque\ndata:\n  username: YWRtaW4=\n  password: MWYyZDFlMmU2N2Rm\n',
      ],
    ])
    expect(apply?.notes).toContain('writes secret.yaml from the manifest the page shows right before it (the page does not name the file)')
  })
  it('is not, when another command comes first, an earlier line mentions the file, or the line reads more than one', () => {
    const files = (b: string): string[] => markdownWalkthrough('p.md', page(b)).steps.flatMap((s) => (s.files ?? []).map((f) => f.name))
    expect(files(body.replace('1. Create the Secret', '```shell\nkubectl get secrets\n```\n\n1. Create the Secret'))).toEqual([])
    expect(files(`\`\`\`shell\nkubectl create secret generic x --dry-run=client -o yaml > secret.yaml\n\`\`\`\n\n${body}`)).toEqual([])
    expect(files(body.replace('kubectl apply -f ./secret.yaml', 'kubectl apply -f ./secret.yaml -f other.yaml'))).toEqual([])
    expect(files(body.replace('kubectl apply -f ./secret.yaml', 'kubectl apply -f https://example.com/secret.yaml'))).toEqual([])
  })
})

describe('output blocks', () => {
  it.each([
    ['shell', 'The output is similar to:'],
    ['console', 'The output is similar to this:'],
    ['bash', 'Output:'],
    ['', 'The output shows that it worked.'],
    ['shell', ''],
  ])('a %s block after a command and "%s" is its output', (lang, prose) => {
    const p = read(`\`\`\`shell\nkubectl get pods\n\`\`\`\n\n${prose}\n\n\`\`\`${lang}\nNAME   READY   STATUS\np      1/1     Running\n\`\`\`\n`)
    expect(commands(p).map((c) => [c.text, c.output?.text])).toEqual([['kubectl get pods', 'NAME   READY   STATUS\np      1/1     Running']])
  })
  it.each([['In the output, you can see that the old Pods were replaced.'], ['The output includes the message:']])(
    'a shell block after a command and "%s" is its output',
    (prose) => {
      const p = read(`\`\`\`shell\nkubectl get pods\n\`\`\`\n\n${prose}\n\n\`\`\`shell\nNAME   READY\np      1/1\n\`\`\`\n`)
      expect(commands(p).map((c) => [c.text, c.output?.text])).toEqual([['kubectl get pods', 'NAME   READY\np      1/1']])
    },
  )
  it('a plain block right under a shell block is its output, even when its lines read as assignments', () => {
    const p = read('```shell\nkubectl logs pod/p\n```\n```\n\nA=$(B)://10.0.0.1:80\nC=https://10.0.0.1:80\n```\n')
    expect(commands(p).map((c) => [c.text, c.output?.text])).toEqual([['kubectl logs pod/p', '\nA=$(B)://10.0.0.1:80\nC=https://10.0.0.1:80']])
  })
  it('belongs only to the command right before it: a heading between makes it no output', () => {
    const p = read('```shell\nkubectl get pods\n```\n\n## Next\n\n```\nNAME   READY\n```\n')
    expect(commands(p)[0]?.output).toBeUndefined()
    expect(p.items.at(-1)).toMatchObject({ kind: 'shown' })
  })
  it('prose that asks for a command ("by executing:") does not make the next block an output', () => {
    expect(texts('```shell\nkubectl get hpa\n```\n\nWe should see the load by executing:\n\n```shell\nkubectl get hpa\n```\n')).toEqual([
      'kubectl get hpa',
      'kubectl get hpa',
    ])
  })
  it('an output that echoes its command at a prompt is the output after that line, never a second command', () => {
    const p = read(
      '1. Describe it:\n\n        kubectl describe deployment d\n\n    The output is similar to this:\n\n        user@computer:~$ kubectl describe deployment d\n        Name:  d\n',
    )
    expect(commands(p).map((c) => [c.text, c.output?.text])).toEqual([['kubectl describe deployment d', 'Name:  d']])
    expect(commands(p)[0]?.output?.line).toBe(13)
    // The Markdown compiler then makes one step of it, with the output as its recording.
    const w = markdownWalkthrough(
      'p.md',
      page(
        '{{< note >}}\nx\n{{< /note >}}\n\n' +
          '1. Describe it:\n\n        kubectl describe deployment d\n\n    The output is similar to this:\n\n        user@computer:~$ kubectl describe deployment d\n        Name:  d\n',
      ),
    )
    expect(w.steps.map((s) => commandOf(s, listing))).toEqual(['kubectl describe deployment d'])
  })
  it('a manifest after a line that prints manifests is its output, unless the prose names a file', () => {
    const shown = '```yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n```\n'
    const after = (line: string, prose: string) => commands(read(`\`\`\`shell\n${line}\n\`\`\`\n\n${prose}\n\n${shown}`))[0]?.output?.text
    expect(after('kubectl kustomize overlays/production', 'The resulting Deployment has an updated container:')).toBe(
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web',
    )
    expect(after('kubectl get deployment web -o yaml', 'It holds:')).toBeDefined()
    expect(after('kubectl get deployment web', 'It holds:')).toBeUndefined()
    expect(after('kubectl kustomize overlays/production', 'Save this as `deployment.yaml`:')).toBeUndefined()
  })
  it('a transcript of several commands after its command stays as it is (each prompt line is a command of its own)', () => {
    const p = read(
      '```shell\nkubectl get pods\n```\n\nThe output is similar to:\n\n```\n$ kubectl get pods\nNAME  READY\n$ kubectl get svc\nNAME  TYPE\n```\n',
    )
    expect(commands(p)[0]?.output?.text).toBe('$ kubectl get pods\nNAME  READY\n$ kubectl get svc\nNAME  TYPE')
  })
  it('a prompt line naming another command still opens its own step', () => {
    const p = read('```shell\nkubectl get pods\n```\n\nThe output is similar to:\n\n```\n$ kubectl get nodes\nNAME  STATUS\n```\n')
    expect(commands(p)[0]?.output?.text).toBe('$ kubectl get nodes\nNAME  STATUS')
  })
})

describe('commands in a block', () => {
  it('lines without a prompt in a shell block are commands; comments and continuations kept', () => {
    const p = read('```shell\n# make it\nkubectl create ns a  # the namespace\nkubectl label ns a \\\n  x=y\n```\n')
    expect(commands(p).map((c) => [c.text, c.comment, c.line])).toEqual([
      ['kubectl create ns a  # the namespace', 'make it', 8],
      ['kubectl label ns a \\\n  x=y', undefined, 9],
    ])
  })
  it('`$ ` prompts: the lines after each are its output', () => {
    const p = read('```console\n$ kubectl get ns\nNAME   STATUS\n$ kubectl get pods\nNo resources found\n```\n')
    expect(commands(p).map((c) => [c.text, c.output?.text])).toEqual([
      ['kubectl get ns', 'NAME   STATUS'],
      ['kubectl get pods', 'No resources found'],
    ])
  })
  it("code indented under a list item (a fence, or four columns past the item's text) is a block", () => {
    expect(
      texts(
        '1. Create it:\n\n    ```shell\n    kubectl create ns a\n    ```\n\n1. List them:\n\n        kubectl get ns\n\n    The output is similar to:\n\n        NAME\n',
      ),
    ).toEqual(['kubectl create ns a', 'kubectl get ns'])
  })
  it("a YAML fragment in a shell block and a sentence in a container's shell are no commands", () => {
    expect(texts('```shell\ncommand: ["/bin/sh"]\nargs: ["-c", "echo hi"]\n```\n')).toEqual([])
    expect(
      texts('```shell\nkubectl run -it --rm lg --image=busybox /bin/sh\n\nHit enter for command prompt\n\nwget -q -O- http://web\n```\n'),
    ).toEqual(['kubectl run -it --rm lg --image=busybox /bin/sh', 'wget -q -O- http://web'])
  })
})

describe('lines typed in a container', () => {
  it.each([
    ['kubectl exec -it p -- sh', { pod: 'p' }],
    ['kubectl exec -it p -c c -- /bin/bash', { pod: 'p', container: 'c' }],
    ['kubectl exec -it pod/p --container=c -- bash', { pod: 'p', container: 'c' }],
    ['kubectl exec p --stdin --tty -c c /bin/sh', { pod: 'p', container: 'c' }],
    ['kubectl run -it --rm lg --image=busybox -- sh', { pod: 'lg' }],
    ['kubectl exec p -- printenv', undefined],
    ["kubectl exec -it p -- /bin/sh -c 'echo $X'", undefined],
  ])('%s opens %j', (line, expected) => {
    expect(opensShell(line)).toEqual(expected)
  })
  it.each([
    ['/ # ls', true, { prompt: '/ #', command: 'ls' }],
    ['# ls', true, { prompt: '#', command: 'ls' }],
    ['# a comment', false, undefined],
    ['root@web:/# cat /etc/hostname', false, { prompt: 'root@web:/#', command: 'cat /etc/hostname', host: 'web' }],
    ['web:/$ ls', false, { prompt: 'web:/$', command: 'ls', host: 'web' }],
  ])('%s (in a shell: %s) → %j', (line, inShell, expected) => {
    expect(containerPrompt(line, inShell)).toEqual(expected)
  })
  it("after the exec, prompt lines run in its Pod and container, across blocks, until exit; the next host line is the host's", () => {
    const p = read(
      '```shell\nkubectl exec -it web -c nginx -- /bin/bash\n```\n\nIn your shell:\n\n```shell\nroot@web:/# ls /\nroot@web:/# exit\n```\n\n```shell\nkubectl get pods\n```\n',
    )
    expect(commands(p).map((c) => [c.text, c.container?.shell, c.container?.prompt])).toEqual([
      ['kubectl exec -it web -c nginx -- /bin/bash', undefined, undefined],
      ['ls /', { pod: 'web', container: 'nginx' }, 'root@web:/#'],
      ['exit', { pod: 'web', container: 'nginx' }, 'root@web:/#'],
      ['kubectl get pods', undefined, undefined],
    ])
  })
  it('"In your shell" right after the exec types the next block in the container, prompt or not; after a host line it does not', () => {
    const p = read(
      "```shell\nkubectl exec -it p -- /bin/sh\n```\n\nIn your shell, list the files:\n\n```shell\nls /data\n```\n\n```shell\nkubectl get pods\n```\n\nIn your shell, read the variable:\n\n```shell\nkubectl exec -it p -- /bin/sh -c 'echo $X'\n```\n",
    )
    expect(commands(p).map((c) => [c.text, c.container?.shell?.pod])).toEqual([
      ['kubectl exec -it p -- /bin/sh', undefined],
      ['ls /data', 'p'],
      ['kubectl get pods', undefined],
      ["kubectl exec -it p -- /bin/sh -c 'echo $X'", undefined],
    ])
  })
  it("`# ` is a prompt in the exec's block, not elsewhere", () => {
    const p = read('```shell\nkubectl exec -it p -- sh\n# ls /\n```\n\n```shell\n# only a comment\nkubectl get pods\n```\n')
    expect(commands(p).map((c) => [c.text, c.container?.shell?.pod])).toEqual([
      ['kubectl exec -it p -- sh', undefined],
      ['ls /', 'p'],
      ['kubectl get pods', undefined],
    ])
  })
  it('a container prompt no line opened is marked as such (to be refused)', () => {
    const c = commands(read('```shell\n/ # cat /etc/resolv.conf\n```\n'))
    expect(c.map((x) => [x.text, x.container])).toEqual([['cat /etc/resolv.conf', { prompt: '/ #' }]])
  })
})

describe('placeholders', () => {
  it.each([
    ['kubectl logs <pod-name>', undefined, [{ name: 'pod-name', written: '<pod-name>' }]],
    ['export CLUSTER="some_name"', undefined, [{ name: 'CLUSTER', written: 'some_name' }]],
    ['TOKEN=your_token', undefined, [{ name: 'TOKEN', written: 'your_token' }]],
    ['NODE=<node-name>', undefined, [{ name: 'NODE', written: '<node-name>' }]],
    ['kubectl get pods --selector=job-name=hello-1', 'Replace "hello-1" with the job name', [{ name: 'hello-1', written: 'hello-1' }]],
    ['cat <<EOF > a.yaml', undefined, []],
    ['kubectl apply -f - < pod.yaml', undefined, []],
  ])('%s', (line, comment, expected) => {
    expect(placeholdersOf(line, comment)).toEqual(expected)
  })
})

describe('another terminal', () => {
  it.each([
    ['In another terminal, run:', 'kubectl port-forward svc/web 8080:80'],
    ['Run this in a separate terminal:', 'kubectl proxy --port=8001'],
  ])('"%s" before a long-running line runs it in the background', (prose, line) => {
    const c = commands(read(`${prose}\n\n\`\`\`shell\n${line}\n\`\`\`\n`))
    expect(c.map((x) => [x.text, x.background, x.longRunning])).toEqual([[line, true, true]])
  })
  it('"In another terminal" after a watch: the watch keeps running in the first', () => {
    const c = commands(read('```shell\nkubectl get pods --watch\n```\n\nIn another terminal, run:\n\n```shell\nkubectl delete pod p\n```\n'))
    expect(c.map((x) => [x.text, x.background])).toEqual([
      ['kubectl get pods --watch', true],
      ['kubectl delete pod p', undefined],
    ])
  })
})

describe('a watch the page runs in its own terminal', () => {
  it('is a bounded watch step, compared with its output; one kept running in another terminal stays in the background', () => {
    const own = markdownWalkthrough(
      'p.md',
      page(
        '```shell\nkubectl get pods -w\n```\n\nThe output is similar to:\n\n```\nNAME   READY   STATUS    RESTARTS   AGE\np      1/1     Running   0          5s\n```\n',
      ),
    )
    expect([own.steps[0]?.background, own.steps[0]?.watch?.forMs]).toEqual([undefined, 30_000])
    const kept = markdownWalkthrough(
      'p.md',
      page(
        '{{< note >}}\nx\n{{< /note >}}\n\n```shell\nkubectl get pods --watch\n```\n\nIn another terminal, run:\n\n```shell\nkubectl delete pod p\n```\n',
      ),
    )
    expect([kept.steps[0]?.background !== undefined, kept.steps[0]?.watch]).toEqual([true, undefined])
  })
})

describe('the Markdown loader reads a docs page through the dialect', () => {
  it('steps, their recordings, the example files they write, the requirement, the background line', async () => {
    const dir = await testDir('kubewalk-docs-')
    await mkdir(join(dir, 'examples/pods'), { recursive: true })
    await writeFile(join(dir, 'examples/pods/p.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n')
    const file = join(dir, 'page.md')
    const source = page(
      '{{< note >}}\nRead this.\n{{< /note >}}\n\n{{< codenew file="pods/p.yaml" >}}\n\n```shell\nkubectl apply -f https://k8s.io/examples/pods/p.yaml\n```\n\nThe output is similar to:\n\n```shell\npod/p created\n```\n\nIn another terminal:\n\n```shell\nkubectl get pods --watch\n```\n\n```shell\nkubectl exec -it p -- sh\n/ # ls\n```\n',
      'title: Run a Pod\nmin-kubernetes-server-version: v1.27',
    )
    await writeFile(file, source)
    const w = markdownWalkthrough(file, source)
    expect([w.id, w.title, w.requires]).toEqual(['run-a-pod', 'Run a Pod', { kubernetes: '1.27', node: true }]) // it types in a container: a node must run the Pod
    // The shell `kubectl exec -it` opens is no step (the runner's session replaces it); the line typed in it runs there.
    expect(w.steps.map((s) => [commandOf(s, listing), s.container])).toEqual([
      ['kubectl apply -f https://k8s.io/examples/pods/p.yaml', undefined],
      ['kubectl get pods --watch', undefined],
      ['ls', { pod: 'p' }],
    ])
    expect(w.steps[0]?.files).toEqual([{ name: 'pods/p.yaml', content: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n' }])
    expect(w.recorded?.()[w.steps[0]?.id ?? '']?.stdout).toBe('pod/p created')
    expect(w.steps.map((s) => s.background !== undefined)).toEqual([false, true, false])
  })
})
