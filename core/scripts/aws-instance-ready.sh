#!/usr/bin/env bash
# AWS: runs after an in-place change of this host's instance (an instanceTypes edit stops, modifies
# and starts it) and waits until the host serves again, so the next instance of its role is changed
# only then. Nothing runs on the first create; a host not set up yet has nothing to wait for.
set -euo pipefail
: "${NODE_NAME:?}"
: "${ROLE:?}"
: "${API_PORT:?}"
: "${INSTANCE_TYPE:?}"
: "${ATTEMPTS:?}"

set_up() {
  if [ "$ROLE" = loadBalancer ]; then [ -f /etc/keepalived/keepalived.conf ]; else [ -f /etc/kubernetes/kubelet.conf ]; fi
}

# The node's own credentials may read its Node object (node authorizer).
node_ready() {
  local status
  status=$(kubectl --kubeconfig /etc/kubernetes/kubelet.conf get node "$NODE_NAME" \
    -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) || return 1
  [ "$status" = True ]
}

serving() {
  case "$ROLE" in
    loadBalancer) systemctl is-active --quiet haproxy && systemctl is-active --quiet keepalived ;;
    # /readyz includes the etcd check: the local member serves again (anonymous access: system:public-info-viewer).
    controlPlane) node_ready && curl -sfk --max-time 5 "https://127.0.0.1:${API_PORT}/readyz" >/dev/null ;;
    *) node_ready ;;
  esac
}

if ! set_up; then
  echo "${NODE_NAME} (${INSTANCE_TYPE}): not set up yet, nothing to wait for"
  exit 0
fi
for attempt in $(seq 1 "$ATTEMPTS"); do
  if serving; then
    echo "${NODE_NAME} (${INSTANCE_TYPE}) serves again (check ${attempt})"
    exit 0
  fi
  sleep 10
done
echo "kubeadm-ha: ${NODE_NAME} (${ROLE}, now ${INSTANCE_TYPE}) does not serve after $((ATTEMPTS * 10)) s; the next instance of its role is left alone" >&2
exit 1
