#!/usr/bin/env bash
# Gate: the host answers SSH, sudo works, and first-boot provisioning (cloud-init) is finished.
# Load balancers and etcd hosts; a node's preparation opens with the same gate (prepare-node.sh).
set -euo pipefail
# @include lib/first-boot.sh
wait_for_first_boot
echo "ready: $(hostname) $(uname -r)"
