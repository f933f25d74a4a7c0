#!/usr/bin/env bash
# Final check on the first control plane: every expected node is Ready and etcd has quorum.
# Prints one JSON object (the `clusterHealth` stack output); fails if the cluster is not healthy
# within the bounded wait.
set -euo pipefail
: "${EXPECTED_NODES:?}"
: "${ETCD_MODE:?}"
: "${ETCD_QUORUM:?}"
: "${ATTEMPTS:?}"
export KUBECONFIG=/etc/kubernetes/admin.conf
read -r -a expected <<<"$EXPECTED_NODES"

ready_nodes() {
  kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' |
    awk '$2 == "True" { print $1 }'
}
all_ready=false
for ((i = 1; i <= ATTEMPTS; i++)); do
  # A brief API error through the VIP must not end the wait: retry within the bound.
  ready=$(ready_nodes) || ready=""
  missing=0
  for n in "${expected[@]}"; do grep -qxF "$n" <<<"$ready" || missing=$((missing + 1)); done
  if [ "$missing" -eq 0 ]; then all_ready=true; break; fi
  sleep 5
done

etcd_members=0
etcd_healthy=0
if [ "$ETCD_MODE" = "stacked" ]; then
  pod="etcd-$(kubectl get nodes -l node-role.kubernetes.io/control-plane -o jsonpath='{.items[0].metadata.name}')"
  etcdctl() {
    kubectl -n kube-system exec "$pod" -- etcdctl --endpoints=https://127.0.0.1:2379 \
      --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/server.crt \
      --key=/etc/kubernetes/pki/etcd/server.key "$@"
  }
  etcd_members=$(etcdctl member list | grep -c ', started, ' || true)
  etcd_healthy=$(etcdctl endpoint health --cluster 2>&1 | grep -c 'is healthy' || true)
fi

node_json=""
for n in "${expected[@]}"; do
  state=false
  grep -qxF "$n" <<<"$ready" && state=true
  node_json+="${node_json:+,}{\"name\":\"${n}\",\"ready\":${state}}"
done
quorum_ok=true
if [ "$ETCD_MODE" = "stacked" ] && [ "$etcd_healthy" -lt "$ETCD_QUORUM" ]; then quorum_ok=false; fi
printf '{"nodes":[%s],"allNodesReady":%s,"etcd":{"mode":"%s","members":%s,"healthyEndpoints":%s,"quorum":%s,"hasQuorum":%s}}\n' \
  "$node_json" "$all_ready" "$ETCD_MODE" "$etcd_members" "$etcd_healthy" "$ETCD_QUORUM" "$quorum_ok"
if [ "$all_ready" != true ] || [ "$quorum_ok" != true ]; then
  echo "kubeadm-ha: cluster not healthy (nodes ready: ${all_ready}, etcd healthy endpoints: ${etcd_healthy}/${ETCD_QUORUM} needed)" >&2
  exit 1
fi
