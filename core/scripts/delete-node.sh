#!/usr/bin/env bash
# When a node leaves the config, last of its removal steps (after its own reset, or after that
# reset was skipped because the host is gone), on a control plane that stays: deletes its Node.
# For a stacked control plane it makes sure the member is gone (removing it now if the drain step
# could not), then checks the count: every etcd member is a control-plane Node, and every
# control-plane Node that stays (not cordoned for removal) is a started member.
set -euo pipefail
: "${NODE_NAME:?}"
: "${ROLE:?}"
: "${ETCD_MODE:?}"
: "${PEER_URL:?}"
# @include lib/etcd.sh
export KUBECONFIG=/etc/kubernetes/admin.conf

if [ ! -f "$KUBECONFIG" ]; then
  echo "kubeadm-ha: $(hostname) has no ${KUBECONFIG}: it is not a control plane of the cluster; cannot delete Node ${NODE_NAME} from here" >&2
  exit 1
fi
kubectl delete node "$NODE_NAME" --ignore-not-found --wait=true --timeout=120s
echo "Node ${NODE_NAME} deleted"
if [ "$ROLE" = controlPlane ] && [ "$ETCD_MODE" = stacked ]; then
  etcd_remove_member "$PEER_URL" "etcd-${NODE_NAME}"
  pod=$(etcd_pick_pod "etcd-${NODE_NAME}") || { echo "kubeadm-ha: no etcd member answers; cannot check the member count" >&2; exit 1; }
  members=$(etcd_members "$pod")
  planes=$(kubectl get nodes -l node-role.kubernetes.io/control-plane \
    -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.spec.unschedulable}{"\n"}{end}')
  stray=$(awk -F'|' 'NR == FNR { if ($1 != "") node[$1] = 1; next } !($3 in node) { print ($3 == "" ? $1 : $3) " (" $4 ")" }' \
    <(awk '{ print $1 }' <<<"$planes") <(printf '%s\n' "$members"))
  missing=$(awk -F'|' 'NR == FNR { if ($2 == "started") started[$3] = 1; next } $1 != "" && $2 != "true" && !($1 in started) { print $1 }' \
    <(printf '%s\n' "$members") <(tr ' ' '|' <<<"$planes"))
  count=$(grep -c . <<<"$members" || true)
  if [ -n "$stray" ] || [ -n "$missing" ]; then
    echo "kubeadm-ha: etcd has ${count} members, which does not match the control planes:" >&2
    if [ -n "$stray" ]; then echo "kubeadm-ha:   members without a control-plane Node: $(tr '\n' ' ' <<<"$stray")(remove with 'etcdctl member remove <id>' in an etcd pod)" >&2; fi
    if [ -n "$missing" ]; then echo "kubeadm-ha:   control-plane Nodes that are not started members: $(tr '\n' ' ' <<<"$missing")" >&2; fi
    exit 1
  fi
  echo "etcd: ${count} members, one per control plane: $(awk -F'|' '{ print $3 }' <<<"$members" | tr '\n' ' ')"
fi
echo "kubeadm-ha: if ${NODE_NAME} could not be reached when it was removed (its kubeadm-join step deleted by hand), it was never reset: run 'sudo kubeadm reset -f' on it before it joins a cluster again"
