#!/usr/bin/env bash
# Shared helpers of the steps that install a systemd service + timer (inlined by the renderer).

UNITS_CHANGED=0

# install_file CONTENT DEST MODE: writes CONTENT to DEST (atomically, via a temp file beside it)
# when it differs; counts changed unit files in UNITS_CHANGED so systemd reloads only when needed.
install_file() {
  local content=$1 dest=$2 mode=$3 tmp
  install -d -m 0755 "${dest%/*}"
  tmp=$(mktemp "${dest}.XXXXXX")
  printf '%s' "$content" >"$tmp"
  chmod "$mode" "$tmp"
  if [ -f "$dest" ] && cmp -s "$tmp" "$dest"; then
    rm -f "$tmp"
    return 0
  fi
  mv -f "$tmp" "$dest"
  case "$dest" in /etc/systemd/system/*) UNITS_CHANGED=$((UNITS_CHANGED + 1)) ;; esac
  echo "installed ${dest}"
}

# enable_timer UNIT: reloads systemd if a unit file changed and (re)starts UNIT.timer.
enable_timer() {
  if [ "$UNITS_CHANGED" -gt 0 ]; then systemctl daemon-reload; fi
  systemctl enable --quiet "$1.timer"
  # restart, not start: a changed schedule takes effect now.
  systemctl restart "$1.timer"
  systemctl list-timers "$1.timer" --no-pager --no-legend
}
