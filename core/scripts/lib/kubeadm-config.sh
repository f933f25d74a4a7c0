#!/usr/bin/env bash
# Shared helper of the kubeadm init and join scripts (inlined by the renderer).

# kubeadm_config TEXT: prints the rendered kubeadm config (kubeadm.k8s.io/v1beta4, with
# kubernetesVersion "@KUBERNETES_VERSION@") for the kubeadm installed on this host. The version is
# the one node preparation installed (`kubeadm version -o short`), and below 1.31, where kubeadm
# reads v1beta3 only, the API version and the one list-shaped field (kubeletExtraArgs) are put
# back as v1beta3 spells them; both configs are otherwise the same. So a kubernetesVersion change
# never changes the init or join scripts, and never runs them again (README: Upgrade).
kubeadm_config() {
  local version minor text=$1
  version=$(kubeadm version -o short 2>/dev/null) || version=""
  if [[ ! "$version" =~ ^v1\.([0-9]+)\.[0-9]+ ]]; then
    echo "kubeadm-ha: 'kubeadm version -o short' printed '${version}', not a version v1.Y.Z: is kubeadm installed (prepare-node)?" >&2
    return 1
  fi
  minor=${BASH_REMATCH[1]}
  text=${text//\"@KUBERNETES_VERSION@\"/$version}
  text=${text//@KUBERNETES_VERSION@/$version}
  if [ "$minor" -ge 31 ]; then
    printf '%s' "$text"
    return 0
  fi
  # kubeletExtraArgs "- name: N" / "value: V" pairs become "N: V" at the list's indent.
  awk '
    function indent(s) { match(s, /^ */); return RLENGTH }
    /^apiVersion: kubeadm\.k8s\.io\/v1beta4$/ { print "apiVersion: kubeadm.k8s.io/v1beta3"; next }
    inside && $0 !~ /^ *$/ && indent($0) <= at { inside = 0 }
    inside && /^ *- name: / { sub(/^ *- name: /, ""); name = $0; next }
    inside && /^ *value: / { sub(/^ *value: /, ""); printf "%" (at + 2) "s%s: %s\n", "", name, $0; next }
    /^ *kubeletExtraArgs:$/ { inside = 1; at = indent($0) }
    { print }
  ' < <(printf '%s' "$text")
}
