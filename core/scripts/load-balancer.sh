#!/usr/bin/env bash
# Load balancer (one of the pair, or a control plane with loadBalancerMode colocated): HAProxy in
# front of the api-servers and keepalived (VRRPv3) holding the VIP. Each config is checked by its
# daemon before it replaces the running one, and a daemon whose file changed is reloaded, not
# restarted: a MASTER keeps the VIP through a config change (the load-balancer steps run one after
# the other, so a change reaches one keepalived at a time).
set -euo pipefail
: "${HAPROXY_CFG:?}"
: "${KEEPALIVED_CONF:?}"
: "${LB_INTERFACE:?}"
: "${INTERFACE_PLACEHOLDER:?}"
: "${PRIVATE_ADDRESS:?}"
: "${CHECK_SCRIPT:?}"
: "${CHECK_SCRIPT_PATH:?}"
: "${SCRIPT_USER:?}"
export DEBIAN_FRONTEND=noninteractive
umask 077

fail() {
  echo "kubeadm-ha: $*" >&2
  exit 1
}

# This host's IPv4 addresses as "eth0 192.168.1.98/24, ..." (ip -o: one line per address, the
# interface second, the address fourth; a veth's "@ifN" suffix dropped).
addresses() {
  ip -o -4 addr show | awk '{ sub(/@.*/, "", $2); printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $4 } END { print "" }'
}

# The interface keepalived binds and puts the VIP on: the configured one, or with "auto" the one
# that holds this LB's privateAddress (vipInterface defaults to auto: hosts name it eth0, ens5, enp1s0...).
lb_interface() {
  local holders=()
  if [ "$LB_INTERFACE" != auto ]; then
    ip -o link show dev "$LB_INTERFACE" >/dev/null 2>&1 ||
      fail "interface ${LB_INTERFACE} (vipInterface, or this host's interface) does not exist on $(hostname); its addresses: $(addresses). Set the interface that holds ${PRIVATE_ADDRESS}, or \"auto\""
    echo "$LB_INTERFACE"
    return 0
  fi
  mapfile -t holders < <(ip -o -4 addr show | awk -v a="$PRIVATE_ADDRESS" '{ sub(/@.*/, "", $2); split($4, p, "/"); if (p[1] == a && !seen[$2]++) print $2 }')
  case "${#holders[@]}" in
    1) echo "${holders[0]}" ;;
    0) fail "no interface of $(hostname) holds ${PRIVATE_ADDRESS}, this load balancer's privateAddress (vipInterface auto); its addresses: $(addresses). Fix privateAddress, or set the host's interface (or vipInterface)" ;;
    *) fail "${PRIVATE_ADDRESS} (this load balancer's privateAddress) is on several interfaces of $(hostname): ${holders[*]}; set the host's interface (or vipInterface)" ;;
  esac
}

# Found before anything is installed: a host where it cannot be found fails at once, naming why.
iface=$(lb_interface)
KEEPALIVED_CONF=${KEEPALIVED_CONF//"$INTERFACE_PLACEHOLDER"/$iface}

if ! command -v haproxy >/dev/null 2>&1 || ! command -v keepalived >/dev/null 2>&1; then
  apt-get -o DPkg::Lock::Timeout=600 update -q
  apt-get -o DPkg::Lock::Timeout=600 install -y -q haproxy keepalived
fi
# enable_script_security runs the check as this unprivileged user.
id "$SCRIPT_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$SCRIPT_USER"

# install_if_changed CONTENT DEST MODE CHECK...: writes CONTENT to DEST when it differs, after
# CHECK (run with the new file's path appended) accepts it. Returns 0 if DEST changed.
install_if_changed() {
  local content=$1 dest=$2 mode=$3 tmp
  shift 3
  tmp=$(mktemp "${dest}.XXXXXX")
  printf '%s' "$content" >"$tmp"
  chmod "$mode" "$tmp"
  if [ -f "$dest" ] && cmp -s "$tmp" "$dest"; then
    rm -f "$tmp"
    return 1
  fi
  if ! "$@" "$tmp" >/dev/null; then
    rm -f "$tmp"
    fail "rendered $dest was rejected by $1"
  fi
  mv -f "$tmp" "$dest"
}

# keepalived 2.2.7 (Debian 12) ends `-t` on a valid config with SIGTERM (exit 143, no output);
# fixed in 2.2.8 (acassen/keepalived#2587, #2617). Any message still means the config is bad.
keepalived_config_ok() {
  local out rc=0
  out=$(keepalived -t -f "$1" 2>&1) || rc=$?
  if [ "$rc" -eq 0 ] || { [ "$rc" -eq 143 ] && [ -z "$out" ]; }; then return 0; fi
  printf '%s\n' "$out" >&2
  return 1
}

install -d -m 0755 /etc/haproxy /etc/keepalived
install_if_changed "$CHECK_SCRIPT" "$CHECK_SCRIPT_PATH" 0755 bash -n || true
# reload: the master process re-reads the file and starts new workers; the old ones finish their
# connections, for at most hard-stop-after (haproxy.cfg). Starts HAProxy when it is not running.
if install_if_changed "$HAPROXY_CFG" /etc/haproxy/haproxy.cfg 0644 haproxy -c -f; then
  systemctl reload-or-restart haproxy
fi
# reload (SIGHUP, Debian's ExecReload): keepalived re-reads the file and keeps its VRRP state, so a
# MASTER keeps the VIP; a restart would hand it to the peer (or, on both LBs at once, leave it unheld).
if install_if_changed "$KEEPALIVED_CONF" /etc/keepalived/keepalived.conf 0600 keepalived_config_ok; then
  systemctl reload-or-restart keepalived
fi
systemctl enable --now haproxy keepalived
echo "load balancer ready: $(hostname), VIP interface ${iface}"
