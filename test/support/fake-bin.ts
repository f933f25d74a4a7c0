/**
 * Fake host programs for running the node scripts for real (see `fake-host.ts`). Each fake logs its
 * argv to `$FAKE_STATE/calls` and keeps what it changes in files under `$FAKE_STATE`, so a test
 * sets the host up by writing those files and reads the outcome back from them.
 */

/** The line every fake starts with: log the call. */
const LOG = `printf '%s\\n' "$(basename "$0") $*" >>"$FAKE_STATE/calls"`;

/** apt's own words when another process holds the dpkg frontend lock (apt-pkg/deb/debsystem.cc). */
const LOCK_HELD = `echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (unattended-upgr)" >&2
echo "E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?" >&2`;

/**
 * With `$FAKE_STATE/dpkg-lock-held` present the lock is held (first boot's unattended-upgrades):
 * only a caller that waits for it gets through.
 */
const NEEDS_LOCK_WAIT = `if [ -e "$FAKE_STATE/dpkg-lock-held" ]; then
  case " $* " in *" -o DPkg::Lock::Timeout=600 "*) ;; *) ${LOCK_HELD.replace(/\n/g, "; ")}; exit 100 ;; esac
fi`;

const APT_GET = `${NEEDS_LOCK_WAIT}
cmd=""; pkgs=(); skip=0
for a in "$@"; do
  if [ "$skip" = 1 ]; then skip=0; continue; fi
  case "$a" in -o) skip=1 ;; -*) ;; *) if [ -z "$cmd" ]; then cmd=$a; else pkgs+=("$a"); fi ;; esac
done
case "$cmd" in
update)
  busy=$(cat "$FAKE_STATE/lists-lock-busy" 2>/dev/null || echo 0)
  if [ "$busy" -gt 0 ]; then
    echo $((busy - 1)) >"$FAKE_STATE/lists-lock-busy"
    echo "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 4243 (apt-get)" >&2
    exit 100
  fi ;;
install)
  for p in "\${pkgs[@]}"; do
    name=\${p%%=*}; version=1.0; [ "$name" = "$p" ] || version=\${p#*=}
    grep -v "^$name " "$FAKE_STATE/installed" >"$FAKE_STATE/installed.new" 2>/dev/null || true
    echo "$name $version" >>"$FAKE_STATE/installed.new"; mv "$FAKE_STATE/installed.new" "$FAKE_STATE/installed"
    if [ "$name" = containerd.io ]; then v=\${version%%-*}; echo "\${v#*:}" >"$FAKE_STATE/containerd-version"; fi
  done ;;
esac`;

const APT_MARK = `${NEEDS_LOCK_WAIT}
case " $* " in
*" showhold "*) cat "$FAKE_STATE/held" 2>/dev/null || true ;;
*" hold "*) for a in "$@"; do case "$a" in -o | DPkg::* | hold) ;; *) echo "$a" >>"$FAKE_STATE/held" ;; esac; done ;;
esac`;

const APT_CACHE = `case "$2" in
kubeadm) v=$(cat "$FAKE_STATE/kubeadm-repo-version"); echo "   kubeadm | $v | https://pkgs.k8s.io/core:/stable:/v1.32/deb  Packages" ;;
containerd.io) while read -r v; do echo "containerd.io | $v | https://download.docker.com/linux/ubuntu jammy/stable amd64 Packages"; done <"$FAKE_STATE/containerd-io-versions" ;;
esac`;

const DPKG_QUERY = `pkg=\${*: -1}
line=$(grep "^$pkg " "$FAKE_STATE/installed" 2>/dev/null) || { echo "dpkg-query: no packages found matching $pkg" >&2; exit 1; }
case "$*" in *Status*) printf 'install ok installed' ;; *) printf '%s' "\${line#* }" ;; esac`;

const CONTAINERD = `v=$(cat "$FAKE_STATE/containerd-version" 2>/dev/null) || { echo "containerd: command not found" >&2; exit 127; }
case "$1" in
--version) echo "containerd containerd.io $v 0123456789abcdef" ;;
config) case "$v" in 1.*) cat "$FAKE_STATE/default-1.x.toml" ;; 2.0.*) cat "$FAKE_STATE/default-2.0.toml" ;; *) cat "$FAKE_STATE/default-2.1.toml" ;; esac ;;
esac`;

const CURL = `out=""; prev=""
for a in "$@"; do [ "$prev" = -o ] && out=$a; prev=$a; done
case " $* " in
*" -fsSI "*) printf 'HTTP/2 302\\r\\ndate: %s\\r\\n\\r\\n' "$(cat "$FAKE_STATE/http-date" 2>/dev/null || date -u '+%a, %d %b %Y %H:%M:%S GMT')" ;;
*) if [ -n "$out" ]; then echo "-----BEGIN PGP PUBLIC KEY BLOCK-----" >"$out"; else echo "-----BEGIN PGP PUBLIC KEY BLOCK-----"; fi ;;
esac`;

const GPG = `out=""; prev=""
for a in "$@"; do [ "$prev" = -o ] && out=$a; prev=$a; done
case " $* " in
*" --show-keys "*) echo "pub:-:4096:1:8D81803C0EBFCD88:1487788586:::-:::scESA::::::23::0:"; echo "fpr:::::::::$(cat "$FAKE_STATE/docker-key-fingerprint"):" ;;
*" --dearmor "*) cat >"$out" ;;
esac`;

const KUBEADM = `case "$*" in
"reset -f") rm -rf /etc/kubernetes/kubelet.conf /etc/kubernetes/manifests ;;
"config images list"*) for i in kube-apiserver:v1.32.3 etcd:3.5.16-0; do echo "registry.k8s.io/$i"; done; echo "$(cat "$FAKE_STATE/pause-image")"; echo "registry.k8s.io/coredns/coredns:v1.11.3" ;;
esac`;

const IP = `links="$FAKE_STATE/links"; touch "$links"
case "$*" in
"-o link show") n=1; while read -r l; do n=$((n + 1)); case "$l" in cali*) s="@if3" ;; *) s="" ;; esac; echo "$n: $l$s: <BROADCAST,UP> mtu 1450"; done <"$links" ;;
"link show "*) grep -qx "$3" "$links" || { echo "Device \\"$3\\" does not exist." >&2; exit 1; } ;;
"link delete "*) grep -qx "$3" "$links" || exit 1; grep -vx "$3" "$links" >"$links.new" || true; mv "$links.new" "$links" ;;
esac`;

/** `<tool>-save` prints, and `<tool>-restore` replaces, `$FAKE_STATE/<tool>.rules`. */
export const IPTABLES_SAVE = `cat "$FAKE_STATE/$(basename "$0" -save).rules" 2>/dev/null || true`;
/** See {@link IPTABLES_SAVE}. */
export const IPTABLES_RESTORE = `cat >"$FAKE_STATE/$(basename "$0" -restore).rules"`;

const IPSET = `sets="$FAKE_STATE/ipsets"; touch "$sets"
case "$1" in
list) cat "$sets" ;;
destroy) grep -vx "$2" "$sets" >"$sets.new" || true; mv "$sets.new" "$sets" ;;
esac`;

/** Fakes used by every node-script test, by program name. */
export const FAKE_PROGRAMS: Readonly<Record<string, string>> = {
  "apt-get": APT_GET,
  "apt-mark": APT_MARK,
  "apt-cache": APT_CACHE,
  "dpkg-query": DPKG_QUERY,
  dpkg: `echo amd64`,
  containerd: CONTAINERD,
  curl: CURL,
  gpg: GPG,
  kubeadm: KUBEADM,
  timedatectl: `cat "$FAKE_STATE/ntp-synchronized"`,
  ip: IP,
  "iptables-save": IPTABLES_SAVE,
  "iptables-restore": IPTABLES_RESTORE,
  "ip6tables-save": IPTABLES_SAVE,
  "ip6tables-restore": IPTABLES_RESTORE,
  ipset: IPSET,
  ...Object.fromEntries(["systemctl", "modprobe", "sysctl", "swapoff", "sleep", "ipvsadm"].map((p) => [p, ""])),
};

/** The text of one fake program. */
export function fakeProgram(body: string): string {
  return `#!/bin/bash\n${LOG}\n${body}\n`;
}
