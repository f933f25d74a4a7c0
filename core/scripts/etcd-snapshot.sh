#!/usr/bin/env bash
# A member of etcd (a control plane with stacked etcd, or an etcd host): installs the snapshot timer
# (kubeadm-ha-etcd-snapshot.service + .timer), the script it runs and, on a control plane, the
# restore script for a loss of quorum (run by hand only; RESTORE_SCRIPT_PATH none on an etcd host),
# then takes one snapshot right away, so a broken setup fails here and not silently at 3 a.m.
# Safe to run again (each run adds one snapshot; retention applies).
set -euo pipefail
: "${UNIT_NAME:?}"
: "${SERVICE_UNIT:?}"
: "${TIMER_UNIT:?}"
: "${SAVE_SCRIPT:?}"
: "${SAVE_SCRIPT_PATH:?}"
: "${RESTORE_SCRIPT:?}"
: "${RESTORE_SCRIPT_PATH:?}"
: "${NEEDS_AWS_CLI:?}"
export DEBIAN_FRONTEND=noninteractive
umask 022
# @include lib/timer-units.sh

if [ "$NEEDS_AWS_CLI" = true ] && ! command -v aws >/dev/null 2>&1; then
  apt-get -o DPkg::Lock::Timeout=600 update -q
  # Ubuntu 22.04 ships awscli as a deb; newer releases only as a snap.
  apt-get -o DPkg::Lock::Timeout=600 install -y -q awscli || snap install aws-cli --classic
fi
install_file "$SAVE_SCRIPT" "$SAVE_SCRIPT_PATH" 0700
if [ "$RESTORE_SCRIPT_PATH" != none ]; then
  install_file "$RESTORE_SCRIPT" "$RESTORE_SCRIPT_PATH" 0700
fi
install_file "$SERVICE_UNIT" "/etc/systemd/system/${UNIT_NAME}.service" 0644
install_file "$TIMER_UNIT" "/etc/systemd/system/${UNIT_NAME}.timer" 0644
enable_timer "$UNIT_NAME"
if ! systemctl start "${UNIT_NAME}.service"; then
  journalctl -u "${UNIT_NAME}.service" -n 20 --no-pager >&2 || true
  echo "kubeadm-ha: the first etcd snapshot failed on $(hostname)" >&2
  exit 1
fi
# What that run did (its journal also holds systemd's own start and finish lines).
journalctl -u "${UNIT_NAME}.service" -n 20 --no-pager -o cat | grep -E '^(saved|kept|copied) ' | tail -n 3 || true
