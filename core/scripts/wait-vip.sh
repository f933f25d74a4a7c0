#!/usr/bin/env bash
# Waits (bounded) until the VIP accepts TCP on the api port: keepalived holds it and HAProxy listens.
# HAProxy accepts a connection before any api-server is up (it closes it when no server is UP), so
# this passes before kubeadm init, also when HAProxy runs on the control planes (colocated).
set -euo pipefail
: "${VIP:?}"
: "${API_PORT:?}"
: "${ATTEMPTS:?}"
for ((i = 1; i <= ATTEMPTS; i++)); do
  if timeout 2 bash -c "exec 3<>/dev/tcp/${VIP}/${API_PORT}" 2>/dev/null; then
    echo "VIP ${VIP}:${API_PORT} answers (attempt ${i})"
    exit 0
  fi
  sleep 2
done
echo "kubeadm-ha: VIP ${VIP}:${API_PORT} did not answer after ${ATTEMPTS} attempts; check keepalived and HAProxy where they run, the load balancers or (colocated) the control planes (journalctl -u keepalived -u haproxy)" >&2
exit 1
