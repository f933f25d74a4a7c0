#!/usr/bin/env bash
# Shared helpers for steps that handle join material (inlined by the renderer).
# Secrets arrive on stdin, one per line; they are never echoed, never put on a command line,
# and written only to 0600 files that are removed on exit.
umask 077
install -d -m 0700 /var/log/kubeadm-ha /etc/kubernetes/kubeadm-ha
SECRET_FILES=()
# -r: a saved copy may be a folder (what a failed run keeps across kubeadm reset).
cleanup_secret_files() { rm -rf "${SECRET_FILES[@]}"; }
trap cleanup_secret_files EXIT

# read_secret NAME PATTERN: reads one stdin line into NAME and checks its shape without printing it.
read_secret() {
  local value=""
  IFS= read -r value || true
  if [[ ! "$value" =~ $2 ]]; then
    echo "kubeadm-ha: $1 on stdin is missing or malformed (value not shown)" >&2
    exit 1
  fi
  printf -v "$1" '%s' "$value"
}

# secret_config_file TEXT [PLACEHOLDER VALUE]...: replaces each placeholder in TEXT (bash
# expansion, never a command line), writes the result to a fresh 0600 file that the EXIT trap
# removes, and leaves its path in SECRET_FILE. Call it directly, not in $(...): a subshell would
# register the file with its own copy of SECRET_FILES and the file would outlive the script.
secret_config_file() {
  local text=$1
  shift
  while [ "$#" -ge 2 ]; do
    text=${text//"$1"/"$2"}
    shift 2
  done
  SECRET_FILE=$(mktemp /etc/kubernetes/kubeadm-ha/config.XXXXXX)
  SECRET_FILES+=("$SECRET_FILE")
  printf '%s\n' "$text" >"$SECRET_FILE"
}

# run_logged LOG SECRET... -- CMD...: runs CMD with output in a root-only LOG; on failure shows
# the error lines with every given secret masked.
run_logged() {
  local log=$1 secrets=() line start=0
  shift
  while [ "$1" != "--" ]; do secrets+=("$1"); shift; done
  shift
  if [ -f "$log" ]; then start=$(wc -l <"$log"); fi
  if "$@" >>"$log" 2>&1; then return 0; fi
  echo "kubeadm-ha: '$1 $2' failed on $(hostname); full log (root only): $log" >&2
  # Only this run's lines: the log keeps every earlier run too.
  tail -n +"$((start + 1))" "$log" | grep -E 'error|ERROR|fatal|FATAL|timed out' | tail -n 20 | while IFS= read -r line; do
    for s in "${secrets[@]}"; do [ -n "$s" ] && line=${line//"$s"/<redacted>}; done
    printf '  %s\n' "$line" >&2
  done
  return 1
}
