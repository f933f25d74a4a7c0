#!/usr/bin/env bash
# Runs one rendered host script (the snapshot service's or the restore script) the way it runs on
# a control plane, as root with systemd's PATH and an empty environment, inside the member's lab
# namespace and a private mount namespace (the drill starts it with `ip netns exec <ns> unshare
# --mount --propagation private`). /etc, /var and /usr are copy-on-write overlays on a tmpfs, so
# nothing the script writes elsewhere reaches the host; the member's own folders are bound where
# kubeadm keeps them: /etc/kubernetes (its etcd certificates), /var/lib/etcd (the data dir the
# member's etcd runs on), /var/lib/kubeadm-ha (snapshots) and /usr/local/lib/kubeadm-ha (etcdctl).
#
# Usage: sandbox.sh MEMBER_ROOT SCRIPT [ARG...]; exits with the script's status.
set -euo pipefail
umask 077
root=$1 script=$2
shift 2

# shellcheck source=lab/lib/sandbox-mounts.sh
. "${BASH_SOURCE[0]%/*}/../lib/sandbox-mounts.sh"
sandbox_mounts "etcd-restore sandbox" "$root/.sandbox" kha-er
for path in etc/kubernetes var/lib/etcd var/lib/kubeadm-ha usr/local/lib/kubeadm-ha; do
  mkdir -p "$root/$path" "/$path"
  mount --bind "$root/$path" "/$path"
done

status=0
"${SANDBOX_ENV[@]}" bash "$script" "$@" || status=$?
exit "$status"
