#!/usr/bin/env bash
# Joins this host through the control-plane endpoint, as a control plane or a worker, then waits
# until its Node is registered (asked with its own kubelet credentials). Runs again whenever its
# inputs change, so it is guarded:
#   - already a member (its success marker, and the API answers with its credentials): nothing to do;
#   - kubeadm state without the marker: adopted if the cluster shows a finished join, else refused;
#   - otherwise kubeadm join; a failed join is undone (kubeadm reset) so the next run starts clean,
#     and the marker is written only at the very end.
# Join material that went stale (a join retried hours later) is reported with the exact
# `pulumi up --replace` that refreshes it: the token lasts 24 h, the uploaded certificates 2 h.
# stdin: bootstrapToken caCertHash [certificateKey]
set -euo pipefail
: "${JOIN_CONFIG:?}"
: "${ROLE:?}"
: "${NODE_NAME:?}"
: "${ETCD_MODE:?}"
: "${PEER_URL:?}"
: "${ENDPOINT:?}"
: "${TOKEN_PLACEHOLDER:?}"
: "${CA_HASH_PLACEHOLDER:?}"
: "${CERT_KEY_PLACEHOLDER:?}"
: "${TOKEN_URN:?}"
: "${MATERIAL_URN:?}"
: "${API_ATTEMPTS:?}"
: "${JOIN_ATTEMPTS:?}"
# @include lib/secrets.sh
# @include lib/etcd.sh
# @include lib/member.sh
# @include lib/kubeadm-config.sh
JOIN_LOG=/var/log/kubeadm-ha/kubeadm-join.log

case "$(member_state)" in
member)
  echo "kubeadm join: ${NODE_NAME} is already a ${ROLE}; nothing to do"
  exit 0
  ;;
api-down) refuse_api_down ;;
partial)
  if complete_member; then
    mark_member
    echo "kubeadm join: ${NODE_NAME} is a complete ${ROLE} (set up before success markers, or its last run was cut off after kubeadm finished); marked"
    exit 0
  fi
  refuse_partial "join"
  ;;
esac

read_secret BOOTSTRAP_TOKEN '^[a-z0-9]{6}\.[a-z0-9]{16}$'
read_secret CA_CERT_HASH '^sha256:[a-f0-9]{64}$'
CERTIFICATE_KEY=""
if [ "$ROLE" = controlPlane ]; then read_secret CERTIFICATE_KEY '^[a-f0-9]{64}$'; fi

refresh_hint() {
  echo "kubeadm-ha: refresh it and join again: pulumi up --replace '$1'" >&2
}

# An expired token fails kubeadm's discovery only after its 5-minute timeout; cluster-info (public)
# carries a signature per valid token id (bootstrap signer), so the answer is known at once.
token_id=${BOOTSTRAP_TOKEN%%.*}
if info=$(curl -sk --max-time 10 "https://${ENDPOINT}/api/v1/namespaces/kube-public/configmaps/cluster-info" 2>/dev/null) &&
  grep -q '"kubeconfig"' <<<"$info" && ! grep -q "\"jws-kubeconfig-${token_id}\"" <<<"$info"; then
  echo "kubeadm-ha: the bootstrap token is not valid in the cluster any more (it lasts 24 h after the join-token step ran); nothing was changed on ${NODE_NAME}." >&2
  refresh_hint "$TOKEN_URN"
  exit 1
fi

config=$(kubeadm_config "$JOIN_CONFIG")
rm -f "$MEMBER_MARKER"
secret_config_file "$config" "$TOKEN_PLACEHOLDER" "$BOOTSTRAP_TOKEN" "$CA_HASH_PLACEHOLDER" "$CA_CERT_HASH" \
  "$CERT_KEY_PLACEHOLDER" "$CERTIFICATE_KEY"
for ((attempt = 1; ; attempt++)); do
  start=0
  if [ -f "$JOIN_LOG" ]; then start=$(wc -l <"$JOIN_LOG"); fi
  if run_logged "$JOIN_LOG" "$BOOTSTRAP_TOKEN" "$CERTIFICATE_KEY" -- kubeadm join --config "$SECRET_FILE"; then break; fi
  failure=$(tail -n +"$((start + 1))" "$JOIN_LOG")
  undo_failed_run join
  # kubeadm refuses while a Ready Node of this name exists (kubelet-start): this host's previous
  # self, reset moments ago, turns NotReady within the node monitor's grace period (40-50 s).
  if grep -q 'already exists in the cluster' <<<"$failure" && [ "$attempt" -lt "$JOIN_ATTEMPTS" ]; then
    echo "kubeadm-ha: a Ready Node ${NODE_NAME} still exists (attempt ${attempt} of ${JOIN_ATTEMPTS}); trying again in 20 s" >&2
    sleep 20
    continue
  fi
  if grep -q 'invalid for this cluster or it has expired' <<<"$failure"; then
    echo "kubeadm-ha: the bootstrap token has expired (it lasts 24 h after the join-token step ran)." >&2
    refresh_hint "$TOKEN_URN"
  elif grep -q 'kubeadm-certs' <<<"$failure"; then
    echo "kubeadm-ha: the control-plane certificates uploaded for ${NODE_NAME} are gone (kubeadm deletes them 2 h after its join-material step ran)." >&2
    refresh_hint "$MATERIAL_URN"
  fi
  exit 1
done

if ! registered "$API_ATTEMPTS"; then
  # kubeadm finished: nothing is undone; the next run adopts the node once it is registered.
  echo "kubeadm-ha: kubeadm join finished on ${NODE_NAME}, but its Node is not registered after ${API_ATTEMPTS} checks; see ${JOIN_LOG} and 'journalctl -u kubelet' on it" >&2
  exit 1
fi
if [ "$ROLE" = controlPlane ] && ! api_answers "$API_ATTEMPTS"; then
  echo "kubeadm-ha: ${NODE_NAME} joined, but the API does not answer through ${ADMIN_CONF}; run pulumi up again once ${ENDPOINT} answers" >&2
  exit 1
fi
mark_member
echo "kubeadm join: ${NODE_NAME} joined as ${ROLE}"
