#!/usr/bin/env bash
# Right before a control plane joins, on a control plane that is already a member: re-uploads the
# control-plane certificates (the kubeadm-certs Secret, encrypted with the stack's certificate
# key; kubeadm deletes it after 2 h), so a control plane added weeks later still joins. The
# cluster's own ClusterConfiguration goes with it (with external etcd, upload-certs needs it to
# include the etcd client files: kubeadm #1886); nothing here depends on which host runs it.
# stdin: certificateKey
set -euo pipefail
: "${NODE_NAME:?}"
: "${NODE_ADDRESS:?}"
: "${CERT_KEY_PLACEHOLDER:?}"
# @include lib/secrets.sh
export KUBECONFIG=/etc/kubernetes/admin.conf

if [ ! -f "$KUBECONFIG" ]; then
  echo "kubeadm-ha: $(hostname) has no ${KUBECONFIG}: it is not a control plane of the cluster, so it cannot upload certificates for ${NODE_NAME}" >&2
  exit 1
fi
read_secret CERTIFICATE_KEY '^[a-f0-9]{64}$'
cluster_config=$(kubectl -n kube-system get configmap kubeadm-config -o jsonpath='{.data.ClusterConfiguration}')
api_version=$(awk '/^apiVersion: / { print $2; exit }' <<<"$cluster_config")
if [ -z "$api_version" ]; then
  echo "kubeadm-ha: the kubeadm-config ConfigMap has no ClusterConfiguration; is this a kubeadm cluster?" >&2
  exit 1
fi
# The key travels inside the 0600 config (certificateKey), never as --certificate-key.
secret_config_file "$(printf 'apiVersion: %s\nkind: InitConfiguration\ncertificateKey: "%s"\n---\n%s' \
  "$api_version" "$CERT_KEY_PLACEHOLDER" "$cluster_config")" "$CERT_KEY_PLACEHOLDER" "$CERTIFICATE_KEY"
run_logged /var/log/kubeadm-ha/join-material.log "$CERTIFICATE_KEY" -- \
  kubeadm init phase upload-certs --upload-certs --config "$SECRET_FILE" --skip-certificate-key-print
echo "control-plane certificates for ${NODE_NAME} (${NODE_ADDRESS}) uploaded on $(hostname) at $(date -u +%Y-%m-%dT%H:%M:%SZ); kubeadm deletes them after 2 h"
