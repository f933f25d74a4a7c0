#!/usr/bin/env bash
# Waits (bounded) until the VIP accepts TCP on the api port: keepalived holds it and HAProxy listens.
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
echo "kubeadm-ha: VIP ${VIP}:${API_PORT} did not answer after ${ATTEMPTS} attempts; check keepalived on the load balancers (journalctl -u keepalived)" >&2
exit 1
