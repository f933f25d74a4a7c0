#!/usr/bin/env bash
# AWS load balancer: installs the AWS CLI and the script keepalived runs when it becomes MASTER.
set -euo pipefail
: "${NOTIFY_SCRIPT:?}"
: "${NOTIFY_SCRIPT_PATH:?}"
export DEBIAN_FRONTEND=noninteractive
if ! command -v aws >/dev/null 2>&1; then
  apt-get update -q
  # Ubuntu 22.04 ships awscli as a deb; newer releases only as a snap.
  apt-get install -y -q awscli || snap install aws-cli --classic
fi
install -d -m 0755 "$(dirname "$NOTIFY_SCRIPT_PATH")"
tmp=$(mktemp "${NOTIFY_SCRIPT_PATH}.XXXXXX")
printf '%s' "$NOTIFY_SCRIPT" >"$tmp"
chmod 0755 "$tmp"
mv -f "$tmp" "$NOTIFY_SCRIPT_PATH"
echo "VIP mover installed: ${NOTIFY_SCRIPT_PATH}"
