#!/usr/bin/env bash
# Runs one plan step's script the way production runs it (`bash -c SCRIPT STEP_ID`, as root, with
# the step's secrets on stdin), inside a sandbox: its own mount namespace (the lab starts it with
# `ip netns exec <lab ns> unshare --mount`), /etc, /var and /usr as copy-on-write overlays on a
# tmpfs, and the service manager and package tools replaced by stubs that only record their
# arguments. Nothing the step writes or starts reaches the host; the files it installs are copied
# out afterwards.
#
# Usage: step-sandbox.sh OUT_DIR STEP_SCRIPT STEP_ID INSTALLED_PATH...   (stdin: the secrets)
# Leaves OUT_DIR/files/<INSTALLED_PATH> (mode kept) and OUT_DIR/calls (one stub call a line);
# exits with the step's status.
set -euo pipefail
umask 077
out=$1 script=$2 step_id=$3
shift 3

# shellcheck source=lab/lib/sandbox-mounts.sh
. "${BASH_SOURCE[0]%/*}/sandbox-mounts.sh"
scratch=$out/sandbox
sandbox_mounts step-sandbox "$scratch" kha-step
mkdir -p "$out/files"

calls=$out/calls
: >"$calls"
# stub NAME STATUS: NAME records "NAME ARGS" in $calls and exits STATUS, wherever the step looks.
stub() {
  local file=$scratch/stub-$1 dir
  printf '#!/bin/sh\necho "%s $*" >>"%s"\nexit %s\n' "$1" "$calls" "$2" >"$file"
  chmod 0755 "$file"
  for dir in /usr/local/sbin /usr/sbin /usr/bin; do
    mkdir -p "$dir"
    cp "$file" "$dir/$1"
  done
  # Without merged /usr, /bin and /sbin are outside the overlay: cover a real binary there too.
  for dir in /bin /sbin; do
    if [ ! -L "$dir" ] && [ -e "$dir/$1" ]; then mount --bind "$file" "$dir/$1"; fi
  done
}
# Daemons are started by the lab inside its namespaces, never by a service manager on the host.
for name in systemctl service invoke-rc.d; do stub "$name" 0; done
# The lab installs its packages itself, before it starts; a step must not reach for the network.
for name in apt-get apt; do stub "$name" 100; done

status=0
# What `sudo -n bash -c "$(cat <<'KUBEADM_HA_SCRIPT' ...)" STEP_ID` gives the script: root, a
# reset environment with sudo's secure_path, the script as bash's argument, stdin untouched.
"${SANDBOX_ENV[@]}" bash -c "$(cat "$script")" "$step_id" || status=$?

for path in "$@"; do
  if [ -f "$path" ]; then
    mkdir -p "$out/files${path%/*}"
    cp --preserve=mode "$path" "$out/files$path"
  fi
done
exit "$status"
