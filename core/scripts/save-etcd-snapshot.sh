#!/usr/bin/env bash
# etcd snapshot (kubeadm-ha-etcd-snapshot.service, run by its timer): saves a snapshot of this
# control plane's etcd member, verifies it, keeps the newest RETENTION and, on AWS with a bucket,
# copies it to S3. Every line it prints goes to the journal. A failed save or verification
# leaves the older snapshots untouched; a half-written file never takes a snapshot's name.
set -euo pipefail
: "${NODE_NAME:?}"
: "${SNAPSHOT_DIR:?}"
: "${TOOLS_DIR:?}"
: "${RETENTION:?}"
: "${S3_URI:?}"
: "${RUNTIME_ENDPOINT:?}"
: "${ETCD_ENDPOINT:?}"
: "${PKI_DIR:?}"
umask 077

# etcdctl/etcdutl come out of the running etcd container (registry.k8s.io/etcd keeps them in
# /usr/local/bin): same version as the server, and still here for a restore when etcd is down.
# Debian 12's etcd-client is 3.4 (REFERENCE.md); the image is distroless, so they are copied
# through the container's root in /proc rather than run with `crictl exec`.
refresh_tools() {
  local id="" pid="" tool
  if command -v crictl >/dev/null 2>&1; then
    id=$(crictl --runtime-endpoint "$RUNTIME_ENDPOINT" ps --name '^etcd$' --state running -q 2>/dev/null | head -n 1) || id=""
  fi
  if [ -n "$id" ]; then
    pid=$(crictl --runtime-endpoint "$RUNTIME_ENDPOINT" inspect --output go-template --template '{{.info.pid}}' "$id")
  fi
  install -d -m 0755 "$TOOLS_DIR"
  for tool in etcdctl etcdutl; do
    local from="/proc/${pid}/root/usr/local/bin/${tool}"
    if [ -n "$pid" ] && [ -x "$from" ] && ! cmp -s "$from" "${TOOLS_DIR}/${tool}"; then
      install -m 0755 "$from" "${TOOLS_DIR}/${tool}.new"
      mv -f "${TOOLS_DIR}/${tool}.new" "${TOOLS_DIR}/${tool}"
      echo "copied ${tool} from the etcd container: $("${TOOLS_DIR}/${tool}" version | head -n 1)"
    fi
  done
  if [ ! -x "${TOOLS_DIR}/etcdctl" ]; then
    echo "kubeadm-ha: no etcdctl in ${TOOLS_DIR} and no running etcd container to copy it from" >&2
    exit 1
  fi
}

# snapshot_status FILE: etcdutl where the image has it; etcdctl's own (deprecated in 3.5) otherwise.
snapshot_status() {
  if [ -x "${TOOLS_DIR}/etcdutl" ]; then
    "${TOOLS_DIR}/etcdutl" snapshot status "$1" --write-out json
  else
    "${TOOLS_DIR}/etcdctl" snapshot status "$1" --write-out json
  fi
}

# json_field NAME JSON: a number field of etcd's one-line JSON status.
json_field() { grep -o "\"$1\":[0-9]*" <<<"$2" | head -n 1 | cut -d: -f2; }

install -d -m 0700 "$SNAPSHOT_DIR"
chmod 0700 "$SNAPSHOT_DIR"
refresh_tools

stamp=$(date -u +%Y%m%dT%H%M%SZ)
name="etcd-snapshot-${NODE_NAME}-${stamp}.db"
partial="${SNAPSHOT_DIR}/.partial-${name}"
# A run killed half way leaves a partial file: it never counts as a snapshot and goes now.
rm -f "${SNAPSHOT_DIR}"/.partial-*
trap 'rm -f "$partial" "${partial}.part"' EXIT

timeout 600 "${TOOLS_DIR}/etcdctl" --endpoints "$ETCD_ENDPOINT" \
  --cacert "${PKI_DIR}/ca.crt" --cert "${PKI_DIR}/healthcheck-client.crt" --key "${PKI_DIR}/healthcheck-client.key" \
  snapshot save "$partial" >/dev/null
if ! status=$(snapshot_status "$partial"); then
  echo "kubeadm-ha: the new snapshot does not pass 'snapshot status'; older snapshots are kept" >&2
  exit 1
fi
revision=$(json_field revision "$status")
keys=$(json_field totalKey "$status")
if [ -z "$revision" ] || [ -z "$keys" ] || [ "$keys" -eq 0 ]; then
  echo "kubeadm-ha: the new snapshot reports revision '${revision}' and ${keys:-no} keys; older snapshots are kept" >&2
  exit 1
fi
chmod 0600 "$partial"
mv -f "$partial" "${SNAPSHOT_DIR}/${name}"
echo "saved ${SNAPSHOT_DIR}/${name}: revision ${revision}, ${keys} keys, $(stat -c %s "${SNAPSHOT_DIR}/${name}") bytes, sha256 $(sha256sum "${SNAPSHOT_DIR}/${name}" | cut -c1-16)"

# Retention: names sort by time (one host, UTC stamps); only verified snapshots carry the name.
shopt -s nullglob
snapshots=("${SNAPSHOT_DIR}"/etcd-snapshot-*.db)
removed=0
for ((i = 0; i + RETENTION < ${#snapshots[@]}; i++)); do
  rm -f "${snapshots[$i]}"
  removed=$((removed + 1))
done
echo "kept $((${#snapshots[@]} - removed)) snapshot(s) in ${SNAPSHOT_DIR} (retention ${RETENTION}), removed ${removed}"

if [ "$S3_URI" != none ]; then
  # The instance role may only put objects under this prefix (no list, no delete): old copies
  # expire by the bucket's lifecycle rules, not from here.
  if ! aws s3 cp --only-show-errors "${SNAPSHOT_DIR}/${name}" "${S3_URI}${name}"; then
    echo "kubeadm-ha: copying ${name} to ${S3_URI} failed; the local snapshot is kept" >&2
    exit 1
  fi
  echo "copied ${name} to ${S3_URI}"
fi
