#!/usr/bin/env bash
# Once per stack, on the admin host, before a wave of joins (it runs again whenever the set of
# nodes changes): rewrites the bootstrap token with a fresh expiry, so nodes added weeks later
# still join. One refresh for the whole wave, not one per node.
# stdin: bootstrapToken
set -euo pipefail
: "${TOKEN_TTL_HOURS:?}"
# @include lib/secrets.sh
# @include lib/bootstrap-token.sh
export KUBECONFIG=/etc/kubernetes/admin.conf

read_secret BOOTSTRAP_TOKEN '^[a-z0-9]{6}\.[a-z0-9]{16}$'
refresh_bootstrap_token
