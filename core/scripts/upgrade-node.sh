#!/usr/bin/env bash
# Upgrade, after upgrade-apply: the other control planes one at a time, then the workers, at most
# upgradeMaxUnavailable at a time. Runs only when kubernetesVersion changes (no create: a fresh
# stack runs nothing here). After kubeadm's "Upgrading kubeadm clusters": drain this node, kubeadm
# of the new version, `kubeadm upgrade node`, then kubelet and kubectl (held again), kubelet
# restarted, the version the node reports checked, uncordoned. A control plane uses admin.conf, a
# worker its own kubelet credentials (see drain_self).
# Runs on any other input change too (a new connection): a node already at the version is left as
# it is. A failed run is resumed by running pulumi up again: every part checks first, and
# `kubeadm upgrade node` may run again.
set -euo pipefail
: "${NODE_NAME:?}"
: "${ROLE:?}"
: "${TARGET_VERSION:?}"
: "${K8S_REPO_MINOR:?}"
: "${DRAIN_TIMEOUT_SECONDS:?}"
: "${READY_ATTEMPTS:?}"
# @include lib/apt.sh
# @include lib/k8s-version.sh
# @include lib/upgrade.sh
if [ "$ROLE" = controlPlane ]; then export KUBECONFIG=/etc/kubernetes/admin.conf; else export KUBECONFIG=/etc/kubernetes/kubelet.conf; fi

refuse_version_jump "$NODE_NAME" "$(package_version kubeadm)" "$(package_version kubelet)" "$TARGET_VERSION"
if upgraded; then
  uncordon_if_marked
  echo "upgrade: ${NODE_NAME} runs ${TARGET_VERSION}; nothing to do"
  exit 0
fi
cluster=$(cluster_version) || cluster=""
if [ "$cluster" != "$TARGET_VERSION" ]; then
  echo "kubeadm-ha: the control plane runs '${cluster}', not ${TARGET_VERSION}: the upgrade-apply step (on the first control plane) must finish first. Nothing was changed on ${NODE_NAME}." >&2
  exit 1
fi

echo "upgrade: ${NODE_NAME} (${ROLE}) -> ${TARGET_VERSION}"
drain_self
install_held kubeadm
logged kubeadm upgrade node || {
  echo "kubeadm-ha: kubeadm upgrade node failed on ${NODE_NAME} (it stays cordoned); run pulumi up again to retry." >&2
  exit 1
}
finish_kubelet
echo "upgrade: ${NODE_NAME} runs ${TARGET_VERSION}"
