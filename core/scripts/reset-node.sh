#!/usr/bin/env bash
# The node clean-up, included by leave-cluster.sh (a join step's delete script): kubeadm reset,
# then what kubeadm reset says it leaves behind (CNI configuration, iptables and IPVS rules) and
# the pod network's interfaces and state, so the host can join again (otherwise: "cni0 already
# has an IP address different from ..."). Safe when nothing is there, and safe to run again.
set -euo pipefail
install -d -m 0700 /var/log/kubeadm-ha
if command -v kubeadm >/dev/null 2>&1 && { [ -e /etc/kubernetes/kubelet.conf ] || [ -d /etc/kubernetes/manifests ]; }; then
  kubeadm reset -f >>/var/log/kubeadm-ha/kubeadm-reset.log 2>&1
fi

delete_link() {
  ip link delete "$1" 2>/dev/null || ! ip link show "$1" >/dev/null 2>&1 || {
    echo "kubeadm-ha: could not delete the interface $1" >&2
    exit 1
  }
  echo "deleted interface $1"
}

# Pod network interfaces: flannel's bridge and VXLAN devices, calico's VXLAN devices and pod veths
# (cali*), kube-proxy's IPVS dummy. tunl0 belongs to the ipip module and cannot be deleted: emptied.
ipvs=0
for link in $(ip -o link show | awk -F': ' '{ name = $2; sub(/@.*/, "", name); print name }'); do
  case "$link" in
  kube-ipvs0) ipvs=1 && delete_link "$link" ;;
  cni0 | flannel.1 | flannel-v6.1 | flannel-wg | vxlan.calico | vxlan-v6.calico | cali*) delete_link "$link" ;;
  esac
done
if ip link show tunl0 >/dev/null 2>&1; then
  ip addr flush dev tunl0
  ip link set tunl0 down
fi
# kubeadm reset: "If your cluster was setup to utilize IPVS, run ipvsadm --clear".
if [ "$ipvs" = 1 ] && command -v ipvsadm >/dev/null 2>&1; then ipvsadm --clear; fi

# The CNI config is emptied, not deleted: containerd watches the directory it found at start
# (containerd cni_conf_syncer.go) and would never see the next CNI's config in a new directory.
if [ -d /etc/cni/net.d ]; then find /etc/cni/net.d -mindepth 1 -delete; fi
# Pod address leases, flannel's subnet lease, calico's node state.
rm -rf /var/lib/cni /run/flannel /var/lib/calico /run/calico

# Chains of kube-proxy and the kubelet (KUBE-*), flannel (FLANNEL-*), calico (cali-*) and the CNI
# plugins (CNI-*), and the rules that jump to them or carry flannel's comments; every other rule
# stays (kubeadm reset: "does not reset or clean up iptables rules", and a blanket flush would
# also drop the host's own firewall).
without_cluster_rules() {
  awk '
    function ours(chain) { return chain ~ /^(KUBE-|FLANNEL-|CNI-|cali-)/ }
    function jumps(  i) {
      for (i = 3; i < NF; i++) if (($i == "-j" || $i == "-g") && ours($(i + 1))) return 1
      return $0 ~ /--comment "?flanneld/
    }
    /^:/ && ours(substr($1, 2)) { next }
    /^-A / && (ours($2) || jumps()) { next }
    { print }
  '
}

# Both backends where both exist: kube-proxy's image may have picked the other one.
for family in iptables ip6tables; do
  tools=()
  for tool in "${family}-legacy" "${family}-nft"; do
    if command -v "${tool}-save" >/dev/null 2>&1 && command -v "${tool}-restore" >/dev/null 2>&1; then tools+=("$tool"); fi
  done
  if [ "${#tools[@]}" -eq 0 ] && command -v "${family}-save" >/dev/null 2>&1; then tools=("$family"); fi
  for tool in "${tools[@]}"; do
    before=$("${tool}-save")
    after=$(without_cluster_rules <<<"$before")
    if [ "$before" != "$after" ]; then
      "${tool}-restore" <<<"$after"
      echo "removed the cluster's ${tool} rules"
    fi
  done
done
# Sets calico and kube-proxy (IPVS mode) used; unreferenced now that their rules are gone.
if command -v ipset >/dev/null 2>&1; then
  for set in $(ipset list -n 2>/dev/null | grep -E '^(cali|KUBE-)' || true); do
    ipset destroy "$set" || echo "kubeadm-ha: WARNING could not destroy ipset ${set}" >&2
  done
fi
echo "reset: $(hostname)"
