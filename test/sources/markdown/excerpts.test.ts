// A docs page shows a YAML excerpt of what `kubectl get … -o yaml` prints whole: a subtree (`containers:`), or
// fields with `...` where it leaves some out. The excerpts are the pages' own (test/fixtures/docs), the outputs
// real ones from a lab (test/fixtures/markdown/outputs, see the README there).
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { compareWithRecording, comparisonAssertions } from '../../../src/sources/markdown/checks.js'

const fixture = async (path: string): Promise<string> => readFile(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8')
/** The fenced block that follows `after` in a corpus page. */
async function excerpt(page: string, after: string): Promise<string> {
  const text = await fixture(`docs/${page}/page.md`)
  const from = text.indexOf(after)
  const open = text.indexOf('```', text.indexOf('```', from) + 3)
  const body = text.indexOf('\n', open) + 1
  return text.slice(body, text.indexOf('```', body))
}
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

describe('excerpts read as lines', () => {
  it("http-proxy-access-api: an object's resourceVersion is the cluster's, and `...` stands for the lines left out", async () => {
    // The page's output block is indented, not fenced: the lines under "similar to this:" up to the next prose.
    const text = await fixture('docs/http-proxy-access-api/page.md')
    const from = text.indexOf('\n', text.indexOf('similar to this:', text.indexOf('curl http://localhost:8080/api/v1/namespaces/default/pods')) + 1)
    const lines = text.slice(from).split('\n').slice(1)
    const recording = lines
      .slice(
        0,
        lines.findIndex((l) => l !== '' && !l.startsWith('    ')),
      )
      .map((l) => l.slice(4))
      .join('\n')
    expect(recording).toContain('"resourceVersion": "33074"')
    expect(recording).toMatch(/^\s*\.\.\.\s*$/m)
    // The page's lines, with this cluster's counter, and more lines where the page shows `...`.
    const output = recording
      .replace('"resourceVersion": "33074"', '"resourceVersion": "581"')
      .split('\n')
      .map((l) => (/^\s*\.\.\.\s*$/.test(l) ? '    "more": "fields",' : l))
      .join('\n')
    expect(passes(recording, output)).toBe(true)
    expect(passes(recording, output.replace('"kind": "PodList"', '"kind": "PodLost"'))).toBe(false)
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
