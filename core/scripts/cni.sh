#!/usr/bin/env bash
# Installs the pod network with kubectl on the first control plane, at a pinned version, with the
# stack's pod CIDR, on the nodes' cluster interface. kubectl apply is idempotent, so running this
# again changes nothing.
set -euo pipefail
: "${CNI:?}"
: "${POD_CIDR:?}"
: "${MANIFEST_URL:?}"
: "${DEFAULT_POD_CIDR:?}"
: "${REACH_ADDRESS:?}"
: "${CALICO_ENCAPSULATION:?}"
export KUBECONFIG=/etc/kubernetes/admin.conf
umask 077
manifest=$(mktemp)
trap 'rm -f "$manifest"' EXIT
curl -fsSL --retry 5 --retry-delay 3 -o "$manifest" "$MANIFEST_URL"

case "$CNI" in
flannel)
  # flannel's manifest carries its own copy of the pod network; it must equal podSubnet.
  grep -qF "\"Network\": \"${DEFAULT_POD_CIDR}\"" "$manifest" || {
    echo "kubeadm-ha: ${MANIFEST_URL} no longer has the expected net-conf; refusing to guess" >&2
    exit 1
  }
  content=$(<"$manifest")
  printf '%s\n' "${content//"\"Network\": \"${DEFAULT_POD_CIDR}\""/"\"Network\": \"${POD_CIDR}\""}" >"$manifest"
  # flanneld uses the default-route interface unless told (flannel Documentation/configuration.md);
  # --iface-can-reach picks the one `ip route get REACH_ADDRESS` uses, on every node alike.
  [ "$(grep -cE '^ *- --kube-subnet-mgr$' "$manifest")" = 1 ] || {
    echo "kubeadm-ha: ${MANIFEST_URL} no longer has one flanneld --kube-subnet-mgr argument; refusing to guess" >&2
    exit 1
  }
  sed -i -E "s/^( *)- --kube-subnet-mgr\$/&\n\1- --iface-can-reach=${REACH_ADDRESS}/" "$manifest"
  kubectl apply -f "$manifest"
  kubectl -n kube-flannel rollout status daemonset/kube-flannel-ds --timeout=300s
  ;;
calico)
  # The operator's CRDs exceed the client-side apply annotation limit: apply server-side.
  kubectl apply --server-side --force-conflicts -f "$manifest"
  kubectl wait --for=condition=Established --timeout=120s crd/installations.operator.tigera.io
  kubectl apply -f - <<INSTALLATION
apiVersion: operator.tigera.io/v1
kind: Installation
metadata:
  name: default
spec:
  calicoNetwork:
    # The node's InternalIP is the kubelet's --node-ip, the host's privateAddress.
    nodeAddressAutodetectionV4:
      kubernetes: NodeInternalIP
    ipPools:
      - cidr: ${POD_CIDR}
        encapsulation: ${CALICO_ENCAPSULATION}
        natOutgoing: Enabled
        nodeSelector: all()
INSTALLATION
  ;;
*)
  echo "kubeadm-ha: unknown CNI ${CNI}" >&2
  exit 1
  ;;
esac
echo "CNI ${CNI} applied for pod network ${POD_CIDR}"
