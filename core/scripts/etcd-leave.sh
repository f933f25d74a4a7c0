#!/usr/bin/env bash
# When an etcd host leaves etcdHosts (or its privateAddress changes), on that host: its member is
# removed through another member that answers healthy, only when the members left that answer
# healthy still reach their quorum and it is not the last member; then its static pod stops and
# its data, certificates and kubelet drop-in go. Safe to run again (an absent member is done).
set -euo pipefail
: "${NODE_NAME:?}"
: "${PEER_URL:?}"
: "${OWN_CLIENT_URL:?}"
: "${CLIENT_URLS:?}"
: "${KUBELET_CONFIG_PATH:?}"
: "${KUBELET_DROPIN_PATH:?}"
# @include lib/etcd-hosts.sh

refuse() {
  echo "kubeadm-ha: not removing etcd member ${NODE_NAME} (${PEER_URL}): $*" >&2
  exit 1
}

if [ -f "$ETCD_PKI/healthcheck-client.crt" ]; then
  if peer=$(healthy_member "$OWN_CLIENT_URL"); then
    lines=$(member_lines "$peer")
    line=$(awk -F'|' -v u="$PEER_URL" '$3 == u' <<<"$lines")
    if [ -n "$line" ]; then
      IFS='|' read -r id _ _ _ <<<"$line"
      total=$(grep -c . <<<"$lines" || true)
      left=$((total - 1))
      quorum=$((left / 2 + 1))
      healthy_left=$(healthy_count "$(awk -F'|' -v u="$PEER_URL" '$3 != u' <<<"$lines")")
      [ "$left" -ge 1 ] || refuse "it is the last etcd member (the cluster's data would go with it)"
      if [ "$healthy_left" -lt "$quorum" ]; then
        refuse "it would leave ${healthy_left} healthy of ${left} members, below their quorum of ${quorum}; bring the others back first"
      fi
      etcd_curl "${peer%/}/v3/cluster/member/remove" -X POST -d "{\"ID\":\"${id}\"}" >/dev/null
      echo "etcd: removed member ${NODE_NAME} (${PEER_URL}) through ${peer}; ${left} left, quorum ${quorum}"
    else
      echo "etcd: no member has peer URL ${PEER_URL} (already removed)"
    fi
  elif member_healthy "$OWN_CLIENT_URL"; then
    refuse "no other configured member answers healthy; it is the last one that does (the cluster's data would go with it)"
  else
    refuse "no etcd member answers healthy, so its removal cannot be checked against the quorum; bring the members back first"
  fi
fi

# Stop the member (the kubelet drops its static pod), then wipe what the member step made.
rm -f /etc/kubernetes/manifests/etcd.yaml
for ((i = 1; i <= 24; i++)); do
  if ! crictl ps --name '^etcd$' --state running -q 2>/dev/null | grep -q .; then break; fi
  sleep 5
done
# The kubelet only where the member step made it etcd's service manager (its drop-in is here).
if [ -f "$KUBELET_DROPIN_PATH" ]; then
  systemctl stop kubelet 2>/dev/null || true
  rm -f "$KUBELET_DROPIN_PATH"
  systemctl daemon-reload
fi
rm -f "$KUBELET_CONFIG_PATH" /etc/kubernetes/kubeadm-ha/etcd-member
rm -rf /var/lib/etcd/member "$ETCD_PKI" /etc/kubernetes/pki/apiserver-etcd-client.crt /etc/kubernetes/pki/apiserver-etcd-client.key
echo "etcd: ${NODE_NAME} stopped and wiped"
