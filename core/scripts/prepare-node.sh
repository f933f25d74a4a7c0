#!/usr/bin/env bash
# Node preparation (every control plane and worker): swap off, kernel modules and sysctls,
# containerd with systemd cgroups, kubeadm/kubelet/kubectl of one version from pkgs.k8s.io, held.
# Safe to run again: every step checks or overwrites to the same result.
set -euo pipefail
: "${K8S_MINOR:?}"
: "${K8S_VERSION:?}"
export DEBIAN_FRONTEND=noninteractive

# kubelet refuses to run with swap on (default failSwapOn): off now and at boot.
swapoff -a
sed -i -E 's@^([^#[:space:]][^[:space:]]*[[:space:]]+[^[:space:]]+[[:space:]]+swap[[:space:]].*)$@# \1@' /etc/fstab

printf '%s\n' overlay br_netfilter >/etc/modules-load.d/kubeadm-ha.conf
modprobe overlay
modprobe br_netfilter
cat >/etc/sysctl.d/99-kubeadm-ha.conf <<'SYSCTL'
net.ipv4.ip_forward = 1
net.bridge.bridge-nf-call-iptables = 1
net.bridge.bridge-nf-call-ip6tables = 1
SYSCTL
sysctl --system >/dev/null

apt-get update -q
apt-get install -y -q apt-transport-https ca-certificates curl gpg containerd

# containerd must use the systemd cgroup driver, like the kubelet (KubeletConfiguration).
install -d -m 0755 /etc/containerd
if ! grep -q 'SystemdCgroup = true' /etc/containerd/config.toml 2>/dev/null; then
  containerd config default >/etc/containerd/config.toml
  sed -i 's/SystemdCgroup = false/SystemdCgroup = true/' /etc/containerd/config.toml
  grep -q 'SystemdCgroup = true' /etc/containerd/config.toml || {
    echo "kubeadm-ha: could not set SystemdCgroup = true in /etc/containerd/config.toml" >&2
    exit 1
  }
  systemctl restart containerd
fi
systemctl enable --now containerd

keyring=/etc/apt/keyrings/kubernetes-apt-keyring.gpg
repo="https://pkgs.k8s.io/core:/stable:/v${K8S_MINOR}/deb/"
install -d -m 0755 /etc/apt/keyrings
if [ ! -s "$keyring" ] || ! grep -qF "$repo" /etc/apt/sources.list.d/kubernetes.list 2>/dev/null; then
  curl -fsSL "${repo}Release.key" | gpg --dearmor --yes -o "$keyring"
  echo "deb [signed-by=${keyring}] ${repo} /" >/etc/apt/sources.list.d/kubernetes.list
  apt-get update -q
fi

pkg_version=$(apt-cache madison kubeadm | awk -v v="${K8S_VERSION}-" 'index($3, v) == 1 { print $3; exit }')
if [ -z "$pkg_version" ]; then
  echo "kubeadm-ha: kubeadm ${K8S_VERSION} is not in ${repo}; check kubernetesVersion" >&2
  exit 1
fi
installed=$(dpkg-query -W -f='${Version}' kubeadm 2>/dev/null || true)
if [ -n "$installed" ] && [ "$installed" != "$pkg_version" ] && [ -f /etc/kubernetes/kubelet.conf ]; then
  # Swapping packages under a running cluster breaks the version-skew rules (control planes first,
  # one minor at a time, drain around kubelets): upgrades are a kubeadm upgrade, not a re-install.
  echo "kubeadm-ha: $(hostname) runs kubeadm ${installed} and is in a cluster; refusing to install ${pkg_version}." >&2
  echo "kubeadm-ha: upgrade with 'kubeadm upgrade' (not automated yet), or set kubernetesVersion back." >&2
  exit 1
fi
if [ "$installed" != "$pkg_version" ]; then
  apt-get install -y -q --allow-change-held-packages \
    "kubelet=${pkg_version}" "kubeadm=${pkg_version}" "kubectl=${pkg_version}"
fi
apt-mark hold kubelet kubeadm kubectl >/dev/null
systemctl enable kubelet
echo "prepared: $(hostname) kubeadm ${pkg_version}"
