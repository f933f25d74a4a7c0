#!/usr/bin/env bash
# Shared: stacked etcd through the API (inlined by the renderer). etcdctl runs inside a member's
# static pod (`kubectl exec`; kubeadm's etcd image ships etcdctl) against that member, with its own
# certificates. Any member that answers will do: none is special, so a control plane that is down
# never stops a check. Needs KUBECONFIG (admin credentials).

# etcd_ctl POD ARGS...: etcdctl ARGS inside the etcd pod POD.
etcd_ctl() {
  local pod=$1
  shift
  kubectl -n kube-system exec "$pod" -- etcdctl --endpoints=https://127.0.0.1:2379 --command-timeout=10s \
    --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/server.crt \
    --key=/etc/kubernetes/pki/etcd/server.key "$@"
}

# etcd_pick_pod [SKIP]: prints the first etcd pod, other than SKIP, whose member answers healthy.
etcd_pick_pod() {
  local skip=${1:-} pod
  for pod in $(kubectl -n kube-system get pods -l component=etcd,tier=control-plane \
    -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' 2>/dev/null); do
    [ "$pod" = "$skip" ] && continue
    if etcd_ctl "$pod" endpoint health >/dev/null 2>&1; then
      echo "$pod"
      return 0
    fi
  done
  return 1
}

# etcd_members POD: one line per member: `id|status|name|peerURLs|clientURLs|isLearner`
# (etcdctl's simple format; an unstarted member has no name yet).
etcd_members() {
  etcd_ctl "$1" member list | awk -F', ' 'NF >= 6 { print $1 "|" $2 "|" $3 "|" $4 "|" $5 "|" $6 }'
}

# etcd_healthy_clients POD: the client URL of every member that answers healthy, one a line.
etcd_healthy_clients() {
  { etcd_ctl "$1" endpoint health --cluster 2>&1 || true; } | awk '$2 == "is" && $3 == "healthy:" { print $1 }'
}

# etcd_member_with_peer URL LINES: the line of LINES (from etcd_members) whose peer URLs include URL.
etcd_member_with_peer() {
  awk -F'|' -v url="$1" '{ n = split($4, peers, ","); for (i = 1; i <= n; i++) if (peers[i] == url) print }' <<<"$2"
}

# etcd_remove_member PEER_URL SKIP_POD: removes the member whose peer URL is PEER_URL, through
# another member (never SKIP_POD, the leaving one's own pod). Refuses (returns 1) when it is the
# last member, or when the members left that answer healthy would be fewer than their quorum.
etcd_remove_member() {
  local peer=$1 pod lines line id name clients total healthy healthy_left left quorum url
  if ! pod=$(etcd_pick_pod "$2"); then
    # Nobody else answers: say whether that is because there is nobody else.
    lines=$(etcd_members "$2" 2>/dev/null) || lines=""
    if [ "$(grep -c . <<<"$lines" || true)" -eq 1 ] && [ -n "$(etcd_member_with_peer "$peer" "$lines")" ]; then
      echo "kubeadm-ha: ${2#etcd-} (${peer}) is the last etcd member; refusing to remove it (the cluster's data would go with it)" >&2
    else
      echo "kubeadm-ha: no etcd member other than ${2#etcd-} answers; not removing ${peer} blindly" >&2
    fi
    return 1
  fi
  lines=$(etcd_members "$pod")
  line=$(etcd_member_with_peer "$peer" "$lines")
  if [ -z "$line" ]; then
    echo "etcd: no member has peer URL ${peer} (already removed)"
    return 0
  fi
  IFS='|' read -r id _ name _ clients _ <<<"$line"
  total=$(grep -c . <<<"$lines" || true)
  if [ "$total" -le 1 ]; then
    echo "kubeadm-ha: ${name:-$id} (${peer}) is the last etcd member; refusing to remove it (the cluster's data would go with it)" >&2
    return 1
  fi
  healthy=$(etcd_healthy_clients "$pod")
  healthy_left=$(grep -c . <<<"$healthy" || true)
  for url in ${clients//,/ }; do
    if grep -qxF "$url" <<<"$healthy"; then healthy_left=$((healthy_left - 1)); fi
  done
  left=$((total - 1))
  quorum=$((left / 2 + 1))
  if [ "$healthy_left" -lt "$quorum" ]; then
    echo "kubeadm-ha: removing ${name:-$id} (${peer}) would leave ${healthy_left} healthy of ${left} etcd members, below their quorum of ${quorum}; refusing. Bring the other members back first." >&2
    return 1
  fi
  etcd_ctl "$pod" member remove "$id" >/dev/null
  echo "etcd: removed member ${name:-$id} (${peer}) through ${pod}; ${left} left"
}
