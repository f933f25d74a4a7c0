#!/usr/bin/env bash
# Fake kubeadm, kubectl, curl and sleep for test/support/host-sim.ts: one script, called through
# links named after the tool. They act on a simulated cluster kept as files in SIM_CLUSTER
# (shared by every simulated host) and on the host's own /etc and /var/lib (a private mount
# namespace per host). Each call is logged as "<host> <tool> <args>" in SIM_CLUSTER/log; every
# file passed with --config or -f is recorded with its mode in SIM_CLUSTER/seen.
set -euo pipefail
C=${SIM_CLUSTER:?}
HOST=${SIM_HOST:?}
tool=${0##*/}
# Read-only queries the init and join scripts make every run (the kubeadm version that fills their
# config, lib/kubeadm-config.sh) are not logged: the call sequences the tests pin stay about changes.
if [ "$tool $*" != "kubeadm version -o short" ]; then printf '%s %s %s\n' "$HOST" "$tool" "$*" >>"$C/log"; fi

# Builtins only where it is cheap to: a script under test calls these fakes hundreds of times.
fault() { [ -e "$C/faults/$1" ]; }
cluster_id() { if [ -f "$C/id" ]; then echo "$(<"$C/id")"; fi; }
# field FILE KEY: the value of the line KEY=value of FILE (empty when there is none).
field() {
  local line
  [ -f "$1" ] || return 0
  while IFS= read -r line; do
    if [[ "$line" == "$2="* ]]; then
      echo "${line#*=}"
      return 0
    fi
  done <"$1"
}
api_up() { [ -s "$C/id" ] && ! fault api-down; }
record() {
  if [ -f "$1" ]; then { echo "mode=$(stat -c %a "$1")"; cat "$1"; echo; } >>"$C/seen"; fi
}
# yaml_value FILE KEY: the first value of KEY (any indent), quotes dropped.
yaml_value() { sed -n "s/^ *$2: *\"\\{0,1\\}\\([^\"]*\\)\"\\{0,1\\}\$/\\1/p" "$1" | head -n 1; }
node_field() { field "$C/nodes/$1" "$2"; }
set_node_field() {
  local f="$C/nodes/$1"
  grep -v "^$2=" "$f" >"$f.new" || true
  echo "$2=$3" >>"$f.new"
  mv "$f.new" "$f"
}
write_credentials() {
  install -d /etc/kubernetes/pki /etc/kubernetes/manifests /var/lib/kubelet
  echo "cluster-id: $(cluster_id)" >/etc/kubernetes/kubelet.conf
  echo "fake ca" >/etc/kubernetes/pki/ca.crt
  echo "kind: KubeletConfiguration" >/var/lib/kubelet/config.yaml
  if [ "$1" = controlPlane ]; then
    echo "cluster-id: $(cluster_id)" >/etc/kubernetes/admin.conf
    echo "fake etcd" >/etc/kubernetes/manifests/etcd.yaml
    echo "fake api-server" >/etc/kubernetes/manifests/kube-apiserver.yaml
  fi
}
add_member() {
  printf 'id=%s\npeer=https://%s:2380\nclient=https://%s:2379\nstatus=started\n' "$(printf '%016x' "$RANDOM$RANDOM")" "$2" "$2" >"$C/members/$1"
  touch "$C/apiservers/$2:6443"
}
register() {
  printf 'role=%s\nready=%s\nunschedulable=\n' "$2" "$(fault cni-none && echo False || echo True)" >"$C/nodes/$1"
}

fake_kubeadm() {
  local cfg="" prev="" a name addr token
  for a in "$@"; do { [ "$prev" = --config ]; } && cfg=$a; prev=$a; done
  record "$cfg"
  case "$1 ${2:-}" in
  "version -o") cat "$C/kubeadm-version" 2>/dev/null || echo v1.32.3 ;;
  "certs check-expiration") cat "$C/check-expiration" 2>/dev/null || true ;;
  "init phase")
    [ "$(cat /etc/kubernetes/admin.conf 2>/dev/null)" = "cluster-id: $(cluster_id)" ] || { echo "error: no admin.conf" >&2; exit 1; }
    touch "$C/certs"
    ;;
  "init "*)
    name=$(yaml_value "$cfg" name)
    addr=$(yaml_value "$cfg" advertiseAddress)
    token=$(grep -o '[a-z0-9]\{6\}\.[a-z0-9]\{16\}' "$cfg" | head -n 1 || true)
    echo "sim-$RANDOM" >"$C/pending-id"
    if fault init-fails; then
      install -d /etc/kubernetes/manifests
      echo "cluster-id: none" >/etc/kubernetes/admin.conf
      echo "fake etcd" >/etc/kubernetes/manifests/etcd.yaml
      echo "error execution phase upload-config/kubeadm: timed out waiting for the condition, token $token"
      exit 1
    fi
    mv "$C/pending-id" "$C/id"
    yaml_value "$cfg" controlPlaneEndpoint >"$C/endpoint"
    write_credentials controlPlane
    add_member "$name" "$addr"
    register "$name" controlPlane
    touch "$C/objects/kubeadm-config" "$C/objects/certs" "$C/tokens/${token%%.*}" "$C/certs"
    fault no-addons || touch "$C/objects/coredns" "$C/objects/kube-proxy"
    ;;
  "join "*)
    name=$(yaml_value "$cfg" name)
    addr=$(yaml_value "$cfg" advertiseAddress)
    token=$(grep -o '[a-z0-9]\{6\}\.[a-z0-9]\{16\}' "$cfg" | head -n 1 || true)
    local role=worker
    grep -q '^controlPlane:' "$cfg" && role=controlPlane
    api_up || { echo "error: couldn't validate the identity of the API Server: connection refused"; exit 1; }
    [ -e "$C/tokens/${token%%.*}" ] || { echo "error: token id \"${token%%.*}\" is invalid for this cluster or it has expired"; exit 1; }
    if [ "$role" = controlPlane ] && [ ! -e "$C/certs" ]; then
      echo "error execution phase control-plane-prepare/download-certs: error downloading certs: error downloading the secret: Secret \"kubeadm-certs\" was not found in the \"kube-system\" Namespace. This Secret might have expired."
      exit 1
    fi
    if [ -e "$C/nodes/$name" ]; then
      case "$(node_field "$name" ready)" in
      True) echo "error execution phase kubelet-start: a Node with name \"$name\" and status \"Ready\" already exists in the cluster. You must delete the existing Node or change the name of this new joining Node"; exit 1 ;;
      # Reset moments ago: still Ready on the first look, NotReady once the grace period passed.
      stale) set_node_field "$name" ready False; echo "error execution phase kubelet-start: a Node with name \"$name\" and status \"Ready\" already exists in the cluster."; exit 1 ;;
      esac
    fi
    write_credentials "$role"
    [ "$role" = controlPlane ] && add_member "$name" "$addr"
    if fault join-fails; then echo "error execution phase control-plane-join/etcd: timed out, token $token"; exit 1; fi
    register "$name" "$role"
    ;;
  "reset "*)
    if [ -e /etc/kubernetes/manifests/etcd.yaml ] && [ -e "$C/members/$HOST" ] && ! fault reset-keeps-member; then rm -f "$C/members/$HOST"; fi
    # The kubelet stops: the Node still looks Ready until the node monitor's grace period passes.
    if [ "$(node_field "$HOST" ready)" = True ]; then set_node_field "$HOST" ready stale; fi
    rm -rf /etc/kubernetes/manifests/* /etc/kubernetes/pki/* /var/lib/kubelet/*
    rm -f /etc/kubernetes/{admin,kubelet,bootstrap-kubelet,controller-manager,scheduler}.conf
    ;;
  *) echo "fake kubeadm: unsupported: $*" >&2; exit 2 ;;
  esac
}

# etcd_in_pod POD ARGS...: etcdctl ARGS (flags dropped, `cluster` for --cluster) in the member's pod.
etcd_in_pod() {
  local pod=$1 m id
  shift
  m=${pod#etcd-}
  { [ -e "$C/members/$m" ] && ! fault "etcd-down-$m"; } || { echo "Error: context deadline exceeded" >&2; exit 1; }
  case "$*" in
  "endpoint health") echo "https://127.0.0.1:2379 is healthy: successfully committed proposal: took = 1ms" ;;
  "endpoint health cluster")
    local bad=0
    for f in "$C"/members/*; do
      [ -e "$f" ] || continue
      if fault "etcd-down-${f##*/}"; then echo "$(field "$f" client) is unhealthy: failed to commit proposal"; bad=1
      else echo "$(field "$f" client) is healthy: successfully committed proposal: took = 1ms"; fi
    done
    return "$bad"
    ;;
  "member list")
    for f in "$C"/members/*; do
      [ -e "$f" ] || continue
      echo "$(field "$f" id), $(field "$f" status), ${f##*/}, $(field "$f" peer), $(field "$f" client), false"
    done
    ;;
  "member remove "*)
    id=$3
    for f in "$C"/members/*; do [ "$(field "$f" id)" = "$id" ] && rm -f "$f" && echo "Member $id removed" && return 0; done
    echo "Error: member not found" >&2
    exit 1
    ;;
  *) echo "fake etcdctl: unsupported: $*" >&2; exit 2 ;;
  esac
}

fake_kubectl() {
  local config=${KUBECONFIG:-} words=() out="" selector="" file="" a prev=""
  for a in "$@"; do
    case "$prev" in
    --kubeconfig) config=$a ;;
    -o) out=$a ;;
    -l) selector=$a ;;
    -f) file=$a ;;
    -n) ;;
    *) case "$a" in --kubeconfig | -o | -l | -f | -n) ;; -*) ;; *) words+=("$a") ;; esac ;;
    esac
    prev=$a
  done
  if [ -z "$config" ] || [ ! -f "$config" ] || [ "$(<"$config")" != "cluster-id: $(cluster_id)" ] || ! api_up; then
    echo "The connection to the server was refused - did you specify the right host or port?" >&2
    exit 1
  fi
  record "$file"
  local n
  case "${words[*]}" in
  "get /readyz") echo "ok" ;;
  "get node "*)
    [ -e "$C/nodes/${words[2]}" ] || { echo "Error from server (NotFound): nodes \"${words[2]}\" not found" >&2; exit 1; }
    echo "${words[2]}"
    ;;
  "get nodes")
    for f in "$C"/nodes/*; do
      [ -e "$f" ] || continue
      n=${f##*/}
      if [ -n "$selector" ] && [ "$(node_field "$n" role)" != controlPlane ]; then continue; fi
      case "$out" in
      name) echo "node/$n" ;;
      *unschedulable*) echo "$n $(node_field "$n" unschedulable)" ;;
      *Ready*) local r; r=$(node_field "$n" ready); echo "$n ${r/stale/True}" ;;
      *) echo "$n" ;;
      esac
    done
    ;;
  "get configmap kubeadm-config")
    [ -e "$C/objects/kubeadm-config" ] || exit 1
    if [ -n "$out" ]; then printf 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\ncontrolPlaneEndpoint: %s\n' "$(cat "$C/endpoint")"; fi
    ;;
  "get deployment coredns") [ -e "$C/objects/coredns" ] ;;
  "get daemonset kube-proxy") [ -e "$C/objects/kube-proxy" ] ;;
  "get pods")
    for f in "$C"/members/*; do [ -e "$f" ] && echo "etcd-${f##*/}"; done
    ;;
  "exec "*)
    local args=("${words[@]:3}")
    case " $* " in *" --cluster "*) args+=(cluster) ;; esac
    etcd_in_pod "${words[1]}" "${args[@]}"
    ;;
  "apply")
    local id
    id=$(sed -n 's/^ *token-id: "\(.*\)"$/\1/p' "$file")
    [ -n "$id" ] && touch "$C/tokens/$id"
    echo "secret/bootstrap-token-$id configured"
    ;;
  "drain "*) set_node_field "${words[1]}" unschedulable true; echo "node/${words[1]} drained" ;;
  "delete node "*) rm -f "$C/nodes/${words[2]}"; echo "node \"${words[2]}\" deleted" ;;
  *) echo "fake kubectl: unsupported: $*" >&2; exit 2 ;;
  esac
}

# An external etcd member (SIM_CLUSTER/external/<host:port>) answers /health and lists the members.
fake_etcd_gateway() {
  local url=$1 target=$2 f first=1
  if [ ! -e "$C/external/$target" ] || fault "etcd-down-$target"; then
    echo "curl: (7) Failed to connect" >&2
    exit 7
  fi
  case "$url" in
  */health) echo '{"health":"true","reason":""}' ;;
  */v3/cluster/member/list)
    printf '{"header":{"cluster_id":"1"},"members":['
    for f in "$C"/external/*; do
      [ "$first" = 1 ] || printf ','
      first=0
      printf '{"ID":"1","name":"%s","peerURLs":["https://%s:2380"],"clientURLs":["https://%s"]}' "${f##*/}" "${f##*/}" "${f##*/}"
    done
    printf ']}\n'
    ;;
  esac
  exit 0
}

fake_curl() {
  local url="" a target code=000
  for a in "$@"; do case "$a" in https://*) url=$a ;; esac; done
  target=${url#https://}
  target=${target%%/*}
  case "$target" in *:2379) fake_etcd_gateway "$url" "$target" ;; esac
  if api_up && { [ "$target" = "$(cat "$C/endpoint" 2>/dev/null)" ] || [ -e "$C/apiservers/$target" ]; }; then code=200; fi
  if fault foreign-cluster && [ "$target" = "$(cat "$C/faults/foreign-cluster")" ]; then code=200; fi
  if [ "$code" = 000 ]; then
    case " $* " in *" -w "*) printf '000' ;; esac
    exit 7
  fi
  case "$url" in
  */version) case " $* " in *" -w "*) printf '200' ;; *) echo '{"gitVersion":"v1.32.3"}' ;; esac ;;
  */cluster-info)
    printf '{"data":{'
    for f in "$C"/tokens/*; do [ -e "$f" ] && printf '"jws-kubeconfig-%s":"sig",' "${f##*/}"; done
    printf '"kubeconfig":"apiVersion: v1"}}\n'
    ;;
  *) echo "fake curl: unsupported: $url" >&2; exit 2 ;;
  esac
}

case "$tool" in
kubeadm) fake_kubeadm "$@" ;;
kubectl) fake_kubectl "$@" ;;
curl) fake_curl "$@" ;;
sleep) exit 0 ;;
*) echo "host-sim: unknown tool $tool" >&2; exit 2 ;;
esac
