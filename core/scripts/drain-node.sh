#!/usr/bin/env bash
# Runs on a control plane when a node leaves the config: drain it (bounded) so its pods move first.
set -euo pipefail
: "${NODE_NAME:?}"
export KUBECONFIG=/etc/kubernetes/admin.conf
if [ ! -f "$KUBECONFIG" ] || ! kubectl get node "$NODE_NAME" >/dev/null 2>&1; then
  echo "drain: node ${NODE_NAME} is not registered; nothing to drain"
  exit 0
fi
if ! kubectl drain "$NODE_NAME" --ignore-daemonsets --delete-emptydir-data --timeout=300s; then
  echo "kubeadm-ha: drain of ${NODE_NAME} did not finish in 300 s; continuing with its removal" >&2
fi
