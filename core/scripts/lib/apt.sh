#!/usr/bin/env bash
# Shared helper of the scripts that install packages (inlined by the renderer).

# apt waits for the dpkg frontend lock with DPkg::Lock::Timeout, but not for the lists lock of
# `apt-get update` nor the archives lock (apt-pkg/acquire.cc GetLock), and apt-mark's dpkg call
# does not wait at all (apt-pkg/statechanges.cc): a lock error is retried too, within 600 s overall.
apt_run() {
  local attempt err start=$SECONDS
  err=$(mktemp)
  for attempt in $(seq 1 120); do
    if "$1" -o DPkg::Lock::Timeout=600 "${@:2}" 2>"$err"; then
      cat "$err" >&2
      rm -f "$err"
      return 0
    fi
    if [ "$attempt" -eq 120 ] || [ $((SECONDS - start)) -ge 600 ] || ! grep -qiE 'could not get lock|unable to lock|unable to acquire|locked by another' "$err"; then
      cat "$err" >&2
      rm -f "$err"
      return 1
    fi
    sleep 5
  done
}
