#!/usr/bin/env bash
# keepalived's tracked check: passes while HAProxy accepts connections on the api port here.
# When it fails twice, this LB enters FAULT and releases the VIP to its peer. A dead HAProxy is seen
# sooner through its process (vrrp_track_process); this catches one that runs but does not listen.
set -euo pipefail
: "${API_PORT:?}"
timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/${API_PORT}"
