// What the article recorded for each step, as the step's parser sees it: the baseline for drift.
import { readFileSync } from 'node:fs'
import { packagePath } from '../../src/platform/paths.js'
import type { WalkthroughSource } from '../../src/core/walkthrough.js'
import type { StepOutput } from '../../src/core/step.js'

/** The article: minikube v1.32.0, Kubernetes v1.28.3, kubectl v1.28.2; recordedAt is when its step 04 token was minted (iat), the time its tokens are judged at. */
export const ARTICLE = {
  title: 'Calling the Kubernetes API with curl using a ServiceAccount token',
  date: '2024-07-07',
  kubernetes: 'v1.28.3',
  kubectl: 'v1.28.2',
  recordedAt: new Date('2024-07-06T23:02:28Z'),
  cluster: { name: 'test', server: 'https://127.0.0.1:32784' },
} satisfies WalkthroughSource

let cache: Record<string, StepOutput> | undefined

/** The article's recorded output of each step, by step id. */
export function articleOutputs(): Record<string, StepOutput> {
  if (cache) return cache
  const dir = packagePath('article/recorded/')
  const read = (f: string): string => readFileSync(dir + f, 'utf8')
  const out = (o: Partial<StepOutput>): StepOutput => ({ stdout: '', stderr: '', exitCode: 0, ...o })
  cache = {
    'list-clusters': out({ stdout: read('01-list-clusters.stdout.txt') }),
    'set-cluster-name': out({ captured: 'test' }),
    'apiserver-url': out({ captured: 'https://127.0.0.1:32784' }),
    'create-token': out({ captured: read('04-create-token.token.txt').trim() }),
    'call-api': out({ stdout: read('05-call-api.stdout.txt') }),
    'token-duration': out({ stdout: read('06-token-duration.stdout.txt'), stderr: read('06-token-duration.stderr.txt') }),
    'list-secrets-before': out({ stderr: read('07-list-secrets-before.stderr.txt') }),
    'apply-token-secret': out({ stdout: read('08-apply-token-secret.stdout.txt') }),
    'list-secrets-after': out({ stdout: read('09-list-secrets-after.stdout.txt') }),
    'secrets-yaml': out({ stdout: read('10-secrets-yaml.stdout.txt') }),
    'read-secret-token': out({ captured: read('11-read-secret-token.token.txt').trim() }),
    'call-api-secret-token': out({ stdout: read('12-call-api-secret-token.stdout.txt') }),
    'delete-token-secret': out({ stdout: read('13-delete-token-secret.stdout.txt') }),
    'call-api-revoked': out({ stdout: read('14-call-api-revoked.stdout.txt') }),
  }
  return cache
}
