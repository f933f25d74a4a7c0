#!/usr/bin/env bash
# Runs when a node's init/join step is deleted: kubeadm reset (a stacked control plane leaves etcd
# and removes its member), then the CNI config kubeadm leaves behind. Safe when nothing is there.
set -euo pipefail
install -d -m 0700 /var/log/kubeadm-ha
if command -v kubeadm >/dev/null 2>&1 && { [ -e /etc/kubernetes/kubelet.conf ] || [ -d /etc/kubernetes/manifests ]; }; then
  kubeadm reset -f >>/var/log/kubeadm-ha/kubeadm-reset.log 2>&1
fi
rm -rf /etc/cni/net.d
echo "reset: $(hostname)"
