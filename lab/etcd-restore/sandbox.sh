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

# Every mount below must stay in this process's own namespace: refuse to run in the caller's.
if [ "$(readlink /proc/self/ns/mnt)" = "$(readlink "/proc/$PPID/ns/mnt")" ]; then
  echo "etcd-restore sandbox: not in a private mount namespace; refusing to mount anything" >&2
  exit 2
fi
mount --make-rprivate /

scratch=$root/.sandbox
mkdir -p "$scratch"
mount -t tmpfs -o mode=0700,size=64m kha-er-sandbox "$scratch"
for dir in /etc /var /usr; do
  layer=$scratch/${dir#/}
  mkdir -p "$layer/upper" "$layer/work"
  mount -t overlay "kha-er${dir//\//-}" -o "lowerdir=$dir,upperdir=$layer/upper,workdir=$layer/work" "$dir"
done
for path in etc/kubernetes var/lib/etcd var/lib/kubeadm-ha usr/local/lib/kubeadm-ha; do
  mkdir -p "$root/$path" "/$path"
  mount --bind "$root/$path" "/$path"
done

status=0
env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
  bash "$script" "$@" || status=$?
exit "$status"
