#!/usr/bin/env bash
# Runs when a load-balancer step is deleted (its host leaves the stack: a control plane with
# loadBalancerMode colocated, or an LB of the pair on bare metal):
# keepalived stops first, so a VIP held here goes to a peer at once (a stopping keepalived sends
# priority 0), then HAProxy; both are disabled and their configs removed, so a reboot brings
# neither back. The packages stay. Safe when nothing is there.
set -euo pipefail
: "${CHECK_SCRIPT_PATH:?}"
for unit in keepalived haproxy; do
  # Not installed (a step that failed before it installed anything) is fine too.
  systemctl disable --now "$unit" 2>/dev/null || true
done
rm -f /etc/keepalived/keepalived.conf /etc/haproxy/haproxy.cfg "$CHECK_SCRIPT_PATH"
echo "keepalived and HAProxy stopped and disabled on $(hostname)"
