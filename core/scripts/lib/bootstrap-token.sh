#!/usr/bin/env bash
# Shared: (re)writes the bootstrap token read from stdin with a fresh expiry (inlined by the renderer).
# The token is a bootstrap-token Secret (what `kubeadm token create` writes), applied from a 0600
# file so it never appears on a command line. Applying it again only moves the expiry.
# Needs lib/secrets.sh, BOOTSTRAP_TOKEN and TOKEN_TTL_HOURS.
refresh_bootstrap_token() {
  local token_id=${BOOTSTRAP_TOKEN%%.*} token_secret=${BOOTSTRAP_TOKEN#*.} expiration attempt
  expiration=$(date -u -d "+${TOKEN_TTL_HOURS} hours" +%Y-%m-%dT%H:%M:%SZ)
  secret_config_file "$(cat <<MANIFEST
apiVersion: v1
kind: Secret
metadata:
  name: bootstrap-token-${token_id}
  namespace: kube-system
type: bootstrap.kubernetes.io/token
stringData:
  token-id: "${token_id}"
  token-secret: "${token_secret}"
  expiration: "${expiration}"
  usage-bootstrap-authentication: "true"
  usage-bootstrap-signing: "true"
  auth-extra-groups: "system:bootstrappers:kubeadm:default-node-token"
MANIFEST
)"
  for attempt in 1 2 3 4 5; do
    if run_logged /var/log/kubeadm-ha/join-token.log "$BOOTSTRAP_TOKEN" -- kubectl apply -f "$SECRET_FILE"; then
      echo "bootstrap token valid until ${expiration}"
      return 0
    fi
    sleep 3
  done
  echo "kubeadm-ha: could not write the bootstrap token after ${attempt} attempts" >&2
  return 1
}
