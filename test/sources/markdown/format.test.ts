// The Markdown walkthrough format: blocks, shell lines and prompts, annotations, front matter, and the
// steps a file makes, on tutorials written by others (test/fixtures/markdown/, CC BY 4.0) and our own.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { WalkthroughError } from '../../../src/core/errors.js'
import { parseMarkdown } from '../../../src/sources/markdown/parse.js'
import { assignedVars, isBackground, readVars, splitCommands, splitConsole } from '../../../src/sources/markdown/lines.js'
import { markdownWalkthrough } from '../../../src/sources/markdown/index.js'
import { commandOf } from '../../../src/core/step.js'

const md = (name: string): string => readFileSync(new URL(`../../fixtures/markdown/${name}`, import.meta.url), 'utf8')
const listing = { cluster: { name: 'lab', server: '' }, namespace: 'default' }
const errorOf = (file: string, text: string): string => {
  try {
    markdownWalkthrough(file, text)
  } catch (e) {
    if (e instanceof WalkthroughError) return e.message
    throw e
  }
  return 'no error'
}

describe('blocks', () => {
  it('finds fences inside list items, comments and headings, with their lines', () => {
    const doc = parseMarkdown('f.md', '# T\n\n1. Do it:\n\n   ```shell\n   kubectl get pods\n   ```\n<!-- kubewalk: skip -->\ntext\n')
    expect(doc.blocks).toEqual([
      { kind: 'heading', depth: 1, text: 'T', line: 1 },
      { kind: 'prose', text: '1. Do it:', line: 3 },
      { kind: 'code', lang: 'shell', info: 'shell', text: 'kubectl get pods', line: 5 },
      { kind: 'comment', text: 'kubewalk: skip', line: 8 },
      { kind: 'prose', text: 'text', line: 9 },
    ])
  })
})

describe('shell lines', () => {
  it.each([
    [
      'a heredoc is one command',
      'kubectl apply -f - <<EOF\nkind: X\nEOF\nkubectl get x',
      ['kubectl apply -f - <<EOF\nkind: X\nEOF', 'kubectl get x'],
    ],
    [
      'continued lines',
      'kubectl config set-context dev \\\n  --user=u\n\nkubectl get x',
      ['kubectl config set-context dev \\\n  --user=u', 'kubectl get x'],
    ],
    ['an open quote', "echo 'a\nb'\nls", ["echo 'a\nb'", 'ls']],
    ['a pipe at the end of a line', 'cat x |\n  grep y', ['cat x |\n  grep y']],
    ['a # inside quotes is no comment', 'echo "a # b"', ['echo "a # b"']],
  ])('%s', (_, block, commands) => expect(splitCommands(block).map((c) => c.text)).toEqual(commands))

  it('comment lines go to the command after them', () => {
    expect(splitCommands('# make it\nX=1\n\n# show it\necho $X').map((c) => [c.comment, c.text])).toEqual([
      ['make it', 'X=1'],
      ['show it', 'echo $X'],
    ])
  })
  it.each([
    ['TOKEN=$(kubectl create token default)', ['TOKEN']],
    ['export A=1 B=2', ['A', 'B']],
    ['X=1; export Y="a;b" && echo $X', ['X', 'Y']],
    ['kubectl get pods --selector=app=x', []],
  ])('%s assigns %o', (cmd, names) => expect(assignedVars(cmd)).toEqual(names))
  it('reads variables outside single quotes', () => expect(readVars(`curl $S/api -H "A: $T" -d '{"x":"$NOT"}' \${U:-d}`)).toEqual(['S', 'T', 'U']))
  it.each([
    ['kubectl proxy --port=8080 &', true],
    ['a && b', false],
    ['a &> log', false],
  ])('%s runs in the background: %s', (c, bg) => expect(isBackground(c)).toBe(bg))

  it('a console block: prompt lines are commands, the rest their output, comments at a bare prompt are titles', () => {
    expect(splitConsole('$ kubectl get ns\nNAME   STATUS\ndefault Active\nuser@host:~/x$ # next\n$ cat <<EOF\n> a\n> EOF\na\n')).toEqual([
      { command: 'kubectl get ns', output: 'NAME   STATUS\ndefault Active', index: 0 },
      { command: 'cat <<EOF\na\nEOF', output: 'a', index: 4, comment: 'next' },
    ])
  })
})

describe('kubectl lines that create', () => {
  it('cleans up an object in the namespace its manifest names', () => {
    const w = markdownWalkthrough(
      'own-ns.md',
      '# Own namespace\n\nSave this as cm.yaml:\n\n```yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: other\n```\n\n```bash\nkubectl apply -f cm.yaml\n```\n\n```\nconfigmap/a created\n```\n',
    )
    const [apply] = w.steps
    expect(apply?.tracks?.({ stdout: 'configmap/a created\n', stderr: '', exitCode: 0 }).created).toEqual([
      {
        describe: 'delete configmap/a in namespace other',
        command: 'kubectl delete configmap/a -n other --ignore-not-found',
        object: { name: 'configmap/a', namespace: 'other' },
      },
    ])
    expect(typeof apply?.participantCheck === 'object' && apply.participantCheck.command).toBe(
      'kubectl get configmap/a -n other --ignore-not-found -o name',
    )
    expect(w.traces).toEqual([])
  })
})

describe('tutorials written by others', () => {
  it('the namespaces walkthrough: 17 steps, recordings after their steps, creating lines left to the argv guard', () => {
    const w = markdownWalkthrough('ns.md', md('k8s-namespaces-walkthrough.md'))
    expect(w.title).toBe('Namespaces Walkthrough')
    expect(w.steps).toHaveLength(17)
    expect(w.steps.map((s) => commandOf(s, listing)).slice(0, 4)).toEqual([
      'kubectl get namespaces',
      'kubectl create -f https://k8s.io/examples/admin/namespace-dev.json',
      'kubectl create -f https://k8s.io/examples/admin/namespace-prod.json',
      'kubectl get namespaces --show-labels',
    ])
    const recorded = w.recorded?.() ?? {}
    expect(recorded[w.steps[0]?.id ?? '']?.stdout).toBe('NAME      STATUS    AGE\ndefault   Active    13m')
    // A block of two commands, not split: one step; its recording is compared with what it printed.
    expect(commandOf(w.steps[15] as never, listing)).toBe(
      'kubectl run cattle --image=kubernetes/serve_hostname --replicas=5\n\nkubectl get deployment',
    )
    // No line is rewritten to guard it: the run's kubectl guard sees each call's arguments (test/engine/guard/).
    expect(w.steps.filter((s) => s.guard).map((s) => s.number)).toEqual([])
  })
  it("the pod quota task: headings become titles; the namespace it creates is cleaned up from kubectl's own words", () => {
    const w = markdownWalkthrough('q.md', md('k8s-quota-pod-namespace.md'))
    expect(w.steps.map((s) => s.title)).toEqual([
      'Create a namespace',
      'Create a ResourceQuota',
      'kubectl get resourcequota pod-demo --namespace=quota-pod-…',
      'kubectl apply -f https://k8s.io/examples/admin/resource/q…',
      'kubectl get deployment pod-quota-demo --namespace=quota-p…',
      'Clean up',
    ])
    const quota = w.steps[1]?.tracks?.({ stdout: 'resourcequota/pod-demo created\n', stderr: '', exitCode: 0 })
    expect(quota?.created).toEqual([
      {
        describe: 'delete resourcequota/pod-demo in namespace quota-pod-example',
        command: 'kubectl delete resourcequota/pod-demo -n quota-pod-example --ignore-not-found',
        object: { name: 'resourcequota/pod-demo', namespace: 'quota-pod-example' },
      },
    ])
    const created = w.steps[0]?.tracks?.({ stdout: 'namespace/quota-pod-example created\n', stderr: '', exitCode: 0 })
    expect(created?.created).toEqual([
      {
        describe: 'delete namespace/quota-pod-example',
        command: 'kubectl delete namespace/quota-pod-example --ignore-not-found',
        object: { name: 'namespace/quota-pod-example' },
      },
    ])
    expect(w.steps[5]?.tracks?.({ stdout: 'namespace "quota-pod-example" deleted\n', stderr: '', exitCode: 0 }).deleted).toEqual([
      'delete namespace/quota-pod-example',
    ])
  })
  it('the HTTP proxy task indents its code four spaces (not fences): read as a docs page, each indented line is a step, the proxy in the background', () => {
    const w = markdownWalkthrough('p.md', md('k8s-http-proxy-access-api.md'))
    expect(w.steps.map((s) => commandOf(s, listing))).toEqual([
      'kubectl run node-hello --image=gcr.io/google-samples/node-hello:1.0 --port=8080',
      'kubectl proxy --port=8080',
      'curl http://localhost:8080/api/',
      'curl http://localhost:8080/api/v1/namespaces/default/pods',
    ])
    expect(w.steps.map((s) => s.background !== undefined)).toEqual([false, true, false, false])
  })
})

describe('our own walkthrough with annotations', () => {
  const w = markdownWalkthrough('hello.md', md('hello.md'))
  it('compiles every annotation into the step', () => {
    expect(w.steps.map((s) => [s.id, s.title])).toEqual([
      ['save-and-apply', 'Save and apply'],
      ['choose-a-name', 'Choose a name'],
      ['serve-the-api-locally', 'Serve the API locally'],
      ['make-a-token', 'make a token'],
      ['show-it', 'show it'],
      ['wait-for-it', 'Wait for it'],
    ])
    const [apply, name, proxy, token, , wait] = w.steps
    expect(apply?.files).toEqual([
      { name: 'cm.yaml', content: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kubewalk-hello\ndata:\n  greeting: hello\n' },
    ])
    expect(apply?.guard).toBeUndefined()
    expect(commandOf(name as never, listing)).toBe('export GREETING="hello-world"')
    expect(commandOf(name as never, { ...listing, vars: { GREETING: 'hi there' } })).toBe("export GREETING=$'hi there'")
    expect(proxy?.background).toEqual({ port: 8001 })
    expect(token?.writes?.name).toBe('T')
    expect(token?.writes?.secret).toBe(true)
    expect(wait?.wait).toEqual({ for: 'its checks to pass', timeoutMs: 20_000, intervalMs: 1000 })
    expect(wait?.answerCodes).toEqual([0, 1])
    expect(typeof apply?.participantCheck === 'object' && apply.participantCheck.command).toBe(
      'kubectl get configmap/kubewalk-hello --ignore-not-found -o name',
    )
  })

  it("gives each step its prose without the heading that is already the step's title", () => {
    const prose = w.prose?.() ?? []
    // "## Save and apply", "## Choose a name" and the others are gone; "## Use it" stays, above steps titled by comments.
    expect(prose.map((p) => p.explanation)).toEqual([
      '# Hello, kubewalk\n\nSave this as `cm.yaml`:\n\n```yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kubewalk-hello\ndata:\n  greeting: hello\n```',
      '',
      '',
      '## Use it',
      '',
      '',
    ])
  })
})

describe('bad input is one line naming file:line', () => {
  it.each([
    ['no command', '# Just prose\n\n```yaml\na: 1\n```\n', /^x\.md: no command to run/],
    [
      'a misspelt annotation',
      '```bash\nls\n```\n\n<!-- kubewalk: wiat 30s -->\n```bash\nls\n```\n',
      /^x\.md:5: unknown annotation "wiat"; did you mean "wait"\?/,
    ],
    ['a misspelt prefix', '<!-- kubewlak: skip -->\n```bash\nls\n```\n', /^x\.md:1: "kubewlak" is not an annotation; did you mean "kubewalk:"\?/],
    [
      'a directive on its own line of a comment',
      '<!-- kubewalk:\n  wait 30s\n  chek contains x -->\n```bash\nls\n```\n',
      /^x\.md:3: unknown annotation "chek"/,
    ],
    ['a bad check', '<!-- kubewalk: check json .a = 1 -->\n```bash\nls\n```\n', /^x\.md:1: "check json \.a = 1" is not a check/],
    ['front matter that is not YAML', '---\nid: [a\n---\n```bash\nls\n```\n', /^x\.md:\d+: the front matter is not YAML/],
    ['a misspelt front matter key', '---\nsecret: [T]\n---\n```bash\nls\n```\n', /^x\.md:2: unknown key "secret" in the front matter/],
    [
      'a declared change that is not kind/name',
      '---\nchanges: [node]\n---\n```bash\nls\n```\n',
      /^x\.md: changes entries are kind\/name or namespace\/kind\/name/,
    ],
    ['a secret variable never set', '---\nsecrets: [T]\n---\n```bash\nls\n```\n', /^x\.md: secret variable T is never set/],
    ['an annotation before no block', '```bash\nls\n```\n<!-- kubewalk: skip -->\n', /^x\.md:4: this annotation stands before no block/],
    ['in without a Pod', '<!-- kubewalk: in -->\n```bash\nls\n```\n', /^x\.md:1: "in": the form is "in POD \[container C\]"/],
    ['in with a stray word', '<!-- kubewalk: in web nginx -->\n```bash\nls\n```\n', /^x\.md:1: "in web nginx": the form is/],
    ['manual without a reason', '<!-- kubewalk: manual -->\n```bash\nvi x\n```\n', /^x\.md:1: "manual" needs a text/],
  ])('%s', (_, text, message) => expect(errorOf('x.md', text)).toMatch(message))
})

describe('lines typed in a container, and lines the reader does by hand', () => {
  it('`in POD [container C]` marks the block as typed in that container; what it sets stays there', () => {
    const w = markdownWalkthrough(
      'x.md',
      '```bash\nX=host\n```\n\n<!-- kubewalk: in web container nginx -->\n```bash\nY=1; echo $X $Y\n```\n\n<!-- kubewalk: in db -->\n```bash\nhostname\n```\n',
    )
    expect(w.steps.map((s) => [commandOf(s, listing), s.container, s.reads.length, s.writes?.name])).toEqual([
      ['X=host', undefined, 0, 'X'],
      ['Y=1; echo $X $Y', { pod: 'web', container: 'nginx' }, 0, undefined],
      ['hostname', { pod: 'db' }, 0, undefined],
    ])
    expect(w.vars.map((v) => v.name)).toEqual(['X'])
  })
  it('`manual REASON` is a step the run skips with its reason; `note TEXT` is said beside its checks', () => {
    const w = markdownWalkthrough('x.md', '<!-- kubewalk: manual it opens an editor\n     note done by hand -->\n```bash\nkubectl edit pod p\n```\n')
    expect([w.steps[0]?.manual, w.steps[0]?.notes?.[0]]).toEqual(['it opens an editor', 'done by hand'])
  })
})
