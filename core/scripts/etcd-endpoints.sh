#!/usr/bin/env bash
# Control plane with etcdHosts, after its join, one control plane at a time: its api-server's
# --etcd-servers and the kubeadm-config ConfigMap (what later joins and upgrades render from)
# name exactly the configured etcd hosts. kubeadm writes both once, at init; an etcd host added or
# removed later would otherwise never reach them, and replacing every member over a few edits
# would leave the api-servers with none. The manifest changes only once a quorum of the new
# endpoints answers healthy with the api-server's own client certificate. Safe to run again.
set -euo pipefail
: "${ENDPOINTS:?}"
: "${API_PORT:?}"
: "${ATTEMPTS:?}"
# @include lib/secrets.sh
export KUBECONFIG=/etc/kubernetes/admin.conf
MANIFEST=/etc/kubernetes/manifests/kube-apiserver.yaml
PKI=/etc/kubernetes/pki
tls=(--cacert "$PKI/etcd/ca.crt" --cert "$PKI/apiserver-etcd-client.crt" --key "$PKI/apiserver-etcd-client.key")

[ -f "$MANIFEST" ] || { echo "kubeadm-ha: $(hostname) has no ${MANIFEST}; is it a control plane?" >&2; exit 1; }
current=$(sed -n 's/^ *- --etcd-servers=//p' "$MANIFEST")
if [ "$current" != "$ENDPOINTS" ]; then
  read -r -a wanted <<<"${ENDPOINTS//,/ }"
  quorum=$((${#wanted[@]} / 2 + 1))
  for ((i = 1; i <= ATTEMPTS; i++)); do
    healthy=0
    for ep in "${wanted[@]}"; do
      if curl -sS --max-time 5 "${tls[@]}" "${ep}/health" 2>/dev/null | grep -q '"health": *"true"'; then healthy=$((healthy + 1)); fi
    done
    [ "$healthy" -ge "$quorum" ] && break
    if [ "$i" -eq "$ATTEMPTS" ]; then
      echo "kubeadm-ha: only ${healthy} of the etcd endpoints ${ENDPOINTS} answer healthy, ${quorum} needed; the api-server keeps ${current}" >&2
      exit 1
    fi
    sleep 5
  done
  # Written beside the manifest folder and moved in whole: the kubelet never reads half a file.
  tmp=$(mktemp /etc/kubernetes/kubeadm-ha/kube-apiserver.XXXXXX)
  SECRET_FILES+=("$tmp")
  sed "s|^\( *- --etcd-servers=\).*|\1${ENDPOINTS}|" "$MANIFEST" >"$tmp"
  chmod 0600 "$tmp"
  mv -f "$tmp" "$MANIFEST"
  echo "api-server on $(hostname): --etcd-servers ${current} -> ${ENDPOINTS}"
  sleep 20 # the kubelet picks the manifest up within its 20 s sync
  for ((i = 1; i <= ATTEMPTS; i++)); do
    curl -fsk --max-time 5 "https://127.0.0.1:${API_PORT}/readyz" -o /dev/null && break
    if [ "$i" -eq "$ATTEMPTS" ]; then echo "kubeadm-ha: the api-server on $(hostname) is not ready after the change" >&2; exit 1; fi
    sleep 5
  done
fi

# The ConfigMap: its endpoints list replaced, uploaded by kubeadm itself (upload-config kubeadm).
cluster_config=$(kubectl -n kube-system get configmap kubeadm-config -o jsonpath='{.data.ClusterConfiguration}')
updated=$(awk -v eps="$ENDPOINTS" '
  /^[^ ]/ { in_etcd = ($0 ~ /^etcd:/) }
  in_etcd && /^ +endpoints:/ { print; n = split(eps, a, ","); pad = $0; sub(/endpoints:.*/, "", pad); for (i = 1; i <= n; i++) print pad "- " a[i]; skip = 1; next }
  skip && /^ +- / { next }
  { skip = 0; print }' <<<"$cluster_config")
if [ "$updated" != "$cluster_config" ]; then
  secret_config_file "$updated"
  run_logged /var/log/kubeadm-ha/etcd-endpoints.log -- kubeadm init phase upload-config kubeadm --config "$SECRET_FILE"
  echo "kubeadm-config ConfigMap: etcd endpoints ${ENDPOINTS}"
fi
