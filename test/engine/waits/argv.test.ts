import { describe, expect, it } from 'vitest'
import { commandsOf, podRead, podReads } from '../../../src/engine/waits/argv.js'

describe('commandsOf', () => {
  it.each([
    ['kubectl logs x', [['kubectl', 'logs', 'x']]],
    [`kubectl exec "shell-demo" -- sh -c 'echo a; echo b'`, [['kubectl', 'exec', 'shell-demo', '--', 'sh', '-c', 'echo a; echo b']]],
    [
      'kubectl apply -f p.yaml && kubectl logs p | grep x',
      [
        ['kubectl', 'apply', '-f', 'p.yaml'],
        ['kubectl', 'logs', 'p'],
        ['grep', 'x'],
      ],
    ],
    ['kubectl logs \\\n  my-pod # the logs', [['kubectl', 'logs', 'my-pod']]],
    [
      'kubectl apply -f - <<EOF\nkind: Pod\nEOF\nkubectl logs p',
      [
        ['kubectl', 'apply', '-f', '-'],
        ['kubectl', 'logs', 'p'],
      ],
    ],
    [
      '(kubectl logs a); kubectl logs b &',
      [
        ['kubectl', 'logs', 'a'],
        ['kubectl', 'logs', 'b'],
      ],
    ],
  ])('%j', (line, expected) => {
    expect(commandsOf(line)).toEqual(expected)
  })

  it('puts in the values it knows and keeps the others with their $', () => {
    expect(commandsOf('kubectl logs $POD -c "${C}" $(date +%s) `id -u` $OTHER', { POD: 'web-1', C: 'app' })).toEqual([
      ['kubectl', 'logs', 'web-1', '-c', 'app', '$(date +%s)', '`id -u`', '$OTHER'],
    ])
  })
})

describe('podRead: the Pod a line reads, from kubernetes.io line shapes', () => {
  it.each([
    ['kubectl logs -f pod/x -c c', { verb: 'logs', kind: 'pod', name: 'x', container: 'c' }],
    ['kubectl exec -it shell-demo -- /bin/bash', { verb: 'exec', kind: 'pod', name: 'shell-demo' }],
    ['kubectl exec shell-demo -- ps aux', { verb: 'exec', kind: 'pod', name: 'shell-demo' }],
    [
      'kubectl exec -ti shell-demo -c nginx -- cat /usr/share/nginx/html/index.html',
      { verb: 'exec', kind: 'pod', name: 'shell-demo', container: 'nginx' },
    ],
    ['kubectl port-forward svc/x 8080:80', { verb: 'port-forward', kind: 'service', name: 'x' }],
    ['kubectl port-forward redis-master-765d459796-258hz 7000:6379', { verb: 'port-forward', kind: 'pod', name: 'redis-master-765d459796-258hz' }],
    ['kubectl port-forward pods/redis-master 7000:6379', { verb: 'port-forward', kind: 'pod', name: 'redis-master' }],
    ['kubectl port-forward deployment/redis-master 7000:6379', { verb: 'port-forward', kind: 'deployment', name: 'redis-master' }],
    ['kubectl logs job/pi', { verb: 'logs', kind: 'job', name: 'pi' }],
    ['kubectl logs deployment/nginx-deployment --tail=20', { verb: 'logs', kind: 'deployment', name: 'nginx-deployment' }],
    ['kubectl logs deploy/web --tail 5 -n demo', { verb: 'logs', kind: 'deployment', name: 'web', namespace: 'demo' }],
    ['kubectl logs counter count-log-1', { verb: 'logs', kind: 'pod', name: 'counter', container: 'count-log-1' }],
    ['kubectl logs --namespace=quota-demo pod/quota-pod --previous', { verb: 'logs', kind: 'pod', name: 'quota-pod', namespace: 'quota-demo' }],
    ['kubectl -n kube-system logs coredns-abc', { verb: 'logs', kind: 'pod', name: 'coredns-abc', namespace: 'kube-system' }],
    ['kubectl attach redis -i -c redis', { verb: 'attach', kind: 'pod', name: 'redis', container: 'redis' }],
    ['kubectl exec deploy/web -- date', { verb: 'exec', kind: 'deployment', name: 'web' }],
    ['kubectl exec --stdin --tty shell-demo -- /bin/bash', { verb: 'exec', kind: 'pod', name: 'shell-demo' }],
    ['kubectl exec -it redis -- redis-cli', { verb: 'exec', kind: 'pod', name: 'redis' }],
    ['kubectl logs statefulset.apps/web', { verb: 'logs', kind: 'statefulset', name: 'web' }],
  ])('%s', (line, expected) => {
    expect(podReads(line)).toEqual([{ target: [], ...expected }])
  })

  it('passes --context and --kubeconfig on to its own read', () => {
    expect(podRead(['kubectl', '--context', 'kind-a', 'logs', 'x', '--kubeconfig=/k'])?.target).toEqual(['--context=kind-a', '--kubeconfig=/k'])
  })

  it.each([
    ['kubectl get pods'],
    ['kubectl logs -l app=nginx'],
    ['kubectl logs'],
    ['kubectl exec $(kubectl get pod -o name | head -1) -- ls'],
    ['kubectl logs $POD'],
    ['echo kubectl logs x'],
    ['kubectl describe pod x'],
    ['kubectl logs node/n1'],
  ])('reads no Pod from %s', (line) => {
    expect(podReads(line)).toEqual([])
  })

  it('reads each Pod of a line with several commands', () => {
    expect(podReads('kubectl logs a; kubectl exec b -- ls && kubectl get pods').map((r) => `${r.verb} ${r.name}`)).toEqual(['logs a', 'exec b'])
  })
})
