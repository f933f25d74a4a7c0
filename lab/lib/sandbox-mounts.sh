# shellcheck shell=bash
# Sourced by the lab's sandboxes (lab/lib/step-sandbox.sh, lab/etcd-restore/sandbox.sh), which run
# in their own mount namespace (`ip netns exec <lab ns> unshare --mount --propagation private`).

# What production gives a script: root, a reset environment with sudo's secure_path (and systemd's PATH).
# shellcheck disable=SC2034 # used by the scripts that source this file
SANDBOX_ENV=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8)

# sandbox_mounts LABEL SCRATCH NAME: refuses (exit 2, LABEL in the message) unless this process has a
# mount namespace of its own; then mounts a tmpfs (NAME-sandbox) at SCRATCH and /etc, /var and /usr
# as copy-on-write overlays on it (NAME-etc, NAME-var, NAME-usr): nothing written there reaches the host.
sandbox_mounts() {
  local label=$1 scratch=$2 name=$3 dir layer
  # Every mount below must stay in this process's own namespace: refuse to run in the caller's.
  if [ "$(readlink /proc/self/ns/mnt)" = "$(readlink "/proc/$PPID/ns/mnt")" ]; then
    echo "$label: not in a private mount namespace; refusing to mount anything" >&2
    exit 2
  fi
  mount --make-rprivate /
  mkdir -p "$scratch"
  mount -t tmpfs -o mode=0700,size=64m "$name-sandbox" "$scratch"
  for dir in /etc /var /usr; do
    layer=$scratch/${dir#/}
    mkdir -p "$layer/upper" "$layer/work"
    mount -t overlay "$name${dir//\//-}" -o "lowerdir=$dir,upperdir=$layer/upper,workdir=$layer/work" "$dir"
  done
}
