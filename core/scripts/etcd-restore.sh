#!/usr/bin/env bash
# etcd disaster recovery after the loss of quorum, for this control plane. Installed as
# /usr/local/sbin/kubeadm-ha-etcd-restore by the etcd-snapshot step and run by hand, never by
# Pulumi. Every member is restored from ONE snapshot, in the order etcd ("Disaster recovery":
# same snapshot, new cluster token, each member's own --name and peer URL) and Kubernetes
# ("Operating etcd clusters": api-servers stopped first, started last) require:
#   1. stop               on every control plane: the api-server, then etcd, leave (static pods held)
#   2. copy ONE snapshot to the same path on every control plane
#   3. restore SNAPSHOT   on every control plane: a new data dir with this member's identity
#   4. start-etcd         on every control plane: etcd has quorum once a majority runs
#   5. start-apiserver    on every control plane: waits for a healthy etcd, then the api-server
# `status` shows what is held and which snapshots this host has.
set -euo pipefail
: "${MEMBER_NAME:?}"
: "${PEER_URL:?}"
: "${INITIAL_CLUSTER:?}"
: "${TOOLS_DIR:?}"
: "${SNAPSHOT_DIR:?}"
: "${DATA_DIR:?}"
: "${MANIFESTS_DIR:?}"
: "${HELD_DIR:?}"
: "${PKI_DIR:?}"
: "${RUNTIME_ENDPOINT:?}"
: "${API_PORT:?}"
umask 077

say() { echo "kubeadm-ha-etcd-restore on ${MEMBER_NAME}: $*"; }
fail() {
  echo "kubeadm-ha-etcd-restore on ${MEMBER_NAME}: $*" >&2
  exit 1
}

# running COMPONENT: prints the id of its running container, if any.
running() { crictl --runtime-endpoint "$RUNTIME_ENDPOINT" ps --name "^$1\$" --state running -q 2>/dev/null || true; }
stopped() { [ -z "$(running "$1")" ]; }
started() { [ -n "$(running "$1")" ]; }

# wait_for WHAT SECONDS COMMAND...: polls COMMAND every 2 s until it succeeds; fails after SECONDS.
wait_for() {
  local what=$1 seconds=$2 i
  shift 2
  for ((i = 0; i < seconds; i += 2)); do
    if "$@"; then return 0; fi
    sleep 2
  done
  fail "timed out after ${seconds} s waiting for ${what}"
}

# hold COMPONENT: moves its static-pod manifest out of the kubelet's folder and waits until its
# container is gone (the kubelet looks every 20 s: fileCheckFrequency). Safe to repeat.
hold() {
  if [ -f "${MANIFESTS_DIR}/$1.yaml" ]; then
    install -d -m 0700 "$HELD_DIR"
    mv -f "${MANIFESTS_DIR}/$1.yaml" "${HELD_DIR}/$1.yaml"
  fi
  [ -f "${HELD_DIR}/$1.yaml" ] || fail "no $1 manifest in ${MANIFESTS_DIR} or ${HELD_DIR}"
  wait_for "$1 to stop" 120 stopped "$1"
  say "$1 stopped (manifest held in ${HELD_DIR})"
}

# release COMPONENT: puts its manifest back and waits until the kubelet runs it again.
release() {
  if [ -f "${HELD_DIR}/$1.yaml" ]; then mv -f "${HELD_DIR}/$1.yaml" "${MANIFESTS_DIR}/$1.yaml"; fi
  [ -f "${MANIFESTS_DIR}/$1.yaml" ] || fail "no $1 manifest in ${HELD_DIR} or ${MANIFESTS_DIR}"
  wait_for "$1 to run" 120 started "$1"
  say "$1 running"
}

# tool: etcdutl where the etcd image had it; otherwise etcdctl, whose snapshot commands 3.5 still has.
tool() {
  if [ -x "${TOOLS_DIR}/etcdutl" ]; then echo "${TOOLS_DIR}/etcdutl"; else echo "${TOOLS_DIR}/etcdctl"; fi
}

etcd_healthy() {
  "${TOOLS_DIR}/etcdctl" --endpoints https://127.0.0.1:2379 --cacert "${PKI_DIR}/ca.crt" \
    --cert "${PKI_DIR}/healthcheck-client.crt" --key "${PKI_DIR}/healthcheck-client.key" \
    --command-timeout 5s endpoint health >/dev/null 2>&1
}

restore() {
  local snapshot=${1:-} status token staging aside extra=()
  [ -n "$snapshot" ] || fail "usage: $0 restore SNAPSHOT (the same file on every control plane)"
  { [ -f "$snapshot" ] && [ -r "$snapshot" ]; } || fail "${snapshot} is not a readable file"
  [ ! -f "${MANIFESTS_DIR}/etcd.yaml" ] || fail "etcd's static pod is still in place: run '$0 stop' on every control plane first"
  [ -z "$(ss -Hltn '( sport = :2379 or sport = :2380 )')" ] || fail "something still listens on port 2379 or 2380: etcd is running here"
  status=$("$(tool)" snapshot status "$snapshot" --write-out json) || fail "${snapshot} does not pass 'snapshot status': not a usable snapshot"
  # One token per snapshot file: every member restored from the same file joins the same new
  # cluster, and no member of the old one (a different token) can join it.
  token="kubeadm-ha-restore-$(sha256sum "$snapshot" | cut -c1-16)"
  # etcd 3.5.10+: revisions jump ahead and are marked compacted, so Kubernetes watch caches
  # start over instead of serving the old revisions (etcd "Restoring with revision bump").
  if "$(tool)" snapshot restore --help 2>&1 | grep -q -- '--mark-compacted'; then extra=(--bump-revision 1000000000 --mark-compacted); fi
  # Staged inside the data dir: often a disk of its own, so the swap below is a rename, not a copy.
  staging="${DATA_DIR}/.restoring"
  install -d -m 0700 "$DATA_DIR"
  rm -rf "$staging" # only ever this script's own, from a run that stopped half way
  "$(tool)" snapshot restore "$snapshot" --name "$MEMBER_NAME" --initial-cluster "$INITIAL_CLUSTER" \
    --initial-cluster-token "$token" --initial-advertise-peer-urls "$PEER_URL" --data-dir "$staging" "${extra[@]}" ||
    fail "snapshot restore of ${snapshot} failed (its messages are above); nothing was changed"
  if [ -e "${DATA_DIR}/member" ]; then
    aside="${DATA_DIR}/.before-restore-$(date -u +%Y%m%dT%H%M%SZ)"
    install -d -m 0700 "$aside"
    mv "${DATA_DIR}/member" "${aside}/member"
    say "the previous member data is kept in ${aside} (etcd ignores it; delete it once the cluster is back)"
  fi
  mv "${staging}/member" "${DATA_DIR}/member"
  rmdir "$staging"
  say "restored ${snapshot} into ${DATA_DIR} as member ${MEMBER_NAME} (${PEER_URL}) of ${INITIAL_CLUSTER},"
  say "  cluster token ${token}, snapshot status ${status}${extra[*]:+, revisions bumped by 1000000000 and compacted}"
  say "next: '$0 start-etcd' once every control plane has run restore with this same file"
}

show_status() {
  local f held=()
  for f in "${HELD_DIR}"/*.yaml; do [ -f "$f" ] && held+=("${f##*/}"); done
  say "held manifests: ${held[*]:-none}"
  say "snapshots here (newest last):"
  for f in "${SNAPSHOT_DIR}"/etcd-snapshot-*.db; do [ -f "$f" ] && echo "  $f $(stat -c %s "$f") bytes"; done
  if etcd_healthy; then say "local etcd member: healthy"; else say "local etcd member: not healthy (or not running)"; fi
}

[ "$(id -u)" = 0 ] || fail "run as root (sudo)"
case "${1:-}" in
stop)
  hold kube-apiserver
  hold etcd
  say "next: copy ONE snapshot to every control plane, then '$0 restore SNAPSHOT' on each"
  ;;
restore) restore "${2:-}" ;;
start-etcd)
  release etcd
  say "next: '$0 start-apiserver' once start-etcd ran on every control plane"
  ;;
start-apiserver)
  wait_for "a healthy etcd (quorum) on 127.0.0.1:2379" 300 etcd_healthy
  release kube-apiserver
  wait_for "the api-server's /readyz" 300 curl -fsk --max-time 5 "https://127.0.0.1:${API_PORT}/readyz" -o /dev/null
  say "the api-server is ready"
  ;;
status) show_status ;;
*)
  echo "usage: $0 stop | restore SNAPSHOT | start-etcd | start-apiserver | status" >&2
  echo "  run each step on every control plane before the next step (README: Certificates and etcd snapshots)" >&2
  exit 2
  ;;
esac
