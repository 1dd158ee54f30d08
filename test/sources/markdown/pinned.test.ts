// Values a page's own lines set, read from real pages' lines (cited per case).
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { pageValues } from '../../../src/sources/markdown/pinned.js'
import { markdownWalkthrough } from '../../../src/sources/markdown/index.js'
import type { Step } from '../../../src/core/step.js'

const step = (command: string, files: { content: string }[] = []) => ({ command, files })

describe('pageValues', () => {
  it.each([
    // kubernetes/website configure-access-multiple-clusters.md
    [
      'kubectl config --kubeconfig=config-demo set-cluster development --server=https://1.2.3.4 --certificate-authority=fake-ca-file\nkubectl config --kubeconfig=config-demo set-cluster test --server=https://5.6.7.8 --insecure-skip-tls-verify',
      ['development', '1.2.3.4', 'test', '5.6.7.8'],
    ],
    // quota-memory-cpu-namespace.md
    ['kubectl create namespace quota-mem-cpu-example', ['quota-mem-cpu-example']],
    // managing-secret-using-kubectl.md
    [
      "kubectl create secret generic db-user-pass \\\n    --from-literal=username=admin \\\n    --from-literal=password='S!B\\*d$zDsb='",
      ['db-user-pass'],
    ],
    // run-stateless-application-deployment / expose-external-ip-address.md
    ['kubectl expose deployment hello-world --type=LoadBalancer --name=my-service', ['my-service']],
    ['kubectl run nginx --image=nginx', ['nginx']],
    ['kubectl label pods my-pod new-label=awesome', ['awesome']],
    ['kubectl get pods -l app=nginx', []],
    // kubewalk's own Markdown fixtures: an exported variable is the page's (test/fixtures/markdown/hello.md, shell-only.md).
    ['export GREETING="some_greeting"', ['GREETING']],
    ['export POD_NAME=nginx NS=dev; echo "$POD_NAME"', ['POD_NAME', 'NS']],
    ['kubectl apply -f https://k8s.io/examples/admin/resource/quota-mem-cpu.yaml --namespace=quota-mem-cpu-example', []],
  ])('%s', (command, values) => expect(pageValues([step(command)])).toEqual(values))
  it("a manifest's name, namespace and labels", () => {
    const manifest =
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nginx-deployment\n  labels:\n    app: nginx\nspec:\n  selector:\n    matchLabels:\n      app: nginx\n'
    expect(pageValues([step('kubectl apply -f deployment.yaml', [{ content: manifest }])])).toEqual(['nginx-deployment', 'nginx'])
  })
  it("a container's environment variables, by name (define-environment-variable-container.md's envars.yaml)", () => {
    const dir = new URL('../../fixtures/docs/', import.meta.url)
    const envars = readFileSync(new URL('examples/pods/inject/envars.yaml', dir), 'utf8')
    expect(pageValues([step('kubectl apply -f https://k8s.io/examples/pods/inject/envars.yaml', [{ content: envars }])])).toEqual([
      'envar-demo',
      'demonstrate-envars',
      'DEMO_GREETING',
      'DEMO_FAREWELL',
    ])
  })
})

describe('a page that writes a server into a kubeconfig', () => {
  const fence = '```'
  // kubernetes/website configure-access-multiple-clusters.md, its set-cluster block and the view it records (clusters only).
  const md = `# Clusters\n\n${fence}shell\nkubectl config --kubeconfig=config-demo set-cluster development --server=https://1.2.3.4 --certificate-authority=fake-ca-file\nkubectl config --kubeconfig=config-demo set-cluster test --server=https://5.6.7.8 --insecure-skip-tls-verify\n${fence}\n\n${fence}shell\nkubectl config --kubeconfig=config-demo view\n${fence}\n\n${fence}yaml\napiVersion: v1\nclusters:\n- cluster:\n    certificate-authority: fake-ca-file\n    server: https://1.2.3.4\n  name: development\n- cluster:\n    insecure-skip-tls-verify: true\n    server: https://5.6.7.8\n  name: test\n${fence}\n`
  const view = (w: ReturnType<typeof markdownWalkthrough>) => w.steps[1] as Step<object>
  const ctx = { vars: {}, cluster: { name: 'c', server: '' }, clusters: [], namespace: 'default', settings: {}, values: new Map(), now: new Date() }
  const judge = (stdout: string) => {
    const s = view(markdownWalkthrough('clusters.md', md))
    return s.check(s.parse({ stdout, stderr: '', exitCode: 0 }, ctx), ctx)
  }
  it('passes with the servers it wrote, fails naming the one that differs', () => {
    const same =
      'apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority: fake-ca-file\n    server: https://1.2.3.4\n  name: development\n- cluster:\n    insecure-skip-tls-verify: true\n    server: https://5.6.7.8\n  name: test\n'
    expect(judge(same).every((a) => a.ok)).toBe(true)
    const moved = same.replace('https://5.6.7.8', 'https://10.96.0.1')
    expect(judge(moved)).toEqual([
      expect.objectContaining({
        ok: false,
        name: expect.stringContaining("the page's own lines set 5.6.7.8"),
        expected: 'https://5.6.7.8',
        actual: 'https://10.96.0.1',
      }),
    ])
  })
})
