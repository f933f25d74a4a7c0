#!/usr/bin/env bash
# Runs on a live control plane right before a worker joins, so a worker added weeks later still
# joins: the bootstrap token (24 h TTL) is rewritten with a fresh expiry.
# stdin: bootstrapToken
set -euo pipefail
: "${TOKEN_TTL_HOURS:?}"
# @include lib/secrets.sh
# @include lib/bootstrap-token.sh
export KUBECONFIG=/etc/kubernetes/admin.conf

read_secret BOOTSTRAP_TOKEN '^[a-z0-9]{6}\.[a-z0-9]{16}$'
refresh_bootstrap_token
