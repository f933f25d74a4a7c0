#!/usr/bin/env bash
# keepalived notify_master / notify_master_rx_lower_pri on AWS: moves the VIP (a secondary private
# IP in the LB subnet) to this instance's ENI through the EC2 API, using the instance profile
# (allowed AssignPrivateIpAddresses on the two LB interfaces only). An Elastic IP associated with
# the VIP moves with it.
set -euo pipefail
: "${VIP:?}"
: "${REGION:?}"
imds=http://169.254.169.254/latest
token=$(curl -sf --max-time 2 -X PUT "${imds}/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 60")
meta() { curl -sf --max-time 2 -H "X-aws-ec2-metadata-token: ${token}" "${imds}/meta-data/$1"; }
mac=$(meta mac)
eni=$(meta "network/interfaces/macs/${mac}/interface-id")
for attempt in 1 2 3 4 5; do
  if aws ec2 assign-private-ip-addresses --region "$REGION" --network-interface-id "$eni" \
    --private-ip-addresses "$VIP" --allow-reassignment >/dev/null; then
    logger -t kubeadm-ha "VIP ${VIP} assigned to ${eni} (attempt ${attempt})"
    exit 0
  fi
  sleep 1
done
logger -t kubeadm-ha "could not assign VIP ${VIP} to ${eni}"
exit 1
