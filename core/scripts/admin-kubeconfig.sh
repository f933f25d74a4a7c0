#!/usr/bin/env bash
# Prints the admin kubeconfig (its server is the VIP endpoint); the step's stdout is secret.
set -euo pipefail
cat /etc/kubernetes/admin.conf
