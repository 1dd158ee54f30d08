// rbac-pods: the article's sequel for a workshop, "from 403 to 200". Its steps, variables, prose,
// recordings (recorded/, from a replay on the lab) and drift rules; nothing in src/ knows it.
import { readFileSync } from 'node:fs'
import { packagePath } from '../../src/platform/paths.js'
import { parseProse } from '../../src/sources/prose.js'
import { readRecordings } from '../../src/sources/recordings.js'
import type { StepOutput } from '../../src/core/step.js'
import { defineWalkthrough } from '../../src/core/walkthrough.js'
import { apiserverUrl } from './steps/01-apiserver-url.js'
import { readNamespace } from './steps/02-read-namespace.js'
import { createToken } from './steps/03-create-token.js'
import { podsForbidden } from './steps/04-pods-forbidden.js'
import { canIBefore } from './steps/05-can-i-before.js'
import { createRole } from './steps/06-create-role.js'
import { createRoleBinding } from './steps/07-create-rolebinding.js'
import { canIAfter } from './steps/08-can-i-after.js'
import { podsAllowed } from './steps/09-pods-allowed.js'
import { deleteRoleBinding } from './steps/10-delete-rolebinding.js'
import { podsForbiddenAgain } from './steps/11-pods-forbidden-again.js'
import { deleteRole } from './steps/12-delete-role.js'
import { rbacTraces } from './lib/traces.js'
import { APISERVER, NAMESPACE, TOKEN } from './lib/vars.js'

export const steps = [
  apiserverUrl,
  readNamespace,
  createToken,
  podsForbidden,
  canIBefore,
  createRole,
  createRoleBinding,
  canIAfter,
  podsAllowed,
  deleteRoleBinding,
  podsForbiddenAgain,
  deleteRole,
] as const

const DIR = 'walkthroughs/rbac-pods/'

/** The replay recorded on the lab, by step id: stdout, stderr and the captured variable of each step. */
const recorded = (): Record<string, StepOutput> => readRecordings(packagePath(`${DIR}recorded`), steps)

let prose: ReturnType<typeof parseProse> | undefined

export const rbacPods = defineWalkthrough({
  id: 'rbac-pods',
  title: 'From 403 to 200: let the default ServiceAccount list pods with a Role and a RoleBinding',
  // Recorded on the lab (with the script `kubewalk record` replaced), Kubernetes v1.33.13 with the dispatcher's kubectl 1.33.
  source: {
    title: 'kubewalk: from 403 to 200 (a sequel to the article)',
    kubernetes: 'v1.33.13',
    kubectl: 'v1.33.1',
    cluster: { name: 'kubewalk-lab', server: 'https://127.0.0.1:42947' },
    recordedAt: new Date('2026-11-29T14:23:59Z'),
  },
  vars: [APISERVER, NAMESPACE, TOKEN],
  steps,
  // Its tokens come from `kubectl create token` (1.24+) for the default ServiceAccount; curl calls the API.
  requires: { kubernetes: '1.24', tools: ['curl'], objects: ['serviceaccount/default'] },
  prose: () => (prose ??= parseProse(`${DIR}walkthrough.md`, readFileSync(packagePath(`${DIR}walkthrough.md`), 'utf8'))),
  recorded,
  drift: [
    { path: /^value$/, steps: ['apiserver-url', 'read-namespace'], kind: 'expected', note: 'addresses and namespaces are per cluster and run' },
    // A minted token is new every run; its checks say what matters about it.
    { path: /./, steps: ['create-token'], kind: 'ignore', note: '' },
    { path: /^items/, kind: 'expected', note: 'the pods in the namespace' },
    { path: /^value$/, steps: ['delete-rolebinding', 'delete-role'], kind: 'version', note: 'this kubectl words the message differently' },
  ],
  traces: rbacTraces,
})
export default rbacPods
