#!/usr/bin/env bash
# Shared helper of the scripts that read certificate expiry (inlined by the renderer).

# earliest_certificate REPORT: prints "EPOCH NAME" of the certificate that expires first in the
# output of `kubeadm certs check-expiration` (its first table; rows "NAME  Mon DD, YYYY HH:MM UTC
# RESIDUAL [CA] EXTERNALLY-MANAGED", stable since kubeadm 1.17, where `-o json` only exists from
# 1.30). Rows kubeadm reports as externally managed (last word "yes") are not its to renew and are
# skipped. Fails when the report has no such row.
earliest_certificate() {
  local line name date best="" epoch
  while IFS= read -r line; do
    [[ "$line" == "CERTIFICATE AUTHORITY"* ]] && break
    [[ "$line" =~ ^([a-z][a-z.-]+)[[:space:]]+([A-Z][a-z]{2}\ [0-9]{2},\ [0-9]{4}\ [0-9]{2}:[0-9]{2}\ [A-Z]+).*[[:space:]]no[[:space:]]*$ ]] || continue
    name=${BASH_REMATCH[1]}
    date=${BASH_REMATCH[2]}
    epoch=$(date -u -d "$date" +%s)
    if [ -z "$best" ] || [ "$epoch" -lt "${best%% *}" ]; then best="$epoch $name"; fi
  done <<<"$1"
  [ -n "$best" ] || return 1
  echo "$best"
}
