// A docs page shows a YAML excerpt of what `kubectl get … -o yaml` prints whole: a subtree (`containers:`), or
// fields with `...` where it leaves some out. The excerpts are the pages' own (test/fixtures/docs), the outputs
// real ones from a lab (test/fixtures/markdown/outputs, see the README there).
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { commandOf, type Assertion, type CommandContext, type Step, type StepContext } from '../../../src/core/step.js'
import { loadWalkthrough } from '../../../src/sources/load/index.js'
import { compareWithRecording, comparisonAssertions, shapeOf } from '../../../src/sources/markdown/checks.js'
import { baseName, jsonExcerpt, yamlFragments } from '../../../src/sources/markdown/excerpts.js'
import { walkthroughs } from '../../../walkthroughs/index.js'
import { ctx as stepContext } from '../../helpers.js'

const fixture = async (path: string): Promise<string> => readFile(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8')
/** The fenced block that follows `after` in a corpus page. */
async function excerpt(page: string, after: string): Promise<string> {
  const text = await fixture(`docs/${page}/page.md`)
  const from = text.indexOf(after)
  const open = text.indexOf('```', text.indexOf('```', from) + 3)
  const body = text.indexOf('\n', open) + 1
  return text.slice(body, text.indexOf('```', body))
}
const docs = fileURLToPath(new URL('../../fixtures/docs/', import.meta.url))
const listing: CommandContext = { cluster: { name: 'c', server: '' }, namespace: 'default' }
const passes = (recording: string, output: string): boolean =>
  comparisonAssertions(compareWithRecording('s', recording, output, { stdout: output })).every((a) => a.ok)

describe('YAML excerpts of a whole object', () => {
  it('memory-default-namespace: the containers of a Pod, found under spec', async () => {
    const recording = await excerpt('memory-default-namespace', 'kubectl get pod default-mem-demo --output=yaml')
    const output = await fixture('markdown/outputs/memory-defaults-pod.yaml')
    expect(recording).toMatch(/^containers:\n- image: nginx/)
    expect(passes(recording, output)).toBe(true)
    // One value changed in the excerpt: a real difference, named.
    const wrong = recording.replace('memory: 512Mi', 'memory: 1Gi')
    const c = compareWithRecording('s', wrong, output, { stdout: output })
    expect(
      comparisonAssertions(c)
        .filter((a) => !a.ok)
        .map((a) => [a.expected, a.actual]),
    ).toEqual([['1Gi', '512Mi']])
  })

  it("quality-service-pod: fields with `...` between them, one container's resources under a list", async () => {
    const recording = await excerpt('quality-service-pod', 'kubectl get pod qos-demo --namespace=qos-example --output=yaml')
    const output = await fixture('markdown/outputs/qos-demo-pod.yaml')
    expect(recording).toMatch(/^spec:\n {2}containers:\n {4}\.\.\.\n/)
    expect(passes(recording, output)).toBe(true)
    expect(passes(recording.replace('qosClass: Guaranteed', 'qosClass: Burstable'), output)).toBe(false)
    expect(passes(recording.replace('cpu: 700m', 'cpu: 800m'), output)).toBe(false)
  })
})

// The pages below are run through kubewalk's reader and compiler (their recordings as the step holds them, the
// page's own values from its lines); their live outputs (test/fixtures/markdown/outputs/termination-demo-pod.yaml,
// pod-quota-demo-deployment.yaml, default-podlist.json) are written by hand as kubectl 1.37 and the API server
// print them, not taken from a lab.
async function stepOf(slug: string, command: string): Promise<{ step: Step<object>; recording: string }> {
  const w = await loadWalkthrough(walkthroughs, join(docs, slug, 'page.md'), {})
  const step = w.steps.find((s) => commandOf(s, listing) === command)
  const recording = step && w.recorded?.()[step.id]?.stdout
  if (step === undefined || recording === undefined) throw new Error(`${slug}: no step runs ${command} with a recording`)
  return { step: step as Step<object>, recording }
}
const context: StepContext = stepContext({ namespace: 'default', now: new Date('2026-12-06T10:05:00Z') })
/** The step's failed assertions for this standard output. */
function failures(step: Step<object>, stdout: string): Assertion[] {
  const value = step.parse({ stdout, stderr: '', exitCode: 0 }, context)
  return step.check?.(value, context).filter((a) => !a.ok) ?? []
}

describe('YAML excerpts whose elisions skip levels', () => {
  it("determine-reason-pod-failure: `kind: Pod`, `...`, then a container status's lastState, found under status.containerStatuses[0]", async () => {
    const { step, recording } = await stepOf('determine-reason-pod-failure', 'kubectl get pod termination-demo --output=yaml')
    expect(recording).toMatch(/^kind: Pod\n\.\.\.\n {4}lastState:\n/m)
    expect(recording).toMatch(/^ {8}containerID: \.\.\.$/m)
    const output = await fixture('markdown/outputs/termination-demo-pod.yaml')
    expect(failures(step, output)).toEqual([])
    expect(failures(step, output.replace('exitCode: 0', 'exitCode: 1'))).toEqual([
      expect.objectContaining({
        expected: 0,
        actual: 1,
        name: expect.stringMatching(/^status\.containerStatuses\[0\]\.lastState\.terminated\.exitCode /),
      }),
    ])
    expect(failures(step, output.replace('  Sleep expired\n', '  Sleep failed\n'))).toHaveLength(1)
    // An elided value is present, any value: a status without it is not the page's.
    expect(failures(step, output.replace(/^ {8}containerID: .*\n/m, ''))).toEqual([expect.objectContaining({ expected: '...' })])
  })

  it('quota-pod-namespace: spec and status cut with `...`, then a condition whose first line lost its indentation', async () => {
    const { step, recording } = await stepOf(
      'quota-pod-namespace',
      'kubectl get deployment pod-quota-demo --namespace=quota-pod-example --output=yaml',
    )
    expect(recording).toMatch(
      /^\.\.\.\nlastUpdateTime: 2017-07-07T20:57:05Z\n {4}message: 'unable to create pods: pods "pod-quota-demo-1650323038-"/m,
    )
    const output = await fixture('markdown/outputs/pod-quota-demo-deployment.yaml')
    expect(failures(step, output)).toEqual([])
    // The page's message was wrapped by an older controller (`unable to create pods: …`) and names a ReplicaSet hash of before 1.8.
    const c = compareWithRecording('s', recording, output, { stdout: output, pinned: [] })
    expect(c.items).toContainEqual(expect.objectContaining({ path: 'status.conditions[1].message', kind: 'version' }))
    expect(failures(step, output.replace('availableReplicas: 2', 'availableReplicas: 1'))).toEqual([
      expect.objectContaining({ expected: 2, actual: 1, name: expect.stringMatching(/^status\.availableReplicas /) }),
    ])
    expect(failures(step, output.replace('replicas: 3', 'replicas: 4'))).toHaveLength(1)
    // The condition's message says what the quota refused: another refusal is real.
    expect(failures(step, output.replace('exceeded quota:\n      pod-demo', 'exceeded quota:\n      other-quota'))).toHaveLength(1)
  })
  it("quality-service-pod: the same keys twice (one container's, then another's) start a fragment each, each found in its container", async () => {
    const { step } = await stepOf('quality-service-pod', 'kubectl get pod qos-demo-4 --namespace=qos-example --output=yaml')
    // The lab's qos-demo output, edited to what kubectl 1.37 prints for pods/qos/qos-pod-4.yaml (two containers, one request).
    const output = (await fixture('markdown/outputs/qos-demo-pod.yaml'))
      .replaceAll('qos-demo', 'qos-demo-4')
      .replace('name: qos-demo-4-ctr', 'name: qos-demo-4-ctr-1')
      .replace(/ {4}resources:\n {6}limits:\n {8}cpu: 700m\n {8}memory: 200Mi\n {6}requests:\n {8}cpu: 700m\n/, '    resources:\n      requests:\n')
      .replace('  dnsPolicy:', '  - image: redis\n    imagePullPolicy: Always\n    name: qos-demo-4-ctr-2\n    resources: {}\n  dnsPolicy:')
      .replace('qosClass: Guaranteed', 'qosClass: Burstable')
    expect(failures(step, output)).toEqual([])
    expect(failures(step, output.replace('qosClass: Burstable', 'qosClass: BestEffort'))).toHaveLength(1)
    expect(failures(step, output.replace('memory: 200Mi', 'memory: 100Mi'))).toHaveLength(1)
    expect(failures(step, output.replace('    resources: {}\n', '    resources:\n      limits:\n        cpu: 100m\n'))).toHaveLength(1)
  })
})

describe("a JSON body cut with `...`, and the objects of the author's cluster", () => {
  const command = 'curl http://localhost:8080/api/v1/namespaces/default/pods'
  it('http-proxy-access-api: the PodList is read as JSON; its kubernetes-bootcamp Pod, which the page never makes, is expected', async () => {
    const { step, recording } = await stepOf('http-proxy-access-api', command)
    expect(recording).toContain('"name": "kubernetes-bootcamp-2321272333-ix8pt"')
    expect(shapeOf(recording)).toBe('json')
    const output = await fixture('markdown/outputs/default-podlist.json')
    expect(failures(step, output)).toEqual([])
    const c = compareWithRecording('s', recording, output, { stdout: output, pinned: ['node-hello'] })
    expect(c.items).toContainEqual(expect.objectContaining({ path: 'items.kubernetes-bootcamp-<suffix>.metadata.labels.run', kind: 'expected' }))
    expect(c.items.find((i) => i.path.startsWith('items.kubernetes-bootcamp-<suffix>.'))?.note).toMatch(/author's cluster/)
    expect(failures(step, output.replace('"kind": "PodList"', '"kind": "PodLost"'))).toHaveLength(1)
  })
  it("a PodList with no items fails: the page's list shows objects", async () => {
    const { step } = await stepOf('http-proxy-access-api', command)
    const empty = JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '581' }, items: [] }, null, 2)
    const failed = failures(step, empty)
    expect(failed.length).toBeGreaterThan(0)
    expect(failed[0]?.name).toMatch(/the page's list shows objects; the output's list has none/)
  })
  it('a recorded object whose name the page sets stays real when it is missing', async () => {
    const { recording } = await stepOf('http-proxy-access-api', command)
    const output = await fixture('markdown/outputs/default-podlist.json')
    const other = output.replaceAll('node-hello', 'other-pod')
    const mine = recording.replaceAll('kubernetes-bootcamp', 'node-hello')
    const c = compareWithRecording('s', mine, other, { stdout: other, pinned: ['node-hello'] })
    expect(c.items.filter((i) => i.kind === 'real').map((i) => i.path)).toContain('items.node-hello-<suffix>.metadata.labels.run')
  })
})

describe("a node's name", () => {
  it("environment-variable-expose-pod-information: the Pod prints its node's name, minikube on the page's cluster", async () => {
    const text = await fixture('docs/environment-variable-expose-pod-information/page.md')
    expect(text).toMatch(/^minikube$/m)
    expect(passes('minikube\ndapi-envars-fieldref\ndefault\n', 'kubewalk-node\ndapi-envars-fieldref\ndefault\n')).toBe(true)
    expect(passes('minikube\ndapi-envars-fieldref\ndefault\n', 'kind-control-plane\ndapi-envars-fieldref\ndefault\n')).toBe(true)
    expect(passes('minikube\ndapi-envars-fieldref\ndefault\n', 'kubewalk-node\ndapi-envars-other\ndefault\n')).toBe(false)
  })
})

describe('the rules, one by one', () => {
  it("a YAML excerpt's fragments: split where an elision skips levels, a first line that lost its indentation given its siblings'", async () => {
    const { recording: pod } = await stepOf('determine-reason-pod-failure', 'kubectl get pod termination-demo --output=yaml')
    expect(yamlFragments(pod).map((f) => [f.at, f.value])).toEqual([
      [0, { apiVersion: 'v1', kind: 'Pod' }],
      [3, { lastState: { terminated: { containerID: '...', exitCode: 0, finishedAt: '...', message: 'Sleep expired\n' } } }],
    ])
    const { recording: deployment } = await stepOf(
      'quota-pod-namespace',
      'kubectl get deployment pod-quota-demo --namespace=quota-pod-example --output=yaml',
    )
    expect(yamlFragments(deployment).map((f) => [f.at, Object.keys(f.value as object)])).toEqual([
      [0, ['spec', 'status']],
      [7, ['lastUpdateTime', 'message']],
    ])
    // Beside a `key:`, an elision indented under it leaves the fragment whole (quality-service-pod's containers).
    expect(yamlFragments('spec:\n  containers:\n    ...\n    resources:\n      cpu: 1\n')).toHaveLength(1)
    // A fragment that is no YAML at all stays lines.
    expect(yamlFragments('kind: Pod\n...\n    not: [yaml\n')[1]).toEqual({ at: 2, lines: ['    not: [yaml'] })
  })
  it('a JSON body cut with `...`: closed by indentation, its trailing commas dropped', () => {
    expect(jsonExcerpt('{\n  "a": {\n    "b": [\n      1,\n      ...\n  },\n  "c": 2,\n  ...\n}')).toEqual({ a: { b: [1] }, c: 2 })
    expect(jsonExcerpt('{\n  "uid": ...,\n  "x": 1')).toEqual({ uid: '...', x: 1 })
    expect(jsonExcerpt('{\n  "a": 1\n]')).toBeUndefined()
  })
  it.each([
    ['kubernetes-bootcamp-2321272333-ix8pt', 'kubernetes-bootcamp'],
    ['nginx-deployment-66b6c48dd5-4jw2p', 'nginx-deployment'],
    ['pod-quota-demo-1650323038-', 'pod-quota-demo'],
    ['hello-27817300', 'hello'],
    ['node-hello', 'node-hello'],
  ])('the name %s was made from %s', (name, base) => expect(baseName(name)).toBe(base))
})

describe('an excerpt whose keys the whole object also has', () => {
  // kubernetes/website update-api-object-kubectl-patch.md: after the JSON merge patch, `kubectl get deployment patch-demo
  // --output yaml` is shown as `spec: containers:`, the Pod template's spec, though the Deployment has a `spec` too.
  const recorded = 'spec:\n  containers:\n  - image: gcr.io/google-samples/node-hello:1.0\n    ...\n    name: patch-demo-ctr-3'
  // The Deployment as kubectl 1.37 prints it (trimmed to the fields that matter here).
  const live = (image: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: patch-demo
  namespace: default
spec:
  replicas: 2
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - image: ${image}
        imagePullPolicy: IfNotPresent
        name: patch-demo-ctr-3
        resources: {}
      dnsPolicy: ClusterFirst
      restartPolicy: Always
status:
  availableReplicas: 2
`
  const real = (text: string) =>
    compareWithRecording('s', recorded, text, { pinned: ['patch-demo', 'patch-demo-ctr-3'] }).items.filter((i) => i.kind === 'real')
  it('is found where it fits best, the Pod template', () => expect(real(live('gcr.io/google-samples/node-hello:1.0'))).toEqual([]))
  it('and still fails a value that differs there', () => expect(real(live('nginx'))).toHaveLength(1))
})

describe('an excerpt that stops at a bare key', () => {
  // kubernetes/website update-api-object-kubectl-patch.md, after the retainKeys patch: the page stops at `template:`.
  const recorded = 'spec:\n  strategy:\n    type: Recreate\n  template:'
  // The Deployment as kubectl 1.37 prints it (trimmed).
  const live = (type: string): string =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: retainkeys-demo\nspec:\n  replicas: 1\n  strategy:\n    type: ${type}\n  template:\n    metadata:\n      labels:\n        app: nginx\n    spec:\n      containers:\n      - image: nginx\n        name: retainkeys-demo-ctr\n`
  const real = (text: string) => compareWithRecording('s', recorded, text, { pinned: ['retainkeys-demo'] }).items.filter((i) => i.kind === 'real')
  it('takes the key’s value as cut, not as null', () => expect(real(live('Recreate'))).toEqual([]))
  it('still fails what it shows', () => expect(real(live('RollingUpdate'))).toHaveLength(1))
})
