#!/usr/bin/env bash
# On etcdHosts[0]: the etcd CA, made once by kubeadm (`kubeadm init phase certs etcd-ca`, the
# upstream "Set up a High Availability etcd Cluster with kubeadm") and kept; printed as one base64
# line (secret stdout) that every etcd host's member step reads on stdin. Never makes a second CA
# where another configured member already serves TLS: the CA is then on the members, and the
# host listed first in etcdHosts must be one of them.
set -euo pipefail
: "${OWN_CLIENT_URL:?}"
: "${CLIENT_URLS:?}"
umask 077
# @include lib/etcd-hosts.sh
install -d -m 0700 /var/log/kubeadm-ha

if [ ! -f "$ETCD_PKI/ca.crt" ] || [ ! -f "$ETCD_PKI/ca.key" ]; then
  for url in $CLIENT_URLS; do
    [ "$url" = "$OWN_CLIENT_URL" ] && continue
    address=${url#https://}
    if timeout 3 bash -c "</dev/tcp/${address%:*}/${address##*:}" 2>/dev/null; then
      echo "kubeadm-ha: $(hostname) has no etcd CA, but the etcd member at ${url} is running; refusing to make a new CA." >&2
      echo "kubeadm-ha: list a host that is already an etcd member first in etcdHosts (it holds the CA), then run pulumi up again." >&2
      exit 1
    fi
  done
  kubeadm init phase certs etcd-ca >>/var/log/kubeadm-ha/etcd-ca.log 2>&1
  echo "etcd: made the etcd CA on $(hostname)" >&2
fi
# Deterministic archive (sorted, fixed times and owners, gzip without a name or time): the same CA
# prints the same line, so the steps that read it do not change.
tar -C /etc/kubernetes/pki --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -c etcd/ca.crt etcd/ca.key |
  gzip -n | base64 -w0
echo
