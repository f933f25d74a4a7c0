#!/usr/bin/env bash
# Shared: the etcd members this program builds on `etcdHosts` (inlined by the renderer). Members
# are reached at their client URLs over TLS, through etcd's JSON gateway (/health,
# /v3/cluster/member/*) with curl, as verify.sh does: nothing here needs etcdctl, which a host
# whose etcd is not running yet does not have. Needs CLIENT_URLS (every configured member's
# client URL, space separated) and the files of ETCD_PKI.
ETCD_PKI=/etc/kubernetes/pki/etcd

# etcd_curl URL [CURL ARGS...]: a TLS request with this host's healthcheck-client certificate.
etcd_curl() {
  local url=$1
  shift
  curl -sS --max-time 5 --cacert "$ETCD_PKI/ca.crt" --cert "$ETCD_PKI/healthcheck-client.crt" \
    --key "$ETCD_PKI/healthcheck-client.key" "$@" "$url"
}

# member_healthy CLIENT_URL: true when the member there answers healthy (it sees a leader).
member_healthy() { etcd_curl "${1%/}/health" 2>/dev/null | grep -q '"health": *"true"'; }

# healthy_member [SKIP_URL]: prints the first configured client URL, other than SKIP_URL, whose member is healthy.
healthy_member() {
  local url
  for url in $CLIENT_URLS; do
    [ "$url" = "${1:-}" ] && continue
    if member_healthy "$url"; then
      echo "$url"
      return 0
    fi
  done
  return 1
}

# member_lines CLIENT_URL: one line per member, `id|name|peerURL|clientURL` (an unstarted member
# has no name and no client URL yet). etcd's gateway prints uint64 ids as strings.
member_lines() {
  local m id name peer client
  etcd_curl "${1%/}/v3/cluster/member/list" -X POST -d '{}' | grep -o '{[^{}]*"peerURLs"[^{}]*}' |
    while IFS= read -r m; do
      id=$(grep -o '"ID":"\?[0-9]*' <<<"$m" | grep -o '[0-9]*$' || true)
      name=$(sed -n 's/.*"name":"\([^"]*\)".*/\1/p' <<<"$m")
      peer=$(sed -n 's/.*"peerURLs":\["\([^"]*\)".*/\1/p' <<<"$m")
      client=$(sed -n 's/.*"clientURLs":\["\([^"]*\)".*/\1/p' <<<"$m")
      echo "${id}|${name}|${peer}|${client}"
    done
}

# healthy_count LINES: how many members of LINES (from member_lines) answer healthy.
healthy_count() {
  local n=0 client
  while IFS='|' read -r _ _ _ client; do
    if [ -n "$client" ] && member_healthy "$client"; then n=$((n + 1)); fi
  done <<<"$1"
  echo "$n"
}

# wait_healthy URL ATTEMPTS: true once the member at URL answers healthy (checks 5 s apart).
wait_healthy() {
  local i
  for ((i = 1; i <= $2; i++)); do
    member_healthy "$1" && return 0
    if [ "$i" -lt "$2" ]; then sleep 5; fi
  done
  return 1
}
