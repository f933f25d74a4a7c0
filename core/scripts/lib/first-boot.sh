#!/usr/bin/env bash
# Shared: the gate of a host's first step (inlined by the renderer). The host answers SSH and sudo
# works (the script runs through sudo -n), and first-boot provisioning (cloud-init) is finished.
wait_for_first_boot() {
  if command -v cloud-init >/dev/null 2>&1; then
    # Bounded: a broken cloud-init must not hang the deployment.
    timeout 600 cloud-init status --wait >/dev/null 2>&1 || echo "kubeadm-ha: cloud-init did not report done; continuing" >&2
  fi
}
