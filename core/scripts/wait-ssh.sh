#!/usr/bin/env bash
# Gate: the host answers SSH, sudo works, and first-boot provisioning (cloud-init) is finished.
set -euo pipefail
if command -v cloud-init >/dev/null 2>&1; then
  # Bounded: a broken cloud-init must not hang the deployment.
  timeout 600 cloud-init status --wait >/dev/null 2>&1 || echo "kubeadm-ha: cloud-init did not report done; continuing" >&2
fi
echo "ready: $(hostname) $(uname -r)"
