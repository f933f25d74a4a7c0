#!/usr/bin/env bash
# Shared: is this host a complete member of the cluster, and how a failed init or join is undone
# (inlined by the renderer). Needs lib/secrets.sh and lib/etcd.sh, NODE_NAME, ROLE (controlPlane
# or worker), ETCD_MODE, PEER_URL and API_ATTEMPTS.
#
# kubeadm writes admin.conf in its kubeconfig phase and kubelet.conf in kubelet-start, long before
# it is done, so neither proves a finished init or join: a run marks success at its very end, once
# the API answered, in MEMBER_MARKER. kubeadm reset leaves that folder alone, so the marker counts
# only together with the credentials reset does remove.
MEMBER_MARKER=/etc/kubernetes/kubeadm-ha/member
ADMIN_CONF=/etc/kubernetes/admin.conf
KUBELET_CONF=/etc/kubernetes/kubelet.conf

# credentials_file: what this node talks to the API with: admin.conf on a control plane, kubelet.conf on a worker.
credentials_file() {
  if [ "$ROLE" = controlPlane ]; then echo "$ADMIN_CONF"; else echo "$KUBELET_CONF"; fi
}

# api_answers ATTEMPTS: true once the API, reached through the endpoint with this node's
# credentials, answers (checks 5 s apart). A worker may read only its own Node (node authorizer).
api_answers() {
  local config i
  config=$(credentials_file)
  [ -f "$config" ] || return 1
  for ((i = 1; i <= $1; i++)); do
    if [ "$ROLE" = controlPlane ]; then
      kubectl --kubeconfig "$config" get --raw /readyz >/dev/null 2>&1 && return 0
    else
      kubectl --kubeconfig "$config" get node "$NODE_NAME" >/dev/null 2>&1 && return 0
    fi
    if [ "$i" -lt "$1" ]; then sleep 5; fi
  done
  return 1
}

# registered ATTEMPTS: true once this node's Node exists, asked with its own kubelet credentials.
registered() {
  local i
  for ((i = 1; i <= $1; i++)); do
    kubectl --kubeconfig "$KUBELET_CONF" get node "$NODE_NAME" >/dev/null 2>&1 && return 0
    if [ "$i" -lt "$1" ]; then sleep 5; fi
  done
  return 1
}

# has_kubeadm_state: something kubeadm init or join writes is on this host (the external-etcd
# client files a user places under /etc/kubernetes/pki before init do not count).
has_kubeadm_state() {
  [ -e "$ADMIN_CONF" ] || [ -e "$KUBELET_CONF" ] || [ -e /etc/kubernetes/pki/ca.crt ] ||
    [ -e /var/lib/kubelet/config.yaml ] || [ -d /var/lib/etcd/member ] ||
    compgen -G '/etc/kubernetes/manifests/*.yaml' >/dev/null
}

# member_state: `member` (marked, and the API answers with this node's credentials), `api-down`
# (marked, but the API does not answer), `partial` (kubeadm state without a matching marker: a run
# cut off half way, or a node set up before markers) or `clean`.
member_state() {
  if [ -f "$MEMBER_MARKER" ] && grep -qxF "node=${NODE_NAME} role=${ROLE}" "$MEMBER_MARKER" && [ -f "$(credentials_file)" ]; then
    if api_answers "$API_ATTEMPTS"; then echo member; else echo api-down; fi
  elif has_kubeadm_state; then
    echo partial
  else
    echo clean
  fi
}

# complete_member: the cluster shows what the last phases of a finished init or join of this
# node leave (kubeadm's phase order): a node set up before markers, or whose run was cut off after
# kubeadm finished, is adopted; anything less is not.
complete_member() {
  local config
  config=$(credentials_file)
  api_answers 1 || return 1
  if [ "$ROLE" = controlPlane ]; then
    # mark-control-plane ends a control-plane join; init ends with its addons (CoreDNS, then kube-proxy).
    kubectl --kubeconfig "$config" get nodes -l node-role.kubernetes.io/control-plane -o name 2>/dev/null | grep -qxF "node/${NODE_NAME}" &&
      kubectl --kubeconfig "$config" -n kube-system get configmap kubeadm-config >/dev/null 2>&1 &&
      kubectl --kubeconfig "$config" -n kube-system get deployment coredns >/dev/null 2>&1 &&
      kubectl --kubeconfig "$config" -n kube-system get daemonset kube-proxy >/dev/null 2>&1
  else
    # A worker's join ends with its kubelet's TLS bootstrap, which registers the Node.
    kubectl --kubeconfig "$config" get node "$NODE_NAME" >/dev/null 2>&1
  fi
}

# mark_member: the last thing a successful run does.
mark_member() {
  printf 'node=%s role=%s\nsince=%s\n' "$NODE_NAME" "$ROLE" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$MEMBER_MARKER"
}

# refuse_api_down: marked as a member, but the API does not answer: nothing is touched.
refuse_api_down() {
  echo "kubeadm-ha: ${NODE_NAME} is a ${ROLE} of the cluster, but the API does not answer through $(credentials_file) after ${API_ATTEMPTS} checks; nothing was changed." >&2
  echo "kubeadm-ha: check the load balancers and the control planes, then run pulumi up again." >&2
  exit 1
}

# refuse_partial WHAT: kubeadm state without a matching marker that the cluster does not confirm:
# never reset here (it may be serving), never run kubeadm over it.
refuse_partial() {
  echo "kubeadm-ha: ${NODE_NAME} has kubeadm state (/etc/kubernetes) but no success marker for a ${ROLE}, and the cluster does not show it as a complete ${ROLE}; refusing to $1 over it." >&2
  if [ -f "$MEMBER_MARKER" ]; then echo "kubeadm-ha: its marker says: $(head -n 1 "$MEMBER_MARKER") (a node cannot change its role in place: remove it, then add it again)" >&2; fi
  echo "kubeadm-ha: a run cut off half way leaves this. If ${NODE_NAME} serves no cluster, wipe it ('sudo kubeadm reset -f' on it) and run pulumi up again." >&2
  exit 1
}

# undo_failed_run init|join: kubeadm reset (logged) after a failed run, so the next one starts
# clean. External-etcd client files a user placed survive it; a joining control plane's etcd
# member is removed through another member if reset left it behind (reset only warns then:
# removeetcdmember.go).
undo_failed_run() {
  local keep saved="" f
  echo "kubeadm-ha: undoing the failed $1 on ${NODE_NAME}: kubeadm reset -f (log: /var/log/kubeadm-ha/kubeadm-reset.log)" >&2
  keep=$(mktemp -d /etc/kubernetes/kubeadm-ha/keep.XXXXXX)
  SECRET_FILES+=("$keep")
  if [ "$ETCD_MODE" = external ]; then
    for f in pki/etcd/ca.crt pki/apiserver-etcd-client.crt pki/apiserver-etcd-client.key; do
      if [ -f "/etc/kubernetes/$f" ]; then install -D -m 0600 "/etc/kubernetes/$f" "$keep/$f"; fi
    done
  fi
  if [ "$1" = join ] && [ "$ROLE" = controlPlane ] && [ -f "$ADMIN_CONF" ]; then
    saved="$keep/admin.conf"
    cp "$ADMIN_CONF" "$saved"
  fi
  kubeadm reset -f >>/var/log/kubeadm-ha/kubeadm-reset.log 2>&1 || echo "kubeadm-ha: kubeadm reset failed as well; see its log" >&2
  rm -f "$MEMBER_MARKER"
  if [ -d "$keep/pki" ]; then
    (cd "$keep" && find pki -type f) | while IFS= read -r f; do install -D -m 0600 "$keep/$f" "/etc/kubernetes/$f"; done
  fi
  if [ -n "$saved" ] && [ "$ETCD_MODE" = stacked ]; then
    KUBECONFIG=$saved etcd_remove_member "$PEER_URL" "etcd-${NODE_NAME}" ||
      echo "kubeadm-ha: WARNING could not make sure the etcd member ${PEER_URL} is gone; check 'etcdctl member list' on a control plane" >&2
  fi
}
