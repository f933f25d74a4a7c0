#!/usr/bin/env bash
# Once per stack, on the admin host (the first control plane): kubeadm init behind the
# control-plane endpoint, certificates uploaded for joining control planes. Runs again whenever
# its inputs or the admin host change, so it is guarded:
#   - this host is already a member (its success marker, and the API answers): nothing to do;
#   - the endpoint, or another control plane's api-server, already serves a cluster: refused,
#     never a second cluster behind the same endpoint;
#   - otherwise kubeadm init; a failed init is undone (kubeadm reset) so the next run starts clean,
#     and the marker is written only once init finished and the API answered.
# stdin: bootstrapToken certificateKey
set -euo pipefail
: "${INIT_CONFIG:?}"
: "${TOKEN_PLACEHOLDER:?}"
: "${CERT_KEY_PLACEHOLDER:?}"
: "${NODE_NAME:?}"
: "${ROLE:?}"
: "${ETCD_MODE:?}"
: "${PEER_URL:?}"
: "${ENDPOINT:?}"
: "${OTHER_API_SERVERS:?}"
: "${API_ATTEMPTS:?}"
# @include lib/secrets.sh
# @include lib/etcd.sh
# @include lib/member.sh
# @include lib/kubeadm-config.sh

# serves_cluster HOST:PORT: an api-server answers there (any HTTP status: 401 still means one).
serves_cluster() {
  local code
  code=$(curl -sk --max-time 5 -o /dev/null -w '%{http_code}' "https://$1/version" 2>/dev/null) || code=000
  [ "$code" != 000 ]
}

case "$(member_state)" in
member)
  echo "kubeadm init: ${NODE_NAME} is already a member of the cluster; nothing to do"
  exit 0
  ;;
api-down) refuse_api_down ;;
partial)
  if complete_member; then
    mark_member
    echo "kubeadm init: ${NODE_NAME} is a complete control plane (set up before success markers, or its last run was cut off after kubeadm finished); marked"
    exit 0
  fi
  refuse_partial "run kubeadm init"
  ;;
esac

# Three tries at the endpoint (right after the load balancers start, HAProxy may still be
# settling), then each other control plane directly: behind a broken load balancer a cluster
# still answers there, and this host's api-server would join the same backend pool.
targets=("$ENDPOINT" "$ENDPOINT" "$ENDPOINT")
if [ "$OTHER_API_SERVERS" != none ]; then
  read -r -a others <<<"$OTHER_API_SERVERS"
  targets+=("${others[@]}")
fi
for target in "${targets[@]}"; do
  if serves_cluster "$target"; then
    echo "kubeadm-ha: an api-server already answers at https://${target}, and ${NODE_NAME} is not a member: kubeadm init here would create a second cluster behind ${ENDPOINT}. Refusing." >&2
    echo "kubeadm-ha: the first entry of controlPlanes runs the stack's steps and must be a member already: put a control plane that is in the cluster first (new ones go after it)." >&2
    echo "kubeadm-ha: if that cluster is not yours (a reused VIP or address), change vip/apiPort, or take it down first." >&2
    exit 1
  fi
  if [ "$target" = "$ENDPOINT" ]; then sleep 2; fi
done

read_secret BOOTSTRAP_TOKEN '^[a-z0-9]{6}\.[a-z0-9]{16}$'
read_secret CERTIFICATE_KEY '^[a-f0-9]{64}$'
config=$(kubeadm_config "$INIT_CONFIG")
rm -f "$MEMBER_MARKER"
secret_config_file "$config" "$TOKEN_PLACEHOLDER" "$BOOTSTRAP_TOKEN" "$CERT_KEY_PLACEHOLDER" "$CERTIFICATE_KEY"
if ! run_logged /var/log/kubeadm-ha/kubeadm-init.log "$BOOTSTRAP_TOKEN" "$CERTIFICATE_KEY" -- \
  kubeadm init --config "$SECRET_FILE" --upload-certs --skip-token-print --skip-certificate-key-print; then
  undo_failed_run init
  exit 1
fi
if ! api_answers "$API_ATTEMPTS"; then
  # kubeadm finished: nothing is undone; the next run adopts the node once the API answers.
  echo "kubeadm-ha: kubeadm init finished on ${NODE_NAME}, but the API does not answer through ${ADMIN_CONF}; run pulumi up again once ${ENDPOINT} answers" >&2
  exit 1
fi
mark_member
echo "kubeadm init: done on ${NODE_NAME}"
