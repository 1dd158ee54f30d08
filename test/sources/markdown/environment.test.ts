// An environment listing (`printenv`, `env`) compared as a set of variables, on real pages of the corpus
// (test/fixtures/docs/, kubernetes/website, CC BY 4.0): their recordings as published, the live outputs as a
// Pod on kubewalk's lab prints them.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { Step, StepContext } from '../../../src/core/step.js'
import { compareWithRecording } from '../../../src/sources/markdown/checks.js'
import { isVariableListing } from '../../../src/sources/markdown/environment.js'
import { markdownWalkthrough } from '../../../src/sources/markdown/index.js'
import { ctx as stepContext } from '../../helpers.js'

const page = (slug: string) => {
  const file = new URL(`../../fixtures/docs/${slug}/page.md`, import.meta.url).pathname
  return markdownWalkthrough(file, readFileSync(file, 'utf8'))
}
const context: StepContext = stepContext({ namespace: 'kubewalk-envars' })
/** The assertions of the page's step that runs `command`, on `stdout`. */
const judge = (slug: string, command: string, stdout: string) => {
  const s = page(slug).steps.find((x) => x.command === command) as Step<object> | undefined
  if (s === undefined) throw new Error(`${slug} has no step ${command}`)
  return s.check(s.parse({ stdout, stderr: '', exitCode: 0 }, context), context)
}
const failed = (assertions: { ok: boolean; name: string }[]) => assertions.filter((a) => !a.ok).map((a) => a.name)

describe('define-environment-variable-container: kubectl exec envar-demo -- printenv', () => {
  const slug = 'define-environment-variable-container'
  const printenv = 'kubectl exec envar-demo -- printenv'
  // Written in the format kubectl 1.37's exec passes on (the container's printenv, one NAME=value a line): the
  // envar-demo Pod on the lab, with the cluster's Service variables, the image's PATH, no NODE_VERSION and no
  // EXAMPLE_SERVICE_* (the page author's image and cluster).
  const live = [
    'KUBERNETES_SERVICE_PORT=443',
    'KUBERNETES_PORT=tcp://10.0.0.1:443',
    'HOSTNAME=envar-demo',
    'DEMO_GREETING=Hello from the environment',
    'DEMO_FAREWELL=Such a sweet sorrow',
    'KUBERNETES_PORT_443_TCP_ADDR=10.0.0.1',
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'KUBERNETES_PORT_443_TCP_PORT=443',
    'KUBERNETES_PORT_443_TCP_PROTO=tcp',
    'KUBERNETES_SERVICE_PORT_HTTPS=443',
    'KUBERNETES_PORT_443_TCP=tcp://10.0.0.1:443',
    'KUBERNETES_SERVICE_HOST=10.0.0.1',
    'HOME=/root',
  ]
  const text = (lines: string[]) => `${lines.join('\n')}\n`

  it('the Pod’s environment passes, in any order; what the author’s image and cluster had is said', () => {
    expect(failed(judge(slug, printenv, text(live)))).toEqual([])
    expect(failed(judge(slug, printenv, text([...live].reverse())))).toEqual([])
    const recording = page(slug).recorded?.()['kubectl-exec-envar-demo-printenv']?.stdout ?? ''
    const items = compareWithRecording('s', recording, text(live), { pinned: ['DEMO_GREETING', 'DEMO_FAREWELL', 'envar-demo'] }).items
    expect(items.filter((i) => i.kind === 'expected')).toEqual([
      expect.objectContaining({ path: '$NODE_VERSION', article: '4.4.2', note: expect.stringContaining("the author's image or cluster") }),
      expect.objectContaining({ path: '$EXAMPLE_SERVICE_PORT_8080_TCP_ADDR', note: expect.stringContaining("the author's image or cluster") }),
    ])
    expect(items.filter((i) => i.kind === 'version').map((i) => i.path)).toContain('$KUBERNETES_SERVICE_HOST')
  })
  it('a variable the page sets, missing, fails', () => {
    expect(failed(judge(slug, printenv, text(live.filter((l) => !l.startsWith('DEMO_GREETING=')))))).toEqual([
      expect.stringMatching(/^\$DEMO_GREETING as recorded: the page sets DEMO_GREETING/),
    ])
  })
  it('an output without variables fails', () => {
    const error = 'error: unable to upgrade connection: container not found ("envar-demo-container")'
    expect(failed(judge(slug, printenv, `${error}\n`))).toEqual([
      'the output as recorded: the recording lists environment variables; the output none',
    ])
  })
  it('a variable the page sets, with another value, fails', () => {
    const other = live.map((l) => (l.startsWith('DEMO_GREETING=') ? 'DEMO_GREETING=other' : l))
    expect(judge(slug, printenv, text(other)).filter((a) => !a.ok)).toEqual([
      expect.objectContaining({
        name: expect.stringMatching(/^\$DEMO_GREETING as recorded/),
        expected: 'Hello from the environment',
        actual: 'other',
      }),
    ])
  })
  it('the Pod’s own name is held too (HOSTNAME is the Pod the page names)', () => {
    const other = live.map((l) => (l.startsWith('HOSTNAME=') ? 'HOSTNAME=other-pod' : l))
    expect(failed(judge(slug, printenv, text(other)))).toEqual([expect.stringMatching(/^\$HOSTNAME as recorded/)])
  })
})

describe('environment-variable-expose-pod-information: printenv in the container', () => {
  const slug = 'environment-variable-expose-pod-information'
  // Written in the format kubectl 1.37's `exec -it … -- sh` shows it (the container's printenv): the lab's
  // dapi-envars-fieldref Pod, in the run's namespace, on the lab's node, with the Pod address the lab gave it.
  const live = [
    'KUBERNETES_SERVICE_PORT=443',
    'MY_POD_SERVICE_ACCOUNT=default',
    'KUBERNETES_PORT=tcp://10.0.0.1:443',
    'HOSTNAME=dapi-envars-fieldref',
    'MY_NODE_NAME=kubewalk-node',
    'MY_POD_NAMESPACE=kubewalk-envars',
    'MY_POD_IP=10.88.0.7',
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'MY_POD_NAME=dapi-envars-fieldref',
    'KUBERNETES_SERVICE_HOST=10.0.0.1',
    'HOME=/root',
  ]
  it('passes with the run’s namespace, the cluster’s node and address; the Pod the page names, missing, fails', () => {
    expect(failed(judge(slug, 'printenv', `${live.join('\n')}\n`))).toEqual([])
    const lacking = live.filter((l) => !l.startsWith('MY_POD_NAME='))
    expect(failed(judge(slug, 'printenv', `${lacking.join('\n')}\n`))).toEqual([expect.stringMatching(/^\$MY_POD_NAME as recorded/)])
  })
})

describe('isVariableListing', () => {
  it.each([
    ['NODE_VERSION=4.4.2\nHOSTNAME=envar-demo\n...\nDEMO_GREETING=Hello from the environment', true],
    ['MY_POD_SERVICE_ACCOUNT=default\n...\nMY_POD_NAMESPACE=default', true],
    // one line is a line, not a listing
    ['DEMO_GREETING=Hello from the environment', false],
    // the downward API's labels file (downward-api-volume-expose-pod-information.md): keys, not the environment
    ['cluster="test-cluster1"\nrack="rack-22"\nzone="us-est-coast"', false],
    ['CLUSTER="test-cluster1"\nRACK="rack-22"', false],
    // kubectl's lines that hold a = are not variables
    ['pod/envar-demo created\nDEMO_GREETING=Hello', false],
    ['Error from server (Forbidden): requested: requests.memory=700Mi\nused: requests.memory=600Mi', false],
  ])('%s', (text, listing) => expect(isVariableListing(text.split('\n'))).toBe(listing))
})
