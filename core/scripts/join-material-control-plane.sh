#!/usr/bin/env bash
# Runs on a live control plane right before a control plane joins, so one added weeks later still
# joins: the bootstrap token is rewritten with a fresh expiry and the control-plane certs are
# re-uploaded under the known certificate key (the kubeadm-certs Secret expires after 2 h).
# stdin: bootstrapToken certificateKey
set -euo pipefail
: "${INIT_CONFIG:?}"
: "${TOKEN_PLACEHOLDER:?}"
: "${CERT_KEY_PLACEHOLDER:?}"
: "${TOKEN_TTL_HOURS:?}"
# @include lib/secrets.sh
# @include lib/bootstrap-token.sh
export KUBECONFIG=/etc/kubernetes/admin.conf

read_secret BOOTSTRAP_TOKEN '^[a-z0-9]{6}\.[a-z0-9]{16}$'
read_secret CERTIFICATE_KEY '^[a-f0-9]{64}$'
refresh_bootstrap_token
# The key travels inside the 0600 config (certificateKey), not as --certificate-key.
secret_config_file "$INIT_CONFIG" "$TOKEN_PLACEHOLDER" "$BOOTSTRAP_TOKEN" "$CERT_KEY_PLACEHOLDER" "$CERTIFICATE_KEY"
run_logged /var/log/kubeadm-ha/join-material.log "$BOOTSTRAP_TOKEN" "$CERTIFICATE_KEY" -- \
  kubeadm init phase upload-certs --upload-certs --config "$SECRET_FILE" --skip-certificate-key-print
echo "control-plane certificates uploaded on $(hostname)"
