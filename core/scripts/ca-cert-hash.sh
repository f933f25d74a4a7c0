#!/usr/bin/env bash
# Prints the cluster CA's public-key pin (sha256:...), which joining nodes verify the API against.
set -euo pipefail
hash=$(openssl x509 -pubkey -noout -in /etc/kubernetes/pki/ca.crt |
  openssl pkey -pubin -outform der 2>/dev/null |
  openssl dgst -sha256 -hex | sed 's/^.* //')
[[ "$hash" =~ ^[a-f0-9]{64}$ ]] || { echo "kubeadm-ha: could not compute the CA hash" >&2; exit 1; }
printf 'sha256:%s\n' "$hash"
