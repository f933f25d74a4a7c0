#!/usr/bin/env bash
# On the node itself, when its join step is deleted: it leaves the config (after its drain step),
# or its privateAddress changed and it joins again right after. A control plane first removes its
# own etcd member through another member (matched by peer URL; refused when that would remove the
# last member or break quorum) and deletes its Node, so that the re-join is not refused ("a Node
# ... and status Ready already exists"); then kubeadm reset and the clean-up of reset-node.sh.
set -euo pipefail
: "${NODE_NAME:?}"
: "${ROLE:?}"
: "${ETCD_MODE:?}"
: "${PEER_URL:?}"
# @include lib/etcd.sh

if [ "$ROLE" = controlPlane ] && [ -f /etc/kubernetes/admin.conf ]; then
  export KUBECONFIG=/etc/kubernetes/admin.conf
  if [ "$ETCD_MODE" = stacked ]; then etcd_remove_member "$PEER_URL" "etcd-${NODE_NAME}"; fi
  kubectl delete node "$NODE_NAME" --ignore-not-found --wait=true --timeout=60s ||
    echo "kubeadm-ha: WARNING could not delete Node ${NODE_NAME}; its delete-node step does it" >&2
fi
# The marker goes first: from here on this host is no member, whatever happens next.
rm -f /etc/kubernetes/kubeadm-ha/member
# @include reset-node.sh
