#!/usr/bin/env bash
# Certificate renewal (kubeadm-ha-cert-renewal.service, daily at this control plane's own hour):
# reads `kubeadm certs check-expiration`; when the earliest certificate kubeadm manages here has
# fewer than RENEW_BEFORE_DAYS left, runs `kubeadm certs renew all` and restarts the static pods
# one at a time, each back and healthy before the next ("Certificate Management with kubeadm":
# renew does not restart anything; move a manifest out of /etc/kubernetes/manifests and back).
# Every line it prints goes to the journal. `--check` only reports (the install step runs that).
set -euo pipefail
: "${NODE_NAME:?}"
: "${RENEW_BEFORE_DAYS:?}"
: "${URGENT_DAYS:?}"
: "${PEER_ADDRESSES:?}"
: "${API_PORT:?}"
: "${STACKED_ETCD:?}"
: "${KUBECONFIG_URN:?}"
: "${MANIFESTS_DIR:?}"
: "${HELD_DIR:?}"
: "${RUNTIME_ENDPOINT:?}"
umask 077

# @include lib/cert-expiry.sh

# put_back: manifests a run moved out of the kubelet's folder go back; first of all (a run killed
# half way, even with nothing to renew now) and on every exit.
put_back() {
  local held
  for held in "$HELD_DIR"/*.yaml; do
    [ -f "$held" ] || continue
    mv -f "$held" "${MANIFESTS_DIR}/${held##*/}"
    echo "put ${held##*/} back into ${MANIFESTS_DIR}"
  done
}
install -d -m 0700 "$HELD_DIR"
put_back
trap put_back EXIT
# systemd stops a run that outlives TimeoutStartSec with SIGTERM: exit through the trap.
trap 'exit 143' TERM INT

report=$(kubeadm certs check-expiration 2>&1) || {
  printf '%s\n' "$report" >&2
  echo "kubeadm-ha: kubeadm certs check-expiration failed on ${NODE_NAME}" >&2
  exit 1
}
printf '%s\n' "$report"
first=$(earliest_certificate "$report") || {
  echo "kubeadm-ha: found no certificate expiry in the output of kubeadm certs check-expiration" >&2
  exit 1
}
days=$(((${first%% *} - $(date -u +%s)) / 86400))
expires=$(date -u -d "@${first%% *}" +%Y-%m-%dT%H:%M:%SZ)
echo "earliest certificate on ${NODE_NAME}: ${first#* } expires ${expires} (${days} days left; renewal below ${RENEW_BEFORE_DAYS})"
if [ "${1:-}" = --check ] || [ "$days" -ge "$RENEW_BEFORE_DAYS" ]; then exit 0; fi

# Timers are an hour apart per control plane; after an outage (Persistent=true) several may fire
# at once. A renewal restarts this api-server (and etcd), so it waits for every other one to be
# ready, unless fewer than URGENT_DAYS are left.
if [ "$PEER_ADDRESSES" != none ]; then
  for peer in $PEER_ADDRESSES; do
    if ! curl -fsk --max-time 5 "https://${peer}:${API_PORT}/readyz" -o /dev/null; then
      if [ "$days" -gt "$URGENT_DAYS" ]; then
        echo "deferring the renewal: the api-server on ${peer} is not ready; trying again at the next run"
        exit 0
      fi
      echo "the api-server on ${peer} is not ready, but only ${days} days are left: renewing anyway"
    fi
  done
fi

running() { crictl --runtime-endpoint "$RUNTIME_ENDPOINT" ps --name "^$1\$" --state running -q 2>/dev/null || true; }
# wait_until SECONDS COMMAND...: polls every 2 s; fails after SECONDS.
wait_until() {
  local seconds=$1 i
  shift
  for ((i = 0; i < seconds; i += 2)); do
    if "$@"; then return 0; fi
    sleep 2
  done
  return 1
}
stopped() { [ -z "$(running "$1")" ]; }
healthy() {
  case "$1" in
  etcd) curl -fs --max-time 5 http://127.0.0.1:2381/health -o /dev/null ;;
  kube-apiserver) curl -fsk --max-time 5 "https://127.0.0.1:${API_PORT}/readyz" -o /dev/null ;;
  *) [ -n "$(running "$1")" ] ;;
  esac
}
kubeadm certs renew all
components=(kube-apiserver kube-controller-manager kube-scheduler)
if [ "$STACKED_ETCD" = true ]; then components=(etcd "${components[@]}"); fi
for c in "${components[@]}"; do
  [ -f "${MANIFESTS_DIR}/${c}.yaml" ] || continue
  mv -f "${MANIFESTS_DIR}/${c}.yaml" "${HELD_DIR}/${c}.yaml"
  # The kubelet rereads its manifest folder every 20 s (fileCheckFrequency).
  wait_until 120 stopped "$c" || echo "kubeadm-ha: WARNING ${c} still runs 120 s after its manifest left" >&2
  mv -f "${HELD_DIR}/${c}.yaml" "${MANIFESTS_DIR}/${c}.yaml"
  if ! wait_until 300 healthy "$c"; then
    echo "kubeadm-ha: ${c} is not healthy 300 s after its restart on ${NODE_NAME}; stopping here" >&2
    exit 1
  fi
  echo "restarted ${c} with the renewed certificates"
done

first=$(earliest_certificate "$(kubeadm certs check-expiration 2>&1)")
echo "renewed on ${NODE_NAME}: the earliest certificate (${first#* }) now expires $(date -u -d "@${first%% *}" +%Y-%m-%dT%H:%M:%SZ)"
# On the admin host, admin.conf is what the `kubeconfig` stack output was read from, once, by the
# step KUBECONFIG_URN names; a renewal does not reach the output by itself.
if [ "$KUBECONFIG_URN" != none ]; then
  old=$(grep -E '^admin\.conf ' <<<"$report" | grep -oE '[A-Z][a-z]{2} [0-9]{2}, [0-9]{4} [0-9]{2}:[0-9]{2} [A-Z]+' | head -n 1) || old="its old expiry"
  echo "admin.conf was renewed: the kubeconfig stack output keeps the old client certificate, valid until ${old};"
  echo "refresh it with: pulumi up --replace '${KUBECONFIG_URN}'"
fi
