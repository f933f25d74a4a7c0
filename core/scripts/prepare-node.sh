#!/usr/bin/env bash
# Node preparation (every control plane and worker): swap off, kernel modules and sysctls, the
# tools kubeadm's preflight looks for, a clock check, containerd of a release containerd supports
# for this Kubernetes minor (systemd cgroups, kubeadm's pause image), and kubeadm/kubelet/kubectl
# of one version from pkgs.k8s.io, held. On a cluster member a new kubernetesVersion is checked
# first (one minor up at most, never down: refused before anything is changed) and only the apt
# source moves to its minor: the packages are the upgrade steps' business (README: Upgrade).
# Safe to run again: every step checks first, and a host that is already right is left untouched
# (no package installed, no file rewritten, no service restarted).
set -euo pipefail
: "${K8S_MINOR:?}"
: "${K8S_VERSION:?}"
: "${CONTAINERD_VERSIONS:?}"
export DEBIAN_FRONTEND=noninteractive
k8s_repo="https://pkgs.k8s.io/core:/stable:/v${K8S_MINOR}/deb/"
# Docker's key, as its install guide gives it (docs.docker.com/engine/install/debian).
docker_key_fingerprint=9DC858229FC7DD38854AE2D88D81803C0EBFCD88
# Certificates are backdated 5 min (kubeadm CertificateBackdate, the controller-manager's CSR
# signer): two nodes each within 60 s of true time stay well inside that.
max_clock_offset=60

fail() {
  echo "kubeadm-ha: $*" >&2
  exit 1
}

# A node that already joined a cluster: packages and the runtime are not swapped under it.
is_member() { [ -f /etc/kubernetes/kubelet.conf ]; }

# @include lib/first-boot.sh
# @include lib/apt.sh
# @include lib/k8s-version.sh

# A conffile left by an earlier containerd (Debian's ships /etc/containerd/config.toml) would stop
# dpkg at a prompt: keep the file on disk; this script rewrites the config afterwards anyway.
apt_install() {
  apt_run apt-get install -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"
}

apt_updated=0
apt_update() {
  [ "$apt_updated" = 1 ] || apt_run apt-get update -q
  apt_updated=1
}

# Installs the packages that are not installed yet (an apt-get install of nothing is skipped).
ensure_packages() {
  local pkg missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  apt_update
  apt_install "${missing[@]}"
}

hold() {
  local pkg held todo=()
  held=$(apt_run apt-mark showhold)
  for pkg in "$@"; do grep -qx "$pkg" <<<"$held" || todo+=("$pkg"); done
  [ "${#todo[@]}" -eq 0 ] || apt_run apt-mark hold "${todo[@]}" >/dev/null
}

# TLS and etcd need agreeing clocks. NTP status first (timedatectl reads the kernel's flag, set by
# chrony and systemd-timesyncd alike); unsynchronised, the offset is measured against the Date
# header of pkgs.k8s.io, and only an offset beyond the bound fails.
check_clock() {
  local synced date_header remote offset
  synced=$(timedatectl show -p NTPSynchronized --value 2>/dev/null || echo unknown)
  if [ "$synced" = yes ]; then
    echo "clock: synchronised (NTP)"
    return 0
  fi
  command -v curl >/dev/null 2>&1 || ensure_packages ca-certificates curl
  date_header=$(curl -fsSI --max-time 10 "${k8s_repo}Release.key" 2>/dev/null | tr -d '\r' |
    awk 'tolower($1) == "date:" { sub(/^[^:]*: */, ""); d = $0 } END { print d }' || true)
  if [ -z "$date_header" ] || ! remote=$(date -u -d "$date_header" +%s 2>/dev/null); then
    echo "kubeadm-ha: WARNING clock not synchronised (NTPSynchronized=${synced}) and its offset could not be measured; enable NTP (timedatectl set-ntp true)" >&2
    return 0
  fi
  offset=$(($(date -u +%s) - remote))
  if [ "${offset#-}" -gt "$max_clock_offset" ]; then
    fail "the clock of $(hostname) is ${offset} s off (pkgs.k8s.io Date header) and not synchronised (NTPSynchronized=${synced}); more than ${max_clock_offset} s breaks certificates and etcd. Enable NTP (timedatectl set-ntp true, or chrony) and run again."
  fi
  echo "kubeadm-ha: WARNING clock not synchronised (NTPSynchronized=${synced}); ${offset} s off pkgs.k8s.io, within ${max_clock_offset} s; enable NTP (timedatectl set-ntp true)" >&2
}

# The node's first step opens with the gate (the wait-ssh step of load balancers and etcd hosts):
# SSH answers (the connection dials until it does), sudo works, cloud-init is done.
wait_for_first_boot

# A member's packages move only through the upgrade steps, one minor at a time: a version they
# could not reach is refused here, before anything on the host is changed.
if is_member && [ -n "$(package_version kubeadm)" ]; then
  refuse_version_jump "$(hostname)" "$(package_version kubeadm)" "$(package_version kubelet)" "$K8S_VERSION"
fi

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

# First: apt itself refuses a repository whose Release file looks "not valid yet".
check_clock
# conntrack is a preflight error below 1.32 and ebtables, ethtool, socat warnings
# (kubeadm cmd/kubeadm/app/preflight/checks_linux.go addExecChecks); ip and iptables are errors.
ensure_packages apt-transport-https ca-certificates curl gpg conntrack socat ethtool ebtables iptables iproute2

# --- containerd -------------------------------------------------------------------------------
# Upstream version X.Y.Z of a version string (1.7.28, v2.1.5, 1.6.20~ds1, 1.7.28-1~ubuntu.22.04~jammy).
upstream_version() { sed -E 's/^[0-9]+://; s/^v//; s/^([0-9]+\.[0-9]+\.[0-9]+).*/\1/' <<<"$1"; }

# True when the version is on a release line of CONTAINERD_VERSIONS, at or above its minimum.
containerd_supported() {
  local version=$1 minimum
  for minimum in $CONTAINERD_VERSIONS; do
    [ "${version%.*}" = "${minimum%.*}" ] || continue
    [ "$(printf '%s\n' "$minimum" "$version" | sort -V | head -n 1)" = "$minimum" ] && return 0
  done
  return 1
}

# A field of /etc/os-release (read, not sourced).
os_release() { awk -F= -v k="$1" '$1 == k { gsub(/"/, "", $2); print $2 }' /etc/os-release; }

# Docker's apt repository carries containerd.io for every supported Debian/Ubuntu release, old
# lines included; the distro's own package is too old on Debian 12 (1.6.20).
install_containerd() {
  local keyring=/etc/apt/keyrings/docker.gpg id codename repo candidate pick="" key gnupg fingerprint
  id=$(os_release ID)
  codename=$(os_release VERSION_CODENAME)
  case "$id" in debian | ubuntu) ;; *) fail "containerd.io is installed from Docker's repository for Debian or Ubuntu; this host is ${id}" ;; esac
  repo="https://download.docker.com/linux/${id}"
  install -d -m 0755 /etc/apt/keyrings
  if [ ! -s "$keyring" ] || ! grep -qF "${repo} ${codename} stable" /etc/apt/sources.list.d/docker.list 2>/dev/null; then
    key=$(mktemp)
    gnupg=$(mktemp -d)
    curl -fsSL --retry 5 -o "$key" "${repo}/gpg"
    # The primary key's fingerprint: the first fpr record (subkeys follow).
    fingerprint=$(GNUPGHOME=$gnupg gpg --show-keys --with-colons "$key" | awk -F: '$1 == "fpr" && !n++ { print $10 }' || true)
    [ "$fingerprint" = "$docker_key_fingerprint" ] || fail "${repo}/gpg is not Docker's key ${docker_key_fingerprint}; refusing it"
    gpg --dearmor --yes -o "$keyring" <"$key"
    rm -rf "$key" "$gnupg"
    echo "deb [arch=$(dpkg --print-architecture) signed-by=${keyring}] ${repo} ${codename} stable" >/etc/apt/sources.list.d/docker.list
    apt_updated=0
  fi
  apt_update
  # The newest containerd.io of the accepted lines; installed by exact version and held.
  for candidate in $(apt-cache madison containerd.io | awk '{ print $3 }'); do
    containerd_supported "$(upstream_version "$candidate")" || continue
    if [ -z "$pick" ] || [ "$(printf '%s\n' "$pick" "$candidate" | sort -V | tail -n 1)" = "$candidate" ]; then pick=$candidate; fi
  done
  [ -n "$pick" ] || fail "${repo} has no containerd.io of ${CONTAINERD_VERSIONS} (or a later patch of those lines) for Kubernetes ${K8S_MINOR}"
  apt_install --allow-change-held-packages "containerd.io=${pick}"
  hold containerd.io
}

# Sets `key = value` in [table] of the TOML on stdin: replaces the key in that table, else adds it
# at the table's end, else adds the table. Table names compare with quotes and spaces normalised
# (containerd 2.x prints [plugins.'io.containerd.cri.v1.images'], its docs write "").
toml_set() {
  awk -v table="$1" -v key="$2" -v value="$3" '
    function norm(s) { gsub(/[ \t]/, "", s); gsub(/"/, "\047", s); return s }
    function add() { if (inside && !done) { print "  " key " = " value; done = 1 } }
    BEGIN { want = norm("[" table "]") }
    /^[ \t]*\[/ { add(); inside = (norm($0) == want); print; next }
    inside && $0 ~ ("^[ \t]*" key "[ \t]*=") {
      if (!done) { match($0, /^[ \t]*/); print substr($0, 1, RLENGTH) key " = " value; done = 1 }
      next
    }
    { print }
    END { add(); if (!done) { print ""; print "[" table "]"; print "  " key " = " value } }
  '
}

# containerd's own default config with the systemd cgroup driver (like the kubelet's
# KubeletConfiguration) and kubeadm's sandbox image. Config version 2 is containerd 1.x, 3 is 2.x
# (containerd docs/cri/config.md); 2.0 prints no SystemdCgroup line at all, so it may be added.
containerd_config() {
  local pause=$1 default version
  default=$(containerd config default)
  version=$(awk -F= '/^version[ \t]*=/ { gsub(/[ \t]/, "", $2); print $2; exit }' <<<"$default")
  case "$version" in
  2)
    toml_set 'plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options' SystemdCgroup true <<<"$default" |
      toml_set 'plugins."io.containerd.grpc.v1.cri"' sandbox_image "\"${pause}\""
    ;;
  3)
    toml_set "plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options" SystemdCgroup true <<<"$default" |
      toml_set "plugins.'io.containerd.cri.v1.images'.pinned_images" sandbox "\"${pause}\""
    ;;
  *) fail "containerd's default config has version '${version}'; expected 2 (containerd 1.x) or 3 (containerd 2.x)" ;;
  esac
}

containerd_have=$(containerd --version 2>/dev/null | awk '{ print $3 }' || true)
containerd_have=$(upstream_version "$containerd_have")
if [ -n "$containerd_have" ] && containerd_supported "$containerd_have"; then
  echo "containerd ${containerd_have}: supported for Kubernetes ${K8S_MINOR}"
elif is_member; then
  fail "$(hostname) is in a cluster and runs containerd ${containerd_have:-(none)}; Kubernetes ${K8S_MINOR} needs one of ${CONTAINERD_VERSIONS} (or a later patch of those lines). The runtime is not swapped under a running node: remove the host from the stack and pulumi up (it is reset), then add it back (it is prepared again and joins); or drain it, upgrade containerd by hand, uncordon it and pulumi up."
else
  install_containerd
  containerd_have=$(upstream_version "$(containerd --version | awk '{ print $3 }')")
  echo "containerd ${containerd_have}: installed from Docker's repository"
fi

# --- kubeadm, kubelet, kubectl ----------------------------------------------------------------
installed=$(dpkg-query -W -f='${Version}' kubeadm 2>/dev/null || true)
pkg_version=$installed
# The version whose pause image containerd gets: the one kubeadm here runs.
pause_version=$K8S_VERSION
if [[ "$installed" != "${K8S_VERSION}-"* ]]; then
  keyring=/etc/apt/keyrings/kubernetes-apt-keyring.gpg
  install -d -m 0755 /etc/apt/keyrings
  if [ ! -s "$keyring" ] || ! grep -qF "$k8s_repo" /etc/apt/sources.list.d/kubernetes.list 2>/dev/null; then
    curl -fsSL --retry 5 "${k8s_repo}Release.key" | gpg --dearmor --yes -o "$keyring"
    echo "deb [signed-by=${keyring}] ${k8s_repo} /" >/etc/apt/sources.list.d/kubernetes.list
    apt_updated=0
  fi
  apt_update
  pkg_version=$(apt-cache madison kubeadm | awk -v v="${K8S_VERSION}-" 'index($3, v) == 1 { print $3; exit }')
  [ -n "$pkg_version" ] || fail "kubeadm ${K8S_VERSION} is not in ${k8s_repo}; check kubernetesVersion"
  if [ -n "$installed" ] && is_member; then
    # Swapping packages under a running node breaks the version-skew rules (control planes first,
    # drain around kubelets): the upgrade steps do it, in that order, each after its node is prepared.
    echo "upgrade pending: $(hostname) runs kubeadm ${installed}; kubeadm, kubelet and kubectl ${pkg_version} are left to the upgrade steps"
    pause_version=$(package_version kubeadm)
    pkg_version=$installed
  else
    apt_install --allow-change-held-packages \
      "kubelet=${pkg_version}" "kubeadm=${pkg_version}" "kubectl=${pkg_version}"
  fi
fi
hold kubelet kubeadm kubectl

# --- containerd configuration (needs kubeadm for the pause image) ------------------------------
pause=$(kubeadm config images list --kubernetes-version "v${pause_version}" | awk '/\/pause:/ { p = $0 } END { print p }')
[ -n "$pause" ] || fail "kubeadm config images list names no pause image for v${pause_version}"
desired=$(containerd_config "$pause")
grep -q 'SystemdCgroup = true' <<<"$desired" || fail "could not set SystemdCgroup = true in containerd's config"
restart=0
install -d -m 0755 /etc/containerd
if [ "$(cat /etc/containerd/config.toml 2>/dev/null)" != "$desired" ]; then
  printf '%s\n' "$desired" >/etc/containerd/config.toml.kubeadm-ha
  mv /etc/containerd/config.toml.kubeadm-ha /etc/containerd/config.toml
  restart=1
fi
# containerd watches /etc/cni/net.d only if it existed when containerd started (cni_conf_syncer.go);
# an earlier reset may have removed it, and the CNI's config would then never be loaded.
if [ ! -d /etc/cni/net.d ]; then
  install -d -m 0755 /etc/cni/net.d
  restart=1
fi
if [ "$restart" = 1 ]; then systemctl restart containerd; fi
systemctl enable --now containerd
systemctl enable kubelet
echo "prepared: $(hostname) kubeadm ${pkg_version}, containerd ${containerd_have} (sandbox ${pause})"
