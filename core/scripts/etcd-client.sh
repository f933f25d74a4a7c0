#!/usr/bin/env bash
# Control plane with etcdHosts, before kubeadm init or join: the etcd CA certificate and the
# api-server's etcd client certificate and key from stdin, where ClusterConfiguration.etcd.external
# names them, 0600 (never the CA key). A control plane that already trusts another etcd CA keeps
# it: the stack's etcd would have changed under a running api-server.
# stdin: etcdClientCerts
set -euo pipefail
# @include lib/secrets.sh
PKI=/etc/kubernetes/pki

read_secret ETCD_CLIENT_CERTS '^[A-Za-z0-9+/]+=*$'
if [ -f /etc/kubernetes/manifests/etcd.yaml ]; then
  echo "kubeadm-ha: $(hostname) runs a stacked etcd member; moving a running cluster to etcdHosts is not supported (README: External etcd). Nothing was changed." >&2
  exit 1
fi
unpacked=$(mktemp -d /etc/kubernetes/kubeadm-ha/etcd-client.XXXXXX)
SECRET_FILES+=("$unpacked")
files=(etcd/ca.crt apiserver-etcd-client.crt apiserver-etcd-client.key)
base64 -d <<<"$ETCD_CLIENT_CERTS" | tar -xz -C "$unpacked" --no-same-owner "${files[@]}"
if [ -f "$PKI/etcd/ca.crt" ] && ! cmp -s "$PKI/etcd/ca.crt" "$unpacked/etcd/ca.crt" && [ -f "$PKI/ca.crt" ]; then
  echo "kubeadm-ha: $(hostname) already trusts another etcd CA ($PKI/etcd/ca.crt) and runs a control plane; refusing to point it at a new etcd." >&2
  echo "kubeadm-ha: did every etcd host change at once? Keep a member of the running etcd first in etcdHosts." >&2
  exit 1
fi
for f in "${files[@]}"; do
  if ! cmp -s "$unpacked/$f" "$PKI/$f" 2>/dev/null; then
    install -D -m 0600 "$unpacked/$f" "$PKI/$f"
    echo "installed $PKI/$f"
  fi
done
