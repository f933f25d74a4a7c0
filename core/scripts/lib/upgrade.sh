#!/usr/bin/env bash
# Shared helpers of the upgrade steps (inlined by the renderer). They expect NODE_NAME,
# TARGET_VERSION (X.Y.Z), K8S_REPO_MINOR, DRAIN_TIMEOUT_SECONDS, READY_ATTEMPTS and KUBECONFIG.
export DEBIAN_FRONTEND=noninteractive
UPGRADE_LOG=/var/log/kubeadm-ha/upgrade.log
# Set on a node this upgrade cordoned: only such a node is uncordoned again (never one an operator cordoned).
CORDON_MARK='kubeadm-ha.io/upgrade-cordoned'

# logged CMD...: runs CMD with its output added to UPGRADE_LOG (root only); on failure shows its error lines.
logged() {
  local start=0
  install -d -m 0700 /var/log/kubeadm-ha
  if [ -f "$UPGRADE_LOG" ]; then start=$(wc -l <"$UPGRADE_LOG"); fi
  if "$@" >>"$UPGRADE_LOG" 2>&1; then return 0; fi
  echo "kubeadm-ha: '$*' failed on $(hostname); full log (root only): ${UPGRADE_LOG}" >&2
  tail -n +"$((start + 1))" "$UPGRADE_LOG" | grep -E 'error|ERROR|fatal|FATAL|timed out' | tail -n 20 | sed 's/^/  /' >&2 || true
  return 1
}

# cluster_version: the control plane's version X.Y.Z, as `kubeadm upgrade apply` last recorded it
# (kubeadm-config ConfigMap; nodes may read it through kubeadm's kubeadm:nodes-kubeadm-config role).
cluster_version() {
  kubectl -n kube-system get configmap kubeadm-config -o jsonpath='{.data.ClusterConfiguration}' |
    awk '$1 == "kubernetesVersion:" { v = $2; gsub(/["v]/, "", v); print v }'
}

# node_state: `<kubelet version X.Y.Z> <Ready status>` of this node as the API reports it.
node_state() {
  kubectl get node "$NODE_NAME" \
    -o jsonpath='{.status.nodeInfo.kubeletVersion}{" "}{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null |
    sed 's/^v//' || true
}

# upgraded: this node already runs TARGET_VERSION (packages, and the version its kubelet reports).
upgraded() {
  [ "$(package_version kubeadm)" = "$TARGET_VERSION" ] && [ "$(package_version kubelet)" = "$TARGET_VERSION" ] &&
    [ "$(node_state)" = "${TARGET_VERSION} True" ]
}

# install_held PKG...: the packages at TARGET_VERSION's package revision, held again (the apt source
# of the new minor is what node preparation, which ran before, left in place).
install_held() {
  local pkg_version pkg todo=()
  for pkg in "$@"; do [ "$(package_version "$pkg")" = "$TARGET_VERSION" ] || todo+=("$pkg"); done
  [ "${#todo[@]}" -gt 0 ] || return 0
  apt_run apt-get update -q
  pkg_version=$(apt-cache madison kubeadm | awk -v v="${TARGET_VERSION}-" 'index($3, v) == 1 { print $3; exit }')
  if [ -z "$pkg_version" ]; then
    echo "kubeadm-ha: kubeadm ${TARGET_VERSION} is not in the apt sources of ${NODE_NAME} (pkgs.k8s.io v${K8S_REPO_MINOR}): did prepare-node run? check kubernetesVersion" >&2
    exit 1
  fi
  apt_run apt-get install -y -q --allow-change-held-packages "${todo[@]/%/=${pkg_version}}"
  apt_run apt-mark hold "${todo[@]}" >/dev/null
}

# drain_self: cordons this node (marked, see CORDON_MARK) and evicts its pods through the Eviction
# API, so PodDisruptionBudgets are honoured, as `kubectl drain --ignore-daemonsets
# --delete-emptydir-data` does: DaemonSet and static pods stay; a pod no controller would recreate
# is refused, as kubectl drain refuses it without --force. Bounded by DRAIN_TIMEOUT_SECONDS: then
# the step fails, the node stays cordoned, and nothing of the upgrade has run on it. A worker does
# this with its own kubelet credentials: the node authorizer's rules let a node create evictions and
# patch its Node, and NodeRestriction holds it to pods bound to itself and its own Node
# (plugin/auth/authorizer/rbac/bootstrappolicy NodeRules, plugin/pkg/admission/noderestriction).
drain_self() {
  local deadline=$((SECONDS + DRAIN_TIMEOUT_SECONDS)) round=0 pods ns name kind mirror left unmanaged
  pods=$(list_pods)
  unmanaged=$(awk -F'|' '$2 != "" && $3 == "" && $4 == "" { printf "%s/%s ", $1, $2 }' <<<"$pods")
  if [ -n "$unmanaged" ]; then
    echo "kubeadm-ha: ${NODE_NAME} runs pods no controller would recreate: ${unmanaged}; draining would lose them. Delete or move them, then run pulumi up again. Nothing was changed." >&2
    exit 1
  fi
  kubectl cordon "$NODE_NAME" >/dev/null
  kubectl annotate --overwrite node "$NODE_NAME" "${CORDON_MARK}=${TARGET_VERSION}" >/dev/null
  while :; do
    left=()
    while IFS='|' read -r ns name kind mirror; do
      if [ -z "$name" ] || [ "$kind" = DaemonSet ] || [ -n "$mirror" ]; then continue; fi
      left+=("${ns}/${name}")
      # 429 while a PodDisruptionBudget allows no disruption: tried again on the next round.
      kubectl create --raw "/api/v1/namespaces/${ns}/pods/${name}/eviction" -f - >/dev/null 2>&1 <<<"{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"${name}\",\"namespace\":\"${ns}\"}}" || true
    done <<<"$pods"
    [ "${#left[@]}" -gt 0 ] || return 0
    # Rounds 5 s apart, and the clock: whichever ends first (evictions that hang take time too).
    round=$((round + 1))
    if [ "$round" -ge $((DRAIN_TIMEOUT_SECONDS / 5)) ] || [ "$SECONDS" -ge "$deadline" ]; then
      echo "kubeadm-ha: draining ${NODE_NAME} for the upgrade to ${TARGET_VERSION} timed out after ${DRAIN_TIMEOUT_SECONDS} s; still there: ${left[*]}. ${NODE_NAME} stays cordoned and nothing of the upgrade ran on it. Let those pods go (a PodDisruptionBudget that allows no disruption, a pod that does not stop), then run pulumi up again." >&2
      exit 1
    fi
    sleep 5
    pods=$(list_pods)
  done
}

# list_pods: `namespace|name|controller kind|mirror annotation` of each pod bound to this node.
list_pods() {
  kubectl get pods -A --field-selector "spec.nodeName=${NODE_NAME}" \
    -o jsonpath='{range .items[*]}{.metadata.namespace}{"|"}{.metadata.name}{"|"}{.metadata.ownerReferences[?(@.controller==true)].kind}{"|"}{.metadata.annotations.kubernetes\.io/config\.mirror}{"\n"}{end}'
}

# finish_kubelet: kubelet and kubectl of TARGET_VERSION, held; kubelet restarted; the version the
# node reports checked (bounded) before it is uncordoned, so the next node starts after a good one.
finish_kubelet() {
  local i state=""
  install_held kubelet kubectl
  systemctl daemon-reload
  systemctl restart kubelet
  for ((i = 1; i <= READY_ATTEMPTS; i++)); do
    state=$(node_state)
    [ "$state" = "${TARGET_VERSION} True" ] && break
    sleep 5
  done
  if [ "$state" != "${TARGET_VERSION} True" ]; then
    echo "kubeadm-ha: ${NODE_NAME} reports '${state}' (kubelet version, Ready) after the upgrade, not '${TARGET_VERSION} True', within $((READY_ATTEMPTS * 5)) s. It stays cordoned; see journalctl -u kubelet, then run pulumi up again." >&2
    exit 1
  fi
  uncordon_if_marked
}

# uncordon_if_marked: uncordons this node if an upgrade cordoned it (CORDON_MARK), and drops the mark.
uncordon_if_marked() {
  local mark
  mark=$(kubectl get node "$NODE_NAME" -o jsonpath="{.metadata.annotations.kubeadm-ha\.io/upgrade-cordoned}" 2>/dev/null || true)
  [ -n "$mark" ] || return 0
  kubectl uncordon "$NODE_NAME" >/dev/null
  kubectl annotate node "$NODE_NAME" "${CORDON_MARK}-" >/dev/null
  echo "upgrade: ${NODE_NAME} uncordoned"
}
