// pod-token: the article's sequel, the token inside a Pod. Its steps, variables, prose, recordings (recorded/, from
// a replay on the lab with a node) and drift rules; nothing in src/ knows it. It needs a node (kubewalk lab up --node).
import { readFileSync } from 'node:fs'
import { packagePath } from '../../src/platform/paths.js'
import { parseProse } from '../../src/sources/prose.js'
import { readRecordings } from '../../src/sources/recordings.js'
import type { StepOutput } from '../../src/core/step.js'
import { defineWalkthrough } from '../../src/core/walkthrough.js'
import { apiserverUrl } from './steps/01-apiserver-url.js'
import { runPod } from './steps/02-run-pod.js'
import { waitReady } from './steps/03-wait-ready.js'
import { readToken } from './steps/04-read-token.js'
import { callApi } from './steps/05-call-api.js'
import { deletePod } from './steps/06-delete-pod.js'
import { tokenRefused } from './steps/07-token-refused.js'
import { runNoToken } from './steps/08-run-no-token.js'
import { waitNoToken } from './steps/09-wait-no-token.js'
import { noTokenMounted } from './steps/10-no-token-mounted.js'
import { deleteNoToken } from './steps/11-delete-no-token.js'
import { APISERVER, POD_TOKEN } from './lib/vars.js'

export const steps = [
  apiserverUrl,
  runPod,
  waitReady,
  readToken,
  callApi,
  deletePod,
  tokenRefused,
  runNoToken,
  waitNoToken,
  noTokenMounted,
  deleteNoToken,
] as const

const DIR = 'walkthroughs/pod-token/'

/** The replay recorded on the lab, by step id: stdout, stderr and the captured variable of each step. */
const recorded = (): Record<string, StepOutput> => readRecordings(packagePath(`${DIR}recorded`), steps)

let prose: ReturnType<typeof parseProse> | undefined

export const podToken = defineWalkthrough({
  id: 'pod-token',
  title: 'The token inside a Pod: mounted, bound to the Pod, calling the API server from in the cluster',
  // Recorded on the lab with a node (kubewalk lab up --node), Kubernetes v1.37.2 with its own kubectl.
  source: {
    title: 'kubewalk: the token inside a Pod (a sequel to the article)',
    kubernetes: 'v1.37.2',
    kubectl: 'v1.37.2',
    cluster: { name: 'kubewalk-lab', server: 'https://10.213.255.1:36169' },
    recordedAt: new Date('2026-11-30T14:51:00Z'),
  },
  vars: [APISERVER, POD_TOKEN],
  steps,
  // Bound tokens came with 1.24's TokenRequest; its Pods run the lab's tools image, and step 07 calls the API with curl.
  requires: { kubernetes: '1.24', tools: ['curl'], objects: ['serviceaccount/default'], node: true },
  prose: () => (prose ??= parseProse(`${DIR}walkthrough.md`, readFileSync(packagePath(`${DIR}walkthrough.md`), 'utf8'))),
  recorded,
  drift: [
    { path: /^value$/, steps: ['apiserver-url'], kind: 'expected', note: 'addresses are per cluster' },
    // A mounted token is new for every Pod; its checks say what matters about it.
    { path: /./, steps: ['read-token'], kind: 'ignore', note: '' },
    { path: /serverAddress/, steps: ['call-api'], kind: 'expected', note: "the API server's address is per cluster" },
    { path: /^value$/, steps: ['delete-pod', 'delete-no-token'], kind: 'version', note: 'this kubectl words the message differently' },
  ],
})
export default podToken
