// Other Secrets in the namespace are printed by `kubectl get secrets -o yaml` too: all their data is masked.
import { describe, expect, it } from 'vitest'
import { run } from '../../src/engine/runner.js'
import { Secrets } from '../../src/engine/redact.js'
import { createConsoleReporter } from '../../src/faces/report/console.js'
import { renderJson } from '../../src/faces/report/json.js'
import { exerciseStep } from '../../src/core/exercise.js'
import type { Step } from '../../src/core/step.js'
import { secretsYaml } from '../../steps/10-secrets-yaml.js'
import { applyTokenSecret } from '../../steps/08-apply-token-secret.js'
import { articleCluster, fixture } from '../helpers.js'

const password = Buffer.from('hunter2-database-password').toString('base64')
const registry = Buffer.from('{"auths":{"r.example":{"auth":"dXNlcjpwYXNz"}}}').toString('base64')
const yaml = `${fixture('article/10-secrets-yaml.stdout.txt').replace(
  'kind: List',
  `- apiVersion: v1
  data:
    password: ${password}
    .dockerconfigjson: ${registry}
  kind: Secret
  metadata:
    name: someone-elses
    namespace: default
  type: Opaque
- apiVersion: v1
  data:
    dbpass: ${Buffer.from('correct-horse-battery').toString('base64')}
  kind: Secret
  metadata:
    annotations:
      kubectl.kubernetes.io/last-applied-configuration: |
        {"apiVersion":"v1","kind":"Secret","metadata":{"annotations":{},"name":"applied-with-stringdata","namespace":"default"},"stringData":{"dbpass":"correct-horse-battery"},"type":"Opaque"}
    name: applied-with-stringdata
    namespace: default
  type: Opaque
kind: List`,
)}`
// What the annotation of step 08's own Secret says is not secret, and stays readable.
const tokenSecretAnnotation = '{"apiVersion":"v1","kind":"Secret","metadata":{"annotations":{"kubernetes.io/service-account.name":"default"}'

async function render(step: Step, command = 'printf "%s" "$YAML"'): Promise<string> {
  const secrets = new Secrets()
  const out: string[] = []
  const reporter = createConsoleReporter({ write: (t) => void out.push(t), pretty: false, secrets })
  // The step's own parser and masking hook; only the command is replaced by the recorded output.
  const result = await run({
    cluster: articleCluster,
    clusters: [articleCluster],
    secrets,
    env: { YAML: yaml },
    commandTimeoutMs: 1_000,
    steps: [{ ...step, command }],
    onEvent: (e) => reporter.onEvent(e),
  })
  return out.join('') + renderJson(result, { ...articleCluster, version: 'v1.28.3' }, { secrets })
}

describe('Secret data in YAML output', () => {
  it.each([
    ['step 10 (secrets-yaml)', secretsYaml],
    ['kubewalk check apply-token-secret', exerciseStep(applyTokenSecret)],
  ])('%s masks every Secret in the namespace, not only default-token', async (_name, step) => {
    const text = await render(step)
    expect(text).toContain('name: someone-elses')
    for (const secret of [password, registry, 'ZGVmYXVsdA==', 'LS0tLS1CRUdJTi']) expect(text).not.toContain(secret)
  })

  it('masks what kubectl apply kept in plain text in last-applied-configuration, and leaves an annotation without data readable', async () => {
    const text = await render(secretsYaml)
    expect(text).toContain('name: applied-with-stringdata')
    expect(text).not.toContain('correct-horse-battery')
    expect(text).toContain(tokenSecretAnnotation)
  })

  it.each([
    ['exits non-zero after printing', 'printf "%s" "$YAML"; exit 1'],
    ['is cut short by the timeout', 'printf "%s" "$YAML"; sleep 5'],
  ])('masks the data of a line that %s', async (_name, command) => {
    const text = await render(secretsYaml, command)
    expect(text).toMatch(/✘ 01\/1 secrets-yaml/)
    for (const secret of [password, registry, 'correct-horse-battery']) expect(text).not.toContain(secret)
  })
})
