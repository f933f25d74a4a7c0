#!/usr/bin/env bash
# Runs on a control plane after a removed node was reset: deletes its Node object.
set -euo pipefail
: "${NODE_NAME:?}"
export KUBECONFIG=/etc/kubernetes/admin.conf
if [ -f "$KUBECONFIG" ]; then
  kubectl delete node "$NODE_NAME" --ignore-not-found --wait=true
fi
