#!/usr/bin/env bash
# Last, on the admin host: every expected node is registered and, when this stack manages the
# CNI, Ready; etcd has every expected member, started, and enough healthy members for quorum.
# Checked from any etcd member that answers (stacked), or at each endpoint with the api-server's
# etcd client certificate (external). Prints one JSON object (the `clusterHealth` output) and
# fails when the cluster is not healthy within the bounded wait. With `cni: none` nodes stay
# NotReady until you install a CNI: reported (cniManaged false), not failed, as kubespray does.
# Also reports this host's earliest certificate expiry (`kubeadm certs check-expiration`; null when
# it cannot be read): the timers renew below 30 days (README: Certificates and etcd snapshots).
# stdin-data: the expected node names, one a line
set -euo pipefail
: "${ETCD_MODE:?}"
: "${ETCD_EXPECTED:?}"
: "${ETCD_QUORUM:?}"
: "${CNI_MANAGED:?}"
: "${ATTEMPTS:?}"
# @include lib/etcd.sh
# @include lib/cert-expiry.sh
export KUBECONFIG=/etc/kubernetes/admin.conf

mapfile -t expected < <(grep -v '^[[:space:]]*$' || true)
if [ "${#expected[@]}" -eq 0 ]; then
  echo "kubeadm-ha: no expected node names on stdin" >&2
  exit 1
fi
read -r -a etcd_expected <<<"$ETCD_EXPECTED"

# node_report: `name ready|notready|absent` for each expected node (one awk pass, any count).
node_report() {
  local states
  states=$(kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}') || states=""
  awk 'NR == FNR { seen[$1] = $2; next } { print $1, ($1 in seen ? (seen[$1] == "True" ? "ready" : "notready") : "absent") }' \
    <(printf '%s\n' "$states") <(printf '%s\n' "${expected[@]}")
}
for ((i = 1; i <= ATTEMPTS; i++)); do
  report=$(node_report)
  waiting=$(awk -v cni="$CNI_MANAGED" '$2 == "absent" || (cni == "true" && $2 != "ready")' <<<"$report" | wc -l)
  if [ "$waiting" -eq 0 ]; then break; fi
  sleep 5
done
absent=$(awk '$2 == "absent" { print $1 }' <<<"$report")
all_ready=true
if grep -qv ' ready$' <<<"$report"; then all_ready=false; fi

members=0
healthy=0
missing=()
unexpected=()
endpoints=()
# etcd_check: fills members, healthy, missing and unexpected; true when nothing is missing and
# the healthy members reach the quorum.
etcd_check() {
  local pod lines clients url line ep
  members=0 healthy=0 missing=() unexpected=() endpoints=()
  if [ "$ETCD_MODE" = stacked ]; then
    pod=$(etcd_pick_pod) || { missing=("${etcd_expected[@]}"); return 1; }
    lines=$(etcd_members "$pod") || lines=""
    clients=$(etcd_healthy_clients "$pod")
    members=$(awk -F'|' '$2 == "started"' <<<"$lines" | wc -l)
    healthy=$(grep -c . <<<"$clients" || true)
    for url in "${etcd_expected[@]}"; do
      line=$(etcd_member_with_peer "$url" "$lines")
      if [ -z "$line" ] || ! grep -q '^[^|]*|started|' <<<"$line"; then missing+=("$url"); fi
    done
    while IFS='|' read -r _ _ name peers _; do
      [ -n "$peers" ] || continue
      local known=false
      for url in "${etcd_expected[@]}"; do [[ ",${peers}," == *",${url},"* ]] && known=true; done
      if [ "$known" = false ]; then unexpected+=("${name:-unstarted} ${peers}"); fi
    done <<<"$lines"
  else
    # The api-server's own client certificate: what it uses, so what must work.
    local tls=(--cacert /etc/kubernetes/pki/etcd/ca.crt --cert /etc/kubernetes/pki/apiserver-etcd-client.crt
      --key /etc/kubernetes/pki/apiserver-etcd-client.key)
    local listed=""
    for ep in "${etcd_expected[@]}"; do
      # Each endpoint's own answer, for the report (`etcd.endpoints`).
      if curl -sS --max-time 5 "${tls[@]}" "${ep%/}/health" 2>/dev/null | grep -q '"health": *"true"'; then
        endpoints+=("{\"url\":\"${ep%/}\",\"healthy\":true}")
        healthy=$((healthy + 1))
        # The member list, from the first endpoint that answers (etcd's JSON gateway).
        if [ -z "$listed" ]; then
          listed=$(curl -sS --max-time 5 "${tls[@]}" -X POST -d '{}' "${ep%/}/v3/cluster/member/list" 2>/dev/null) || listed=""
        fi
      else
        endpoints+=("{\"url\":\"${ep%/}\",\"healthy\":false}")
      fi
    done
    members=$(grep -o '"peerURLs"' <<<"$listed" | wc -l || true)
    # An endpoint is missing when no member lists it as a client URL (down but listed only lowers health).
    for ep in "${etcd_expected[@]}"; do
      if ! grep -qF "\"${ep%/}\"" <<<"$listed"; then missing+=("$ep"); fi
    done
  fi
  [ "${#missing[@]}" -eq 0 ] && [ "$healthy" -ge "$ETCD_QUORUM" ]
}
# A member that has just joined may take a moment to report healthy: a short bounded wait.
for ((i = 1; i <= 12; i++)); do
  if etcd_check; then break; fi
  sleep 5
done
has_quorum=false
if [ "$healthy" -ge "$ETCD_QUORUM" ]; then has_quorum=true; fi

json_strings() {
  local out="" s
  for s in "$@"; do out+="${out:+,}\"${s}\""; done
  printf '[%s]' "$out"
}
# `{"earliestExpiry":"<RFC 3339>","certificate":"<name>"}`, or null: never a reason to fail verify.
certificates=null
if expiry=$(kubeadm certs check-expiration 2>/dev/null) && earliest=$(earliest_certificate "$expiry"); then
  certificates=$(printf '{"earliestExpiry":"%s","certificate":"%s"}' "$(date -u -d "@${earliest%% *}" +%Y-%m-%dT%H:%M:%SZ)" "${earliest#* }")
fi
node_json=$(awk '{ printf "%s{\"name\":\"%s\",\"ready\":%s}", (NR > 1 ? "," : ""), $1, ($2 == "ready" ? "true" : "false") }' <<<"$report")
endpoint_json=$(IFS=,; echo "${endpoints[*]}")
printf '{"nodes":[%s],"allNodesReady":%s,"cniManaged":%s,"etcd":{"mode":"%s","members":%s,"expectedMembers":%s,"healthyEndpoints":%s,"quorum":%s,"hasQuorum":%s,"missingMembers":%s,"unexpectedMembers":%s,"endpoints":[%s]},"certificates":%s}\n' \
  "$node_json" "$all_ready" "$CNI_MANAGED" "$ETCD_MODE" "$members" "${#etcd_expected[@]}" "$healthy" "$ETCD_QUORUM" "$has_quorum" \
  "$(json_strings "${missing[@]}")" "$(json_strings "${unexpected[@]}")" "$endpoint_json" "$certificates"

failed=()
if [ -n "$absent" ]; then failed+=("not registered: $(tr '\n' ' ' <<<"$absent")"); fi
if [ "$CNI_MANAGED" = true ] && [ "$all_ready" != true ]; then failed+=("not every node is Ready"); fi
if [ "${#missing[@]}" -gt 0 ]; then failed+=("etcd members missing or not started: ${missing[*]}"); fi
if [ "$has_quorum" != true ]; then failed+=("${healthy} healthy etcd members, ${ETCD_QUORUM} needed for quorum"); fi
if [ "$CNI_MANAGED" != true ] && [ "$all_ready" != true ]; then
  echo "kubeadm-ha: cni is none: nodes stay NotReady until you install a pod network; not a failure" >&2
fi
if [ "${#unexpected[@]}" -gt 0 ]; then
  echo "kubeadm-ha: etcd members not in the config: ${unexpected[*]} (a control plane removed in this same update leaves at its end, after this check)" >&2
fi
if [ "${#failed[@]}" -gt 0 ]; then
  printf 'kubeadm-ha: cluster not healthy: %s\n' "${failed[@]}" >&2
  exit 1
fi
