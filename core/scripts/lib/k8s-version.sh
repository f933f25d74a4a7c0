#!/usr/bin/env bash
# Shared helpers of node preparation and the upgrade steps: Kubernetes versions (inlined by the renderer).

# package_version PKG: the installed upstream version X.Y.Z of a package (1.32.3 of 1.32.3-1.1), or nothing.
package_version() {
  { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true; } | sed -E 's/^[0-9]+://; s/^([0-9]+\.[0-9]+\.[0-9]+).*/\1/'
}

# version_below A B: true when version A is lower than version B.
version_below() { [ "$1" != "$2" ] && [ "$(printf '%s\n' "$1" "$2" | sort -V | head -n 1)" = "$1" ]; }

# minor_of X.Y.Z: Y.
minor_of() {
  local v=${1#v}
  v=${v#*.}
  echo "${v%%.*}"
}

# refuse_version_jump HOST KUBEADM KUBELET REQUESTED: exits, naming the installed and the requested
# versions, when REQUESTED is lower than either package (kubeadm does not downgrade) or more than
# one minor above the older one (one minor per upgrade: kubeadm's version-skew policy).
refuse_version_jump() {
  local host=$1 kubeadm=$2 kubelet=${3:-$2} want=$4 newest=$2 oldest=${3:-$2}
  if version_below "$kubelet" "$kubeadm"; then newest=$kubeadm oldest=$kubelet; else newest=$kubelet oldest=$kubeadm; fi
  if version_below "$want" "$newest"; then
    echo "kubeadm-ha: ${host} runs kubeadm ${kubeadm} and kubelet ${kubelet}; kubernetesVersion ${want} is lower, and Kubernetes is not downgraded. Set kubernetesVersion to ${newest} or higher. Nothing was changed." >&2
    exit 1
  fi
  if [ "$(minor_of "$want")" -gt $(($(minor_of "$oldest") + 1)) ]; then
    echo "kubeadm-ha: ${host} runs kubeadm ${kubeadm} and kubelet ${kubelet}; kubernetesVersion ${want} skips a minor. Upgrade one minor at a time: set kubernetesVersion to the newest 1.$(($(minor_of "$oldest") + 1)).x, pulumi up, then ${want}. Nothing was changed." >&2
    exit 1
  fi
}
