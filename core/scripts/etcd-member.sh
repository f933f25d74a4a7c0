#!/usr/bin/env bash
# One dedicated etcd host (etcdHosts), after kubeadm's "Set up a High Availability etcd Cluster
# with kubeadm": the etcd CA from stdin, the kubelet as etcd's service manager, this member's
# certificates (`kubeadm init phase certs etcd-server|etcd-peer|etcd-healthcheck-client`) and its
# static pod (`kubeadm init phase etcd local`). While no other member answers healthy the first
# members form the cluster (`new`, every configured member); once one does, this host joins it
# (`member add`, then `existing`), only when the healthy members reach the quorum of the grown
# cluster and no earlier member is still unstarted. The member steps run one at a time. A host
# that already holds etcd data is left as it is. Safe to run again.
# stdin: etcdCa
set -euo pipefail
: "${NODE_NAME:?}"
: "${PEER_URL:?}"
: "${OWN_CLIENT_URL:?}"
: "${CLIENT_URLS:?}"
: "${CONFIG_MEMBERS:?}"
: "${KUBEADM_CONFIG:?}"
: "${STATE_PLACEHOLDER:?}"
: "${CLUSTER_PLACEHOLDER:?}"
: "${KUBELET_CONFIG:?}"
: "${KUBELET_CONFIG_PATH:?}"
: "${KUBELET_DROPIN:?}"
: "${KUBELET_DROPIN_PATH:?}"
: "${ATTEMPTS:?}"
# @include lib/secrets.sh
# @include lib/etcd-hosts.sh
# @include lib/timer-units.sh
# @include lib/kubeadm-config.sh
MANIFEST=/etc/kubernetes/manifests/etcd.yaml
MARKER=/etc/kubernetes/kubeadm-ha/etcd-member
LOG=/var/log/kubeadm-ha/etcd-member.log

refuse() {
  echo "kubeadm-ha: etcd member ${NODE_NAME}: $*; nothing was changed." >&2
  exit 1
}

read_secret ETCD_CA '^[A-Za-z0-9+/]+=*$'

# The CA: installed once, 0600; a host that trusts another etcd CA belongs to another etcd.
unpacked=$(mktemp -d /etc/kubernetes/kubeadm-ha/ca.XXXXXX)
SECRET_FILES+=("$unpacked")
base64 -d <<<"$ETCD_CA" | tar -xz -C "$unpacked" --no-same-owner etcd/ca.crt etcd/ca.key
install -d -m 0700 "$ETCD_PKI"
for f in ca.crt ca.key; do
  if [ -f "$ETCD_PKI/$f" ] && ! cmp -s "$ETCD_PKI/$f" "$unpacked/etcd/$f"; then
    refuse "$ETCD_PKI/$f differs from the stack's etcd CA (this host belongs to another etcd); wipe it first"
  fi
  [ -f "$ETCD_PKI/$f" ] || install -m 0600 "$unpacked/etcd/$f" "$ETCD_PKI/$f"
done

# The kubelet runs only etcd's static pod (the guide's drop-in; its config kept outside kubelet.service.d).
restart_kubelet=0
# install_file prints a line only when it changed the file (run in $(...) here: only the output counts).
if [ -n "$(install_file "$KUBELET_CONFIG" "$KUBELET_CONFIG_PATH" 0644)" ]; then restart_kubelet=1; fi
install_file "$KUBELET_DROPIN" "$KUBELET_DROPIN_PATH" 0644
if [ "$UNITS_CHANGED" -gt 0 ]; then
  systemctl daemon-reload
  restart_kubelet=1
fi
systemctl enable --quiet kubelet
if [ "$restart_kubelet" = 1 ] || ! systemctl is-active --quiet kubelet; then systemctl restart kubelet; fi

# The config for the kubeadm installed here (its version; v1beta3 below 1.31, etcd's extraArgs
# list back to a map there too, as lib/kubeadm-config.sh does for kubeletExtraArgs).
config=$(kubeadm_config "$KUBEADM_CONFIG")
if grep -qx 'apiVersion: kubeadm.k8s.io/v1beta3' <<<"$config"; then
  config=$(awk '
    function indent(s) { match(s, /^ */); return RLENGTH }
    inside && $0 !~ /^ *$/ && indent($0) <= at { inside = 0 }
    inside && /^ *- name: / { sub(/^ *- name: /, ""); name = $0; next }
    inside && /^ *value: / { sub(/^ *value: /, ""); printf "%" (at + 2) "s%s: %s\n", "", name, $0; next }
    /^ *extraArgs:$/ { inside = 1; at = indent($0) }
    { print }
  ' <<<"$config")
fi

# Certificates of this member (kubeadm keeps valid ones): they do not depend on the cluster state.
secret_config_file "$config" "$STATE_PLACEHOLDER" new "$CLUSTER_PLACEHOLDER" "$CONFIG_MEMBERS"
for cert in etcd-server etcd-peer etcd-healthcheck-client; do
  run_logged "$LOG" -- kubeadm init phase certs "$cert" --config "$SECRET_FILE"
done

if [ -d /var/lib/etcd/member ]; then
  [ -f "$MANIFEST" ] || refuse "/var/lib/etcd holds etcd data but $MANIFEST is missing (a member stopped by hand, or a restore half done); put the manifest back or wipe the data"
  echo "etcd: ${NODE_NAME} already holds etcd data; its member is kept"
  wait_healthy "$OWN_CLIENT_URL" "$ATTEMPTS" || refuse "its member at ${OWN_CLIENT_URL} is not healthy after ${ATTEMPTS} checks"
  touch "$MARKER"
  exit 0
fi

# initial_cluster LINES: `name=peerURL,...` of the members in LINES, named as the config names them.
initial_cluster() {
  local out="" id name peer pair
  while IFS='|' read -r id name peer _; do
    [ -n "$peer" ] || continue
    for pair in ${CONFIG_MEMBERS//,/ }; do
      if [ "${pair#*=}" = "$peer" ]; then name=${pair%%=*}; fi
    done
    out+="${out:+,}${name:-member-${id}}=${peer}"
  done <<<"$1"
  echo "$out"
}

if peer=$(healthy_member "$OWN_CLIENT_URL"); then
  lines=$(member_lines "$peer")
  if [ -z "$(awk -F'|' -v u="$PEER_URL" '$3 == u' <<<"$lines")" ]; then
    unstarted=$(awk -F'|' '$2 == "" { print $3 }' <<<"$lines" | tr '\n' ' ')
    [ -z "$unstarted" ] || refuse "etcd lists a member that never started (${unstarted% }); start or remove it before adding another"
    total=$(grep -c . <<<"$lines" || true)
    healthy=$(healthy_count "$lines")
    quorum=$(((total + 1) / 2 + 1))
    if [ "$healthy" -lt "$quorum" ]; then
      refuse "adding it makes $((total + 1)) members with a quorum of ${quorum}, but only ${healthy} of the ${total} members answer healthy; bring them back first"
    fi
    etcd_curl "${peer%/}/v3/cluster/member/add" -X POST -d "{\"peerURLs\":[\"${PEER_URL}\"]}" >/dev/null
    echo "etcd: added member ${NODE_NAME} (${PEER_URL}) through ${peer}: $((total + 1)) members, quorum ${quorum}"
    lines=$(member_lines "$peer")
  fi
  state=existing
  initial=$(initial_cluster "$lines")
else
  state=new
  initial=$CONFIG_MEMBERS
fi
secret_config_file "$config" "$STATE_PLACEHOLDER" "$state" "$CLUSTER_PLACEHOLDER" "$initial"
run_logged "$LOG" -- kubeadm init phase etcd local --config "$SECRET_FILE"
echo "etcd: ${NODE_NAME} starts as a ${state} member of ${initial}"

# A joining member must catch up and answer healthy; a founding one only needs to serve TLS, as the
# others are started after it (etcd-client-cert waits for the quorum).
for ((i = 1; i <= ATTEMPTS; i++)); do
  if [ "$state" = existing ]; then
    member_healthy "$OWN_CLIENT_URL" && break
  elif etcd_curl "${OWN_CLIENT_URL%/}/health" >/dev/null 2>&1; then
    break
  fi
  if [ "$i" -eq "$ATTEMPTS" ]; then refuse "its member at ${OWN_CLIENT_URL} does not answer after ${ATTEMPTS} checks (log: ${LOG}, 'crictl ps -a --name etcd')"; fi
  sleep 5
done
touch "$MARKER"
