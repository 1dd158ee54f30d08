#!/usr/bin/env bash
# The floor kubewalk is measured against: the article's lines in plain bash, with the same bounded
# polling kubewalk uses (250 ms) for the token controller and for the 401.
# Usage: article.sh CLUSTER_NAME full|to-12   (KUBECONFIG set by the caller)
# Prints "steps_ms=…" (lines 01-12) and, for full, "revoke_ms=…" on fd 3 for the benchmark; the
# commands' own output goes to stdout/stderr. Times come from bash's own clock (no process).
set -u
now_ms() { local t=${EPOCHREALTIME/./}; echo $(( t / 1000 )); }
begin=$(now_ms)
kubectl config view -o jsonpath='{"Cluster name\tServer\n"}{range .clusters[*]}{.name}{"\t"}{.cluster.server}{"\n"}{end}'
export CLUSTER_NAME="$1"
APISERVER=$(kubectl config view -o jsonpath="{.clusters[?(@.name==\"$CLUSTER_NAME\")].cluster.server}")
TOKEN=$(kubectl create token default)
curl -X GET $APISERVER/api --header "Authorization: Bearer $TOKEN" --insecure
kubectl create token default --v=8
kubectl get secrets
kubectl apply -f - <<EOF
apiVersion: v1
kind: Secret
metadata:
  name: default-token
  annotations:
    kubernetes.io/service-account.name: default
type: kubernetes.io/service-account-token
EOF
for i in $(seq 120); do kubectl get secrets | grep -Eq '^default-token +kubernetes.io/service-account-token +3 ' && break; sleep 0.25; done
kubectl get secrets -o yaml
for i in $(seq 120); do
  TOKEN=$(kubectl get secrets -o jsonpath="{.items[?(@.metadata.annotations['kubernetes\.io/service-account\.name']=='default')].data.token}"|base64 --decode)
  [ -n "$TOKEN" ] && break
  sleep 0.25
done
curl -X GET $APISERVER/api --header "Authorization: Bearer $TOKEN" --insecure
echo "steps_ms=$(( $(now_ms) - begin ))" >&3
if [ "$2" = to-12 ]; then
  kubectl delete secret default-token --ignore-not-found
  exit 0
fi
kubectl delete secrets default-token
deleted=$(now_ms)
for i in $(seq 120); do
  curl -X GET $APISERVER/api --header "Authorization: Bearer $TOKEN" --insecure | grep -q '"code": 401' && break
  sleep 0.25
done
echo "revoke_ms=$(( $(now_ms) - deleted ))" >&3
