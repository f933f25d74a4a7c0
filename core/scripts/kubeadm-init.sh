#!/usr/bin/env bash
# First control plane: kubeadm init behind the VIP, certificates uploaded for joining control planes.
# stdin: bootstrapToken certificateKey
# Done already when /etc/kubernetes/admin.conf exists.
set -euo pipefail
: "${INIT_CONFIG:?}"
: "${TOKEN_PLACEHOLDER:?}"
: "${CERT_KEY_PLACEHOLDER:?}"
# @include lib/secrets.sh

if [ -f /etc/kubernetes/admin.conf ]; then
  echo "kubeadm init: already done on $(hostname)"
  exit 0
fi
read_secret BOOTSTRAP_TOKEN '^[a-z0-9]{6}\.[a-z0-9]{16}$'
read_secret CERTIFICATE_KEY '^[a-f0-9]{64}$'
secret_config_file "$INIT_CONFIG" "$TOKEN_PLACEHOLDER" "$BOOTSTRAP_TOKEN" "$CERT_KEY_PLACEHOLDER" "$CERTIFICATE_KEY"
run_logged /var/log/kubeadm-ha/kubeadm-init.log "$BOOTSTRAP_TOKEN" "$CERTIFICATE_KEY" -- \
  kubeadm init --config "$SECRET_FILE" --upload-certs --skip-token-print --skip-certificate-key-print
echo "kubeadm init: done on $(hostname)"
