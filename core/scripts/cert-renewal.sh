#!/usr/bin/env bash
# Control plane: installs the daily certificate check (kubeadm-ha-cert-renewal.service + .timer at
# this control plane's own hour) and the script it runs, then reports the earliest expiry once
# (`--check`: it never renews or restarts anything from here). Safe to run again.
set -euo pipefail
: "${UNIT_NAME:?}"
: "${SERVICE_UNIT:?}"
: "${TIMER_UNIT:?}"
: "${RUN_SCRIPT:?}"
: "${RUN_SCRIPT_PATH:?}"
umask 022
# @include lib/timer-units.sh

install_file "$RUN_SCRIPT" "$RUN_SCRIPT_PATH" 0700
install_file "$SERVICE_UNIT" "/etc/systemd/system/${UNIT_NAME}.service" 0644
install_file "$TIMER_UNIT" "/etc/systemd/system/${UNIT_NAME}.timer" 0644
enable_timer "$UNIT_NAME"
"$RUN_SCRIPT_PATH" --check | tail -n 1
