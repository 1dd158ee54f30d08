// The article, in order. Ids are part of the CLI: keep them.
import type { Step } from '../src/step.js'
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

export const steps: readonly Step<any>[] = [
  listClusters, setClusterName, apiserverUrl, createToken, callApi, tokenDuration, listSecretsBefore,
  applyTokenSecret, listSecretsAfter, secretsYaml, readSecretToken, callApiSecretToken, deleteTokenSecret, callApiRevoked,
]
