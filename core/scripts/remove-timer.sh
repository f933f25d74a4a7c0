#!/usr/bin/env bash
# Runs when a control plane's cert-renewal or etcd-snapshot step is deleted (the host leaves the
# stack): stops and removes the timer, its service and the scripts it installed. Snapshots stay
# where they are (/var/lib/kubeadm-ha/etcd-snapshots). Safe when nothing is there.
set -euo pipefail
: "${UNIT_NAME:?}"
: "${FILES:?}"
# Not installed (a step that failed before it installed anything) is fine too.
systemctl disable --now "${UNIT_NAME}.timer" 2>/dev/null || true
read -r -a files <<<"$FILES"
rm -f "/etc/systemd/system/${UNIT_NAME}.service" "/etc/systemd/system/${UNIT_NAME}.timer" "${files[@]}"
systemctl daemon-reload
echo "removed ${UNIT_NAME}.timer and its files from $(hostname)"
