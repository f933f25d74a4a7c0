#!/usr/bin/env bash
# Upgrade, first step, on the admin host (the first control plane): runs only when kubernetesVersion
# changes (no create: a fresh stack runs nothing here). After kubeadm's "Upgrading kubeadm
# clusters": drain this node, kubeadm of the new version, `kubeadm upgrade plan`, `kubeadm upgrade
# apply`, then kubelet and kubectl (held again), kubelet restarted, the version the node reports
# checked, uncordoned. The other control planes follow one at a time, then the workers.
# Runs on any other input change too (a new connection): a node already at the version, with the
# control plane at it, is left as it is. A failed run is resumed by running pulumi up again: every
# part checks first, and `kubeadm upgrade apply` may run again (kubeadm documents it idempotent).
set -euo pipefail
: "${NODE_NAME:?}"
: "${TARGET_VERSION:?}"
: "${K8S_REPO_MINOR:?}"
: "${DRAIN_TIMEOUT_SECONDS:?}"
: "${READY_ATTEMPTS:?}"
# @include lib/apt.sh
# @include lib/k8s-version.sh
# @include lib/upgrade.sh
export KUBECONFIG=/etc/kubernetes/admin.conf

cluster=$(cluster_version) || cluster=""
[ -n "$cluster" ] || { echo "kubeadm-ha: cannot read the cluster's version (kubeadm-config ConfigMap) through ${KUBECONFIG}; is the API up?" >&2; exit 1; }
# Checked again here (node preparation checked this host's packages): the control plane itself.
refuse_version_jump "the control plane" "$cluster" "$cluster" "$TARGET_VERSION"
refuse_version_jump "$NODE_NAME" "$(package_version kubeadm)" "$(package_version kubelet)" "$TARGET_VERSION"
if [ "$cluster" = "$TARGET_VERSION" ] && upgraded; then
  uncordon_if_marked
  echo "upgrade: the control plane and ${NODE_NAME} run ${TARGET_VERSION}; nothing to do"
  exit 0
fi

echo "upgrade: ${NODE_NAME}, control plane ${cluster} -> ${TARGET_VERSION}"
drain_self
install_held kubeadm
have=$(kubeadm version -o short)
[ "$have" = "v${TARGET_VERSION}" ] || { echo "kubeadm-ha: kubeadm reports ${have} after installing ${TARGET_VERSION}" >&2; exit 1; }
if [ "$cluster" != "$TARGET_VERSION" ]; then
  logged kubeadm upgrade plan "v${TARGET_VERSION}" || {
    echo "kubeadm-ha: kubeadm upgrade plan refuses v${TARGET_VERSION}; nothing was upgraded (${NODE_NAME} stays cordoned). Fix what it reports, then run pulumi up again." >&2
    exit 1
  }
  logged kubeadm upgrade apply "v${TARGET_VERSION}" --yes || {
    echo "kubeadm-ha: kubeadm upgrade apply v${TARGET_VERSION} failed on ${NODE_NAME} (it rolls its static pods back); run pulumi up again to retry." >&2
    exit 1
  }
fi
finish_kubelet
echo "upgrade: ${NODE_NAME} and the control plane run ${TARGET_VERSION}"
