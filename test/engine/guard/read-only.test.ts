// Which lines are one kubectl call that only reads: the next step's typed guard may run beside those, and only those.
import { describe, expect, it } from 'vitest'
import { isLoneKubectlRead } from '../../../src/engine/guard/read-only.js'

describe('isLoneKubectlRead', () => {
  it.each([
    'kubectl get secrets',
    'kubectl get secrets -o yaml',
    'kubectl get secrets -o jsonpath=\'{range .items[*]}{.metadata.name}{"\\n"}{end}\'',
    'kubectl config view -o jsonpath="{.clusters[?(@.name==\\"$CLUSTER_NAME\\")].cluster.server}"',
    'kubectl -n kube-system describe pod coredns',
    'kubectl get pods -n ${NS} --show-labels',
    'kubectl auth can-i list pods --as=system:serviceaccount:x:y',
    'kubectl config current-context',
    'kubectl logs web -c app',
    'kubectl cluster-info  ',
  ])('reads only: %s', (line) => {
    expect(isLoneKubectlRead(line)).toBe(true)
  })
  it.each([
    'kubectl apply -f x.yaml',
    'kubectl create token default',
    'kubectl config set-context --current --namespace=x',
    'kubectl config use-context dev',
    'kubectl auth reconcile -f rbac.yaml',
    'kubectl exec web -- ls /',
    'kubectl get pods | grep web',
    'kubectl get pods > pods.txt',
    'kubectl get pods 2>/dev/null',
    'kubectl get pods; kubectl delete pod web',
    'kubectl get pods && echo ok',
    'kubectl get pods &',
    'kubectl get pods\nkubectl delete pod web',
    'kubectl get pods # then delete it',
    'PODS=$(kubectl get pods)',
    'kubectl get pods $(echo -A)',
    'kubectl get `echo pods`',
    '(kubectl get pods)',
    "kubectl get 'pods",
    'curl -k $APISERVER/api',
    '/usr/local/bin/kubectl get pods',
    // In bash $'a\'' is the word a' (the \' is escaped there), so the `;` and the delete after it are a second command.
    "kubectl get $'a\\'' ; kubectl delete pod web #'",
    'kubectl get pods -n $[1+1]',
    'kubectl get --raw /api/v1/namespaces/default/services/web/proxy/reset',
    'kubectl get --raw=/api',
    'kubectl cluster-info dump --output-directory=out',
  ])('more than a read: %j', (line) => {
    expect(isLoneKubectlRead(line)).toBe(false)
  })
})
