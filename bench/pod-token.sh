#!/usr/bin/env bash
# The floor the pod-token replay is measured against: its lines in plain bash, with the same bounded polling kubewalk
# uses for the 401 (every 500 ms). KUBECONFIG set by the caller; prints "steps_ms=…" on fd 3 (bash's own clock).
set -u
now_ms() { local t=${EPOCHREALTIME/./}; echo $(( t / 1000 )); }
SA=/var/run/secrets/kubernetes.io/serviceaccount
begin=$(now_ms)
APISERVER=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
kubectl run token-demo --image=kubewalk.local/tools:1 --restart=Never --command -- sleep 3600
kubectl wait --for=condition=Ready pod/token-demo --timeout=60s
POD_TOKEN=$(kubectl exec token-demo -- cat $SA/token)
kubectl exec token-demo -- sh -c 'curl -sS --cacert '$SA'/ca.crt --header "Authorization: Bearer $(cat '$SA'/token)" https://kubernetes.default.svc/api'
kubectl delete pod token-demo --now
for i in $(seq 60); do
  curl -sS "$APISERVER/api" --header "Authorization: Bearer $POD_TOKEN" --insecure | grep -q '"code": 401' && break
  sleep 0.5
done
kubectl run no-token --image=kubewalk.local/tools:1 --restart=Never --overrides='{"apiVersion":"v1","spec":{"automountServiceAccountToken":false}}' --command -- sleep 3600
kubectl wait --for=condition=Ready pod/no-token --timeout=60s
kubectl exec no-token -- ls -A /var/run/secrets
kubectl delete pod no-token --now
echo "steps_ms=$(( $(now_ms) - begin ))" >&3
