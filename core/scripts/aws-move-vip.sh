#!/usr/bin/env bash
# keepalived on AWS. Run by notify_master / notify_master_rx_lower_pri: moves the VIP (a secondary
# private IP in the LB subnet) to this instance's ENI through the EC2 API with the instance profile
# (allowed on the two LB interfaces only), retrying with back-off and logging each error, then
# checks in the instance metadata that the ENI holds it; with a public API it also keeps the
# Elastic IP associated with the VIP (it follows a reassigned IP, but not one that was released).
# Run with --check by a tracked vrrp_script every few seconds: while this LB holds the VIP (keepalived
# adds it locally only on the MASTER) and its ENI does not, the move runs again, in the background.
set -euo pipefail
: "${VIP:?}"
: "${REGION:?}"
: "${PUBLIC_IP:?}"
: "${ATTEMPTS:?}"
# keepalived runs this with a minimal PATH; a snap-installed AWS CLI lives in /snap/bin.
export PATH="${PATH}:/snap/bin"
imds=http://169.254.169.254/latest
mode=${1:-move}

log() {
  logger -t kubeadm-ha-vip -- "$*" 2>/dev/null || true
  echo "kubeadm-ha-vip: $*" >&2
}

# retry TRIES CMD...: runs CMD until it succeeds, at most TRIES times, waiting 1, 2, 4, 8, 8... s
# between tries and logging each failure with CMD's own error. Prints CMD's output.
retry() {
  local tries=$1 delay=1 i out err
  shift
  err=$(mktemp)
  for ((i = 1; ; i++)); do
    if out=$("$@" 2>"$err"); then
      rm -f "$err"
      printf '%s\n' "$out"
      return 0
    fi
    log "try ${i}/${tries} of ${1} ${2:-} failed: $(tr '\n' ' ' <"$err" | cut -c1-300)"
    if ((i >= tries)); then
      rm -f "$err"
      return 1
    fi
    sleep "$delay"
    delay=$((delay >= 4 ? 8 : delay * 2))
  done
}

# IMDSv2: a session token first, then metadata paths (each call bounded, retried by the caller).
imds_token() { curl -sS -f --max-time "$1" -X PUT "${imds}/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 300"; }
meta() { curl -sS -f --max-time "$1" -H "X-aws-ec2-metadata-token: ${token}" "${imds}/meta-data/$2"; }

# True when IMDS lists the VIP on this ENI (and, with a public API, the Elastic IP maps to it).
eni_holds_vip() {
  local ips
  ips=$(meta "$1" "network/interfaces/macs/${mac}/local-ipv4s") || return 1
  grep -qxF "$VIP" <<<"$ips" || return 1
  [ "$PUBLIC_IP" = none ] || [ "$(meta "$1" "network/interfaces/macs/${mac}/ipv4-associations/${PUBLIC_IP}")" = "$VIP" ]
}

# The tracked check: cheap (IMDS only, 0.8 s per call, within keepalived's 4 s timeout), never fails
# (a failing tracked script would cost this LB priority).
if [ "$mode" = --check ]; then
  local_addresses=$(ip -o -4 addr show) || exit 0
  grep -qF " ${VIP}/" <<<"$local_addresses" || exit 0
  token=$(imds_token 0.8 2>/dev/null) && mac=$(meta 0.8 mac 2>/dev/null) || exit 0
  eni_holds_vip 0.8 2>/dev/null && exit 0
  log "this LB holds ${VIP} but its ENI does not (IMDS): moving it again"
  setsid "$0" move </dev/null >/dev/null 2>&1 &
  exit 0
fi

# One move at a time: notify and the check may overlap.
exec 9<"$0"
flock -w 120 9 || { log "another move of ${VIP} is still running"; exit 1; }
token=$(retry 5 imds_token 2)
mac=$(retry 5 meta 2 mac)
eni=$(retry 5 meta 2 "network/interfaces/macs/${mac}/interface-id")
retry "$ATTEMPTS" aws ec2 assign-private-ip-addresses --region "$REGION" --network-interface-id "$eni" \
  --private-ip-addresses "$VIP" --allow-reassignment >/dev/null || { log "could not assign ${VIP} to ${eni}"; exit 1; }
if [ "$PUBLIC_IP" != none ]; then
  allocation=$(retry "$ATTEMPTS" aws ec2 describe-addresses --region "$REGION" --public-ips "$PUBLIC_IP" \
    --query 'Addresses[0].[AllocationId,NetworkInterfaceId,PrivateIpAddress]' --output text)
  read -r allocation_id on_eni on_ip <<<"$allocation"
  [[ "$allocation_id" == eipalloc-* ]] || { log "no Elastic IP ${PUBLIC_IP} in ${REGION}"; exit 1; }
  if [ "$on_eni" != "$eni" ] || [ "$on_ip" != "$VIP" ]; then
    retry "$ATTEMPTS" aws ec2 associate-address --region "$REGION" --allocation-id "$allocation_id" \
      --network-interface-id "$eni" --private-ip-address "$VIP" --allow-reassociation >/dev/null \
      || { log "could not associate ${PUBLIC_IP} with ${VIP} on ${eni}"; exit 1; }
  fi
fi
# The metadata follows the API within seconds: the move is done when IMDS shows it.
for _ in $(seq 1 30); do
  if eni_holds_vip 2 2>/dev/null; then
    log "VIP ${VIP} is on ${eni}$([ "$PUBLIC_IP" = none ] || echo " with ${PUBLIC_IP}")"
    exit 0
  fi
  sleep 1
done
log "assigned ${VIP} to ${eni}, but the instance metadata does not show it after 30 s"
exit 1
