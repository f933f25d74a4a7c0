#!/usr/bin/env bash
# Runs on a live control plane right before a node joins, so a node added weeks later still joins:
# the bootstrap token is (re)written with a fresh expiry, and for control-plane joins the certs are
# re-uploaded under the known certificate key (the kubeadm-certs Secret expires after 2 h).
# stdin: bootstrap token, certificate key.
set -euo pipefail
: "${INIT_CONFIG:?}"
: "${TOKEN_PLACEHOLDER:?}"
: "${CERT_KEY_PLACEHOLDER:?}"
: "${UPLOAD_CERTS:?}"
: "${TOKEN_TTL_HOURS:?}"
# @include lib/secrets.sh
export KUBECONFIG=/etc/kubernetes/admin.conf

read_secret BOOTSTRAP_TOKEN '^[a-z0-9]{6}\.[a-z0-9]{16}$'
read_secret CERTIFICATE_KEY '^[a-f0-9]{64}$'
token_id=${BOOTSTRAP_TOKEN%%.*}
token_secret=${BOOTSTRAP_TOKEN#*.}
expiration=$(date -u -d "+${TOKEN_TTL_HOURS} hours" +%Y-%m-%dT%H:%M:%SZ)

# The token is a bootstrap-token Secret (what `kubeadm token create` writes); written from a file
# so the token never appears on a command line. Applying it again only moves the expiry.
token_manifest=$(cat <<MANIFEST
apiVersion: v1
kind: Secret
metadata:
  name: bootstrap-token-${token_id}
  namespace: kube-system
type: bootstrap.kubernetes.io/token
stringData:
  token-id: "${token_id}"
  token-secret: "${token_secret}"
  expiration: "${expiration}"
  usage-bootstrap-authentication: "true"
  usage-bootstrap-signing: "true"
  auth-extra-groups: "system:bootstrappers:kubeadm:default-node-token"
MANIFEST
)
token_file=$(write_secret_file "$token_manifest")
for attempt in 1 2 3 4 5; do
  if run_logged /var/log/kubeadm-ha/join-material.log "$BOOTSTRAP_TOKEN" -- kubectl apply -f "$token_file"; then
    break
  fi
  [ "$attempt" -lt 5 ] || exit 1
  sleep 3
done

if [ "$UPLOAD_CERTS" = "true" ]; then
  config=${INIT_CONFIG//"$TOKEN_PLACEHOLDER"/$BOOTSTRAP_TOKEN}
  config=${config//"$CERT_KEY_PLACEHOLDER"/$CERTIFICATE_KEY}
  config_file=$(write_secret_file "$config")
  run_logged /var/log/kubeadm-ha/join-material.log "$BOOTSTRAP_TOKEN" "$CERTIFICATE_KEY" -- \
    kubeadm init phase upload-certs --upload-certs --config "$config_file" --skip-certificate-key-print
fi
echo "join material refreshed on $(hostname): token valid until ${expiration}, certs uploaded: ${UPLOAD_CERTS}"
