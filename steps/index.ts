// The article, the default walkthrough: its steps in order (ids are part of the CLI: keep them), its
// variables, setting, prose (walkthrough.md), recordings (article/recorded/) and drift rules.
import { readFileSync } from 'node:fs'
import { packagePath } from '../src/platform/paths.js'
import { parseProse } from '../src/sources/prose.js'
import { defineWalkthrough } from '../src/core/walkthrough.js'
import { listClusters } from './01-list-clusters.js'
import { setClusterName } from './02-set-cluster-name.js'
import { apiserverUrl } from './03-apiserver-url.js'
import { createToken } from './04-create-token.js'
import { callApi } from './05-call-api.js'
import { tokenDuration } from './06-token-duration.js'
import { listSecretsBefore } from './07-list-secrets-before.js'
import { applyTokenSecret } from './08-apply-token-secret.js'
import { listSecretsAfter } from './09-list-secrets-after.js'
import { secretsYaml } from './10-secrets-yaml.js'
import { readSecretToken } from './11-read-secret-token.js'
import { callApiSecretToken } from './12-call-api-secret-token.js'
import { deleteTokenSecret } from './13-delete-token-secret.js'
import { callApiRevoked } from './14-call-api-revoked.js'
import { articleDrift } from './lib/drift.js'
import { ARTICLE, articleOutputs } from './lib/recorded.js'
import { articleTraces } from './lib/traces.js'
import { APISERVER, CLUSTER_NAME, TOKEN, TOKEN_LIFETIME } from './lib/vars.js'

export const steps = [
  listClusters,
  setClusterName,
  apiserverUrl,
  createToken,
  callApi,
  tokenDuration,
  listSecretsBefore,
  applyTokenSecret,
  listSecretsAfter,
  secretsYaml,
  readSecretToken,
  callApiSecretToken,
  deleteTokenSecret,
  callApiRevoked,
] as const

let prose: ReturnType<typeof parseProse> | undefined

export const article = defineWalkthrough({
  id: 'article',
  title: ARTICLE.title,
  source: ARTICLE,
  vars: [CLUSTER_NAME, APISERVER, TOKEN],
  settings: [TOKEN_LIFETIME],
  steps,
  prose: () => (prose ??= parseProse('walkthrough.md', readFileSync(packagePath('walkthrough.md'), 'utf8'))),
  recorded: articleOutputs,
  drift: articleDrift,
  traces: articleTraces,
  // `kubectl create token` came with 1.24; its lines call the API with curl, as the default ServiceAccount.
  requires: { kubernetes: '1.24', tools: ['curl'], objects: ['serviceaccount/default'] },
})
export default article
