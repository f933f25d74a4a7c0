#!/usr/bin/env bash
# On etcdHosts[0], once every member runs: waits until etcd answers healthy there, then issues the
# api-server's etcd client certificate (`kubeadm init phase certs apiserver-etcd-client`, kept
# while valid) and prints the etcd CA certificate with it as one base64 line (secret stdout) for
# the control planes. Never the CA key.
set -euo pipefail
: "${OWN_CLIENT_URL:?}"
: "${CLIENT_URLS:?}"
: "${ATTEMPTS:?}"
umask 077
# @include lib/etcd-hosts.sh
install -d -m 0700 /var/log/kubeadm-ha

if ! wait_healthy "$OWN_CLIENT_URL" "$ATTEMPTS"; then
  echo "kubeadm-ha: the etcd member at ${OWN_CLIENT_URL} is not healthy after ${ATTEMPTS} checks (no quorum: are the other etcd hosts up?)" >&2
  exit 1
fi
kubeadm init phase certs apiserver-etcd-client >>/var/log/kubeadm-ha/etcd-client-cert.log 2>&1
tar -C /etc/kubernetes/pki --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
  -c etcd/ca.crt apiserver-etcd-client.crt apiserver-etcd-client.key | gzip -n | base64 -w0
echo
