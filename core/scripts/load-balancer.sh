#!/usr/bin/env bash
# Load balancer: HAProxy in front of the api-servers and keepalived holding the VIP.
# stdin: keepalivedAuthPass
# Configs are checked by the daemons before they replace
# the running ones; daemons restart only when a file changed.
set -euo pipefail
: "${HAPROXY_CFG:?}"
: "${KEEPALIVED_CONF:?}"
: "${AUTH_PASS_PLACEHOLDER:?}"
: "${CHECK_SCRIPT:?}"
: "${CHECK_SCRIPT_PATH:?}"
: "${SCRIPT_USER:?}"
export DEBIAN_FRONTEND=noninteractive
umask 077

auth_pass=""
IFS= read -r auth_pass || true
if [[ ! "$auth_pass" =~ ^[A-Za-z0-9]{8}$ ]]; then
  echo "kubeadm-ha: VRRP auth_pass on stdin must be 8 letters or digits (value not shown)" >&2
  exit 1
fi

if ! command -v haproxy >/dev/null 2>&1 || ! command -v keepalived >/dev/null 2>&1; then
  apt-get update -q
  apt-get install -y -q haproxy keepalived
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
    echo "kubeadm-ha: rendered $dest was rejected by $1" >&2
    exit 1
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
if install_if_changed "$HAPROXY_CFG" /etc/haproxy/haproxy.cfg 0644 haproxy -c -f; then
  systemctl reload-or-restart haproxy
fi
# The auth_pass goes into the root-only file only; it is substituted in bash, not on a command line.
if install_if_changed "${KEEPALIVED_CONF//"$AUTH_PASS_PLACEHOLDER"/$auth_pass}" /etc/keepalived/keepalived.conf 0600 keepalived_config_ok; then
  systemctl restart keepalived
fi
systemctl enable --now haproxy keepalived
echo "load balancer ready: $(hostname)"
