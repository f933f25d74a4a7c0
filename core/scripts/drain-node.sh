#!/usr/bin/env bash
# When a node leaves the config, first of its removal steps, on a control plane that stays: drains
# it (bounded) so its pods move first; for a stacked control plane, removes its etcd member through
# another member, matched by peer URL. kubeadm reset on the node would only warn if that failed
# (removeetcdmember.go), and cannot run at all on a host that is gone. Refused when it would
# remove the last member or leave fewer healthy members than their quorum.
set -euo pipefail
: "${NODE_NAME:?}"
: "${ROLE:?}"
: "${ETCD_MODE:?}"
: "${PEER_URL:?}"
: "${DRAIN_TIMEOUT_SECONDS:?}"
# @include lib/etcd.sh
export KUBECONFIG=/etc/kubernetes/admin.conf

if [ ! -f "$KUBECONFIG" ]; then
  echo "kubeadm-ha: $(hostname) has no ${KUBECONFIG}: it is not a control plane of the cluster; cannot remove ${NODE_NAME} from here" >&2
  exit 1
fi
if kubectl get node "$NODE_NAME" >/dev/null 2>&1; then
  if ! kubectl drain "$NODE_NAME" --ignore-daemonsets --delete-emptydir-data --timeout="${DRAIN_TIMEOUT_SECONDS}s"; then
    echo "kubeadm-ha: drain of ${NODE_NAME} did not finish in ${DRAIN_TIMEOUT_SECONDS} s; its pods go when it leaves" >&2
  fi
else
  echo "drain: Node ${NODE_NAME} is not registered; nothing to drain"
fi
if [ "$ROLE" = controlPlane ] && [ "$ETCD_MODE" = stacked ]; then
  etcd_remove_member "$PEER_URL" "etcd-${NODE_NAME}"
fi
