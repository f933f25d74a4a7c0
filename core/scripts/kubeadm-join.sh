#!/usr/bin/env bash
# Joins this host to the cluster through the VIP, as a control plane or a worker.
# stdin: bootstrapToken caCertHash [certificateKey]
# Done already when /etc/kubernetes/kubelet.conf exists.
set -euo pipefail
: "${JOIN_CONFIG:?}"
: "${ROLE:?}"
: "${TOKEN_PLACEHOLDER:?}"
: "${CA_HASH_PLACEHOLDER:?}"
: "${CERT_KEY_PLACEHOLDER:?}"
# @include lib/secrets.sh

if [ -f /etc/kubernetes/kubelet.conf ]; then
  echo "kubeadm join: $(hostname) is already a member"
  exit 0
fi
read_secret BOOTSTRAP_TOKEN '^[a-z0-9]{6}\.[a-z0-9]{16}$'
read_secret CA_CERT_HASH '^sha256:[a-f0-9]{64}$'
CERTIFICATE_KEY=""
if [ "$ROLE" = "controlPlane" ]; then read_secret CERTIFICATE_KEY '^[a-f0-9]{64}$'; fi
secret_config_file "$JOIN_CONFIG" "$TOKEN_PLACEHOLDER" "$BOOTSTRAP_TOKEN" "$CA_HASH_PLACEHOLDER" "$CA_CERT_HASH" \
  "$CERT_KEY_PLACEHOLDER" "$CERTIFICATE_KEY"
run_logged /var/log/kubeadm-ha/kubeadm-join.log "$BOOTSTRAP_TOKEN" "$CERTIFICATE_KEY" -- \
  kubeadm join --config "$SECRET_FILE"
echo "kubeadm join: $(hostname) joined as ${ROLE}"
