#!/usr/bin/env bash
# AWS, an etcd instance (etcdCount): runs after an in-place change of its instance (an instanceTypes
# edit stops, modifies and starts it) and waits until its member answers healthy again (it sees a
# leader), so the next etcd instance is changed only then and the quorum holds. Nothing runs on the
# first create; a member not set up yet has nothing to wait for.
set -euo pipefail
: "${NODE_NAME:?}"
: "${OWN_CLIENT_URL:?}"
: "${INSTANCE_TYPE:?}"
: "${ATTEMPTS:?}"
# @include lib/etcd-hosts.sh

if [ ! -f /etc/kubernetes/manifests/etcd.yaml ]; then
  echo "${NODE_NAME} (${INSTANCE_TYPE}): no etcd member yet, nothing to wait for"
  exit 0
fi
for attempt in $(seq 1 "$ATTEMPTS"); do
  if member_healthy "$OWN_CLIENT_URL"; then
    echo "${NODE_NAME} (${INSTANCE_TYPE}): its etcd member is healthy again (check ${attempt})"
    exit 0
  fi
  sleep 10
done
echo "kubeadm-ha: ${NODE_NAME} (etcd, now ${INSTANCE_TYPE}) has no healthy etcd member after $((ATTEMPTS * 10)) s; the next etcd instance is left alone" >&2
exit 1
