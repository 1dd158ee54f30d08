// The default check: an output against its recording, through the drift classifier. Recordings are the
// article's (article/recorded/, Kubernetes 1.28); live outputs come from the lab (test/fixtures/lab/,
// kubectl 1.33; test/fixtures/v8/, kubectl -v=8 logs of 1.28–1.33).
import { describe, expect, it } from 'vitest'
import { compareWithRecording, comparisonAssertions, declaredCheck, httpStatus, normalize, shapeOf } from '../../../src/sources/markdown/checks.js'
import { fixture, output } from '../../helpers.js'

const realOf = (recording: string, live: string, stdout = live, subs: { recorded: string; live: string }[] = []) =>
  compareWithRecording('s', recording, live, { stdout, substitutions: subs }).items.filter((i) => i.kind === 'real')

describe('shapeOf', () => {
  it.each([
    ['article/05-call-api.stdout.txt', 'json'],
    ['article/10-secrets-yaml.stdout.txt', 'yaml'],
    ['article/09-list-secrets-after.stdout.txt', 'table'],
    ['article/01-list-clusters.stdout.txt', 'lines'],
    ['article/06-token-duration.stderr.txt', 'lines'],
    ['article/08-apply-token-secret.stdout.txt', 'lines'],
    ['article/13-delete-token-secret.stdout.txt', 'lines'],
  ])('%s is read as %s', (file, shape) => expect(shapeOf(fixture(file))).toBe(shape))
})

describe('no real difference where only the run differs', () => {
  it.each([
    ['a table: age and row order', 'article/09-list-secrets-after.stdout.txt', 'lab/kubectl-1.33-get-secrets-token-secret.stdout.txt'],
    ['lines: kubectl 1.33 says the same', 'article/07-list-secrets-before.stderr.txt', 'lab/kubectl-1.33-get-secrets-empty.stderr.txt'],
    ['a -v=8 log of another version', 'article/06-token-duration.stderr.txt', 'v8/kubectl-1.33.stderr.txt'],
    ['JSON: another address', 'article/12-call-api-secret-token.stdout.txt', 'article/05-call-api.stdout.txt'],
  ])('%s', (_, recorded, live) => expect(realOf(fixture(recorded), fixture(live))).toEqual([]))

  it('a value chosen by the reader, and the namespace the run acts in', () => {
    const live = 'Cluster name\tServer\nkubewalk-lab\thttps://127.0.0.1:41235\n'
    expect(realOf(fixture('article/01-list-clusters.stdout.txt'), live)).toHaveLength(1)
    expect(realOf(fixture('article/01-list-clusters.stdout.txt'), live, live, [{ recorded: 'test', live: 'kubewalk-lab' }])).toEqual([])
    expect(
      realOf('No resources found in default namespace.', 'No resources found in kubewalk-x1 namespace.', '', [
        { recorded: 'default', live: 'kubewalk-x1' },
      ]),
    ).toEqual([])
  })

  it('a field only the output has is reported as version, not failed', () => {
    const c = compareWithRecording('s', '{"kind":"APIVersions"}', '{"kind":"APIVersions","extra":1}')
    expect(c.items).toEqual([expect.objectContaining({ path: 'extra', kind: 'version' })])
    expect(comparisonAssertions(c)).toEqual([{ name: 'the output matches its recording (1 version difference)', ok: true }])
  })
})

describe('real differences fail', () => {
  it('a row the recording has and the output lacks', () => {
    const items = realOf(fixture('article/09-list-secrets-after.stdout.txt'), 'NAME   TYPE   DATA   AGE\n')
    // AGE too is missing, but the engine's rules call an age expected.
    expect(items.map((i) => i.path)).toEqual(['default-token.NAME', 'default-token.TYPE', 'default-token.DATA'])
  })
  it('another answer from the API server', () => {
    const items = realOf(fixture('article/14-call-api-revoked.stdout.txt'), fixture('article/12-call-api-secret-token.stdout.txt'))
    expect(items.map((i) => i.path)).toEqual(expect.arrayContaining(['kind', 'code']))
  })
  it('a line the output lacks', () => {
    expect(realOf(fixture('article/08-apply-token-secret.stdout.txt'), 'secret/default-token configured')).toHaveLength(1)
  })
  it('output that is not JSON where the recording is', () => {
    const c = compareWithRecording('s', fixture('article/05-call-api.stdout.txt'), 'Unauthorized')
    expect(comparisonAssertions(c)).toEqual([
      expect.objectContaining({ ok: false, name: 'the output as recorded: the recording is JSON; the output is not' }),
    ])
  })
})

describe('declared checks', () => {
  const revoked = output({ stdout: fixture('article/14-call-api-revoked.stdout.txt') })
  it.each([
    [{ kind: 'http', status: 401, line: 1 } as const, revoked, true],
    [{ kind: 'http', status: 200, line: 1 } as const, revoked, false],
    [{ kind: 'json', path: '.reason', equals: 'Unauthorized', line: 1 } as const, revoked, true],
    [{ kind: 'json', path: '{.code}', equals: '403', line: 1 } as const, revoked, false],
    [{ kind: 'contains', text: 'Unauthorized', line: 1 } as const, revoked, true],
    [{ kind: 'matches', regex: /"code": 40[13]/, line: 1 } as const, revoked, true],
    [
      { kind: 'cell', row: { column: 'NAME', value: 'default-token' }, column: 'DATA', equals: '3', line: 1 } as const,
      output({ stdout: fixture('article/09-list-secrets-after.stdout.txt') }),
      true,
    ],
    [
      { kind: 'cell', row: 0, column: 'TYPE', equals: 'Opaque', line: 1 } as const,
      output({ stdout: fixture('article/09-list-secrets-after.stdout.txt') }),
      false,
    ],
  ])('%o', (check, out, ok) => expect(declaredCheck(check, out, out.stdout).ok).toBe(ok))
  it('reads the status line of curl -i', () => expect(httpStatus(output({ stdout: 'HTTP/2 403 \ncontent-type: application/json\n\n{}' }))).toBe(403))
})

describe('errors compared by what they say', () => {
  // kubernetes/website quota-memory-cpu-namespace.md records the refusal wrapped; kubectl prints it on one line.
  const recorded = `Error from server (Forbidden): error when creating "examples/admin/resource/quota-mem-cpu-pod-2.yaml":
pods "quota-mem-cpu-demo-2" is forbidden: exceeded quota: mem-cpu-demo,
requested: requests.memory=700Mi,used: requests.memory=600Mi, limited: requests.memory=1Gi`
  const live =
    'Error from server (Forbidden): error when creating "https://k8s.io/examples/admin/resource/quota-mem-cpu-pod-2.yaml": pods "quota-mem-cpu-demo-2" is forbidden: exceeded quota: mem-cpu-demo, requested: requests.memory=700Mi, used: requests.memory=620Mi, limited: requests.memory=1Gi'
  it('the same refusal matches, its names and numbers an expected difference', () => {
    const c = compareWithRecording('s', recorded, live)
    expect(c.items).toEqual([expect.objectContaining({ kind: 'expected', article: expect.stringContaining('exceeded quota'), live })])
    expect(comparisonAssertions(c)[0]).toMatchObject({ ok: true })
  })
  it('another refusal fails, saying both', () => {
    const rbac =
      'Error from server (Forbidden): error when creating "x.yaml": pods "quota-mem-cpu-demo-2" is forbidden: User "jane" cannot create resource "pods" in API group "" in the namespace "quota-mem-cpu-example"'
    const [a] = comparisonAssertions(compareWithRecording('s', recorded, rbac))
    expect(a).toMatchObject({
      ok: false,
      name: 'line 1 as recorded: the recording shows the error Forbidden (exceeded quota): create pods; the output shows Forbidden (RBAC): create pods',
      actual: rbac,
    })
  })
})

describe('values the page sets compare as real', () => {
  // kubernetes/website configure-access-multiple-clusters.md: `set-cluster development --server=https://1.2.3.4`, then `config view`.
  const recorded =
    'apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority: fake-ca-file\n    server: https://1.2.3.4\n  name: development\n- cluster:\n    insecure-skip-tls-verify: true\n    server: https://5.6.7.8\n  name: test\n'
  const other = recorded.replace('https://1.2.3.4', 'https://1.2.3.5')
  it('a server the page wrote must be the one shown; unpinned, an address is the environment’s', () => {
    expect(realOf(recorded, other, other, [])).toEqual([])
    const pinned = compareWithRecording('s', recorded, other, { stdout: other, pinned: ['1.2.3.4', '5.6.7.8', 'development', 'test'] }).items
    expect(pinned.filter((i) => i.kind === 'real')).toEqual([
      expect.objectContaining({ path: 'clusters.development.cluster.server', article: 'https://1.2.3.4', live: 'https://1.2.3.5' }),
    ])
  })
  it('a name the page created, in a line of text', () => {
    const items = compareWithRecording('s', 'deployment.apps/nginx created', 'deployment.apps/web created', { pinned: ['nginx'] }).items
    expect(items).toEqual([expect.objectContaining({ kind: 'real', article: 'deployment.apps/nginx created', live: 'deployment.apps/web created' })])
  })
  it('a pinned name inside a generated one does not hold the generated part', () => {
    const items = realOf('nginx-7d4b8c9f5-xk2lp   1/1     Running   0          5s', 'nginx-66b6c48dd5-q7zrm   1/1     Running   0          9s')
    expect(items).toEqual([])
  })
})

describe('what the environment decides', () => {
  it.each([
    ['a Deployment Pod suffix', 'pod/nginx-deployment-66b6c48dd5-4jw2p', 'pod/nginx-deployment-7d4b8c9f5-xk2lp'],
    ['a kustomize hash', 'configmap/example-configmap-1-8mbdf7882g created', 'configmap/example-configmap-1-g4hk9g2ff8 created'],
    ['a CronJob Job', 'hello-27817300   1/1   5s   58s', 'hello-29381442   1/1   4s   12s'],
    ['a UID', 'uid: 8a1c4e3e-4d0a-4c52-9a33-2d5c3f5e1b11', 'uid: 0f6f0c3b-9b7e-4d2e-8f9a-1c2d3e4f5a6b'],
  ])('%s', (_, recorded, live) => expect(realOf(recorded, live)).toEqual([]))
  it('node names and cluster IPs in a table', () => {
    // kubernetes/website run-stateless-application-deployment.md shape: `kubectl get pods -o wide`.
    const recorded =
      'NAME                                READY   STATUS    RESTARTS   AGE   IP           NODE\nnginx-deployment-66b6c48dd5-4jw2p   1/1     Running   0          1m    10.244.0.5   worker-1\n'
    const live =
      'NAME                                READY   STATUS    RESTARTS   AGE   IP           NODE\nnginx-deployment-7d4b8c9f5-xk2lp    1/1     Running   0          9s    10.0.0.17    kubewalk-lab\n'
    expect(realOf(recorded, live)).toEqual([])
    expect(
      realOf(
        'NAME       STATUS   ROLES           AGE   VERSION\nworker-1   Ready    control-plane   9d    v1.28.3\n',
        'NAME           STATUS   ROLES           AGE   VERSION\nkubewalk-lab   Ready    control-plane   1m    v1.28.3\n',
      ),
    ).toEqual([])
  })
})

describe('messages say what differs', () => {
  it('a row named otherwise is compared with the row in its place', () => {
    const items = realOf(fixture('article/09-list-secrets-after.stdout.txt'), 'NAME       TYPE     DATA   AGE\nsomething   Opaque   1      5s\n')
    expect(items[0]).toMatchObject({ path: 'default-token.NAME', article: 'default-token', live: 'something' })
  })
  it('a list of objects is matched by name, not by place', () => {
    const recorded = JSON.stringify({
      items: [
        { metadata: { name: 'a' }, data: { k: '1' } },
        { metadata: { name: 'b' }, data: { k: '2' } },
      ],
    })
    const live = JSON.stringify({
      items: [
        { metadata: { name: 'b' }, data: { k: '2' } },
        { metadata: { name: 'a' }, data: { k: '9' } },
      ],
    })
    expect(realOf(recorded, live)).toEqual([expect.objectContaining({ path: 'items.a.data.k', article: '1', live: '9' })])
  })
})

describe('times and nodes in lines of text', () => {
  it.each([
    // kubectl describe pod (kubernetes/website configure-volume-storage / assign-pods-nodes shapes)
    ['Start Time:   Wed, 20 Mar 2024 10:00:00 +0000', 'Start Time:   Sun, 06 Dec 2026 08:14:35 +0000'],
    ['Node:         worker-1/10.0.2.15', 'Node:         kubewalk-lab/127.0.0.1'],
    [
      'Normal  Scheduled  5s  default-scheduler  Successfully assigned default/nginx to worker-1',
      'Normal  Scheduled  2s  default-scheduler  Successfully assigned default/nginx to kubewalk-lab',
    ],
    // date(1), as automated-tasks-with-cron-jobs.md's Job prints it
    ['Fri Feb 22 11:02:09 UTC 2019', 'Sun Dec  6 08:14:35 UTC 2026'],
  ])('%s', (recorded, live) => expect(realOf(recorded, live)).toEqual([]))
  it('a node name elsewhere in a line still counts', () => expect(realOf('pod/nginx created', 'pod/worker-1 created')).toHaveLength(1))
})

describe("a Service's ports", () => {
  // kubernetes/website expose-external-ip-address.md: `kubectl get services my-service`.
  const recorded =
    'NAME         TYPE           CLUSTER-IP     EXTERNAL-IP      PORT(S)          AGE\nmy-service   LoadBalancer   10.3.245.137   104.198.205.71   8080:32377/TCP   54s\n'
  it('another node port and cluster address is the cluster’s', () => {
    const live =
      'NAME         TYPE           CLUSTER-IP   EXTERNAL-IP      PORT(S)          AGE\nmy-service   LoadBalancer   10.0.0.12    104.198.205.71   8080:30123/TCP   3s\n'
    expect(realOf(recorded, live)).toEqual([])
  })
  it('another port is real', () =>
    expect(realOf(recorded, recorded.replace('8080:32377', '9090:32377'))).toEqual([expect.objectContaining({ path: 'my-service.PORT(S)' })]))
})

describe('excerpts and older versions', () => {
  it.each([
    [
      'a JSON body cut with `...` before its closing brackets',
      '{\n  "kind": "PodList",\n  "items": [\n    {\n      "metadata": {\n        "name": "a",\n        ...\n}',
      'json',
    ],
    ['an elided JSON value', '{\n  "uid": ...,\n  "kind": "Pod"\n}', 'json'],
    ['a log line in brackets', '[INFO] starting\n[INFO] done', 'lines'],
    ['a lone bracket', '{', 'lines'],
  ])('%s', (_, text, shape) => expect(shapeOf(text)).toBe(shape))
  it.each([
    ['a time kubectl quotes and a page does not', 'lastUpdateTime: 2017-07-07T20:57:05Z', 'lastUpdateTime: "2026-12-06T10:00:00Z"'],
    [
      'a ReplicaSet hash of before 1.8 in a generateName',
      'pods "pod-quota-demo-1650323038-" is forbidden',
      'pods "pod-quota-demo-5d8b7c5d4f-xk2lp" is forbidden',
    ],
    ['a ReplicaSet of before 1.8', 'replicaset.apps/nginx-1650323038', 'replicaset.apps/nginx-5d8b7c5d4f'],
  ])('%s normalizes alike', (_, recorded, live) => expect(normalize(recorded)).toBe(normalize(live)))
  it('the same error wrapped in more context by an older controller is a version difference; another cause is real', () => {
    const recorded = JSON.stringify({ message: 'unable to create pods: pods "q-1650323038-" is forbidden: exceeded quota: pod-demo, used: pods=2' })
    const live = JSON.stringify({ message: 'pods "q-5d8b7c5d4f-xk2lp" is forbidden: exceeded quota: pod-demo, used: pods=2' })
    expect(compareWithRecording('s', recorded, live).items).toEqual([expect.objectContaining({ path: 'message', kind: 'version' })])
    expect(realOf(recorded, live.replace('pod-demo', 'other'))).toHaveLength(1)
    expect(realOf(recorded, JSON.stringify({ message: 'exceeded quota: pod-demo, used: pods=2' }))).toHaveLength(1)
  })
})

describe('a line the page shortened with ... inside it', () => {
  // kubernetes/website downward-api-volume-expose-pod-information.md: `ls -laR /etc/podinfo`, as the page shows it.
  const recorded = `drwxr-xr-x  ... Feb 6 21:47 ..2982_06_02_21_47_53.299460680
lrwxrwxrwx  ... Feb 6 21:47 ..data -> ..2982_06_02_21_47_53.299460680
lrwxrwxrwx  ... Feb 6 21:47 annotations -> ..data/annotations
lrwxrwxrwx  ... Feb 6 21:47 labels -> ..data/labels`
  // As busybox's ls -laR prints the same folder (the lab's stand-in image).
  const live = `/etc/podinfo:
total 4
drwxrwxrwt    3 root     root           120 Dec  6 10:47 .
drwxr-xr-x    1 root     root          4096 Dec  6 10:47 ..
drwxr-xr-x    2 root     root            80 Dec  6 10:47 ..2026_12_06_10_47_53.412583101
lrwxrwxrwx    1 root     root            31 Dec  6 10:47 ..data -> ..2026_12_06_10_47_53.412583101
lrwxrwxrwx    1 root     root            18 Dec  6 10:47 annotations -> ..data/annotations
lrwxrwxrwx    1 root     root            13 Dec  6 10:47 labels -> ..data/labels`
  it('matches a line with anything where ... is, and times as times', () => expect(realOf(recorded, live)).toEqual([]))
  it('still fails a part the page shows that differs', () => {
    expect(realOf(recorded, live.replace('labels -> ..data/labels', 'labels -> ..data/other'))).toHaveLength(1)
    expect(realOf(recorded, live.replace('drwxr-xr-x    2', '-rw-r--r--    2'))).toHaveLength(1)
  })
  it("a line the page got wrong is said beside the output line most like it, not the listing's first", () => {
    const page = `${recorded}\n\n/etc/..2982_06_02_21_47_53.299460680:\ntotal 8\n-rw-r--r--  ... Feb  6 21:47 annotations\n-rw-r--r--  ... Feb  6 21:47 labels`
    const lab = fixture('markdown/outputs/downward-api-ls-laR.txt')
    expect(realOf(page, lab)).toEqual([
      expect.objectContaining({ article: '/etc/..2982_06_02_21_47_53.299460680:', live: '/etc/podinfo/..2026_12_06_21_19_32.1417499082:' }),
    ])
    // With the folder's own path the listing is the lab's, whatever the time in the subfolder's name.
    expect(realOf(page.replace('/etc/..2982', '/etc/podinfo/..2982'), lab)).toEqual([])
  })
})
