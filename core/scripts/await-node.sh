#!/usr/bin/env bash
# On create: waits (bounded) until the node has registered with the API.
# Its delete command drains the node before the node itself is reset.
set -euo pipefail
: "${NODE_NAME:?}"
: "${ATTEMPTS:?}"
export KUBECONFIG=/etc/kubernetes/admin.conf
for ((i = 1; i <= ATTEMPTS; i++)); do
  if kubectl get node "$NODE_NAME" >/dev/null 2>&1; then
    echo "node ${NODE_NAME} registered"
    exit 0
  fi
  sleep 5
done
echo "kubeadm-ha: node ${NODE_NAME} did not register after ${ATTEMPTS} checks; see /var/log/kubeadm-ha/kubeadm-join.log on it" >&2
exit 1
