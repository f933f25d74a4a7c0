import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { buildSpec } from "../core/config/build-spec";
import { buildPlan } from "../core/plan/steps";
import { CONTAINERD_DEFAULT_2_1, CONTAINERD_DEFAULTS } from "./support/containerd-config";
import { FakeHost, fakeHosts, fakeHostUnavailable } from "./support/fake-host";
import { exampleWith } from "./support/stack";

const newHost = fakeHosts();

/** The rendered scripts of a stack at `version`: `<step id>` → create or update script. */
function scripts(version: string): Map<string, string> {
  const plan = buildPlan(buildSpec(exampleWith({ kubernetesVersion: version })));
  return new Map(plan.steps.map((s) => [s.id, s.updateScript ?? s.script ?? ""]));
}

/**
 * Fakes of the cluster as one node sees it, in state files: `cluster-version` (kubeadm-config),
 * `node-version` and `node-ready` (what its Node reports), `pods` (`ns|name|controller|mirror`
 * lines bound to it), `cordoned`, `mark` (the upgrade's annotation). An eviction removes the pod
 * unless `pdb-blocks` exists (429, as a PodDisruptionBudget answers); restarting the kubelet makes
 * the Node report the installed kubelet's version; `kubeadm upgrade node` fails while
 * `upgrade-fails` exists.
 */
const KUBECTL = `s=$FAKE_STATE
case "$*" in
*"get configmap kubeadm-config"*) printf 'kubernetesVersion: v%s\\n' "$(cat "$s/cluster-version")" ;;
*"get node"*kubeletVersion*) printf 'v%s %s' "$(cat "$s/node-version")" "$(cat "$s/node-ready" 2>/dev/null || echo True)" ;;
*"get node"*upgrade-cordoned*) cat "$s/mark" 2>/dev/null || true ;;
*"get pods"*) cat "$s/pods" 2>/dev/null || true ;;
"cordon "*) touch "$s/cordoned" ;;
"uncordon "*) rm -f "$s/cordoned" ;;
"annotate --overwrite node "*) echo "\${5#*=}" >"$s/mark" ;;
"annotate node "*) rm -f "$s/mark" ;;
"create --raw "*)
  if [ -e "$s/pdb-blocks" ]; then echo "Error from server (TooManyRequests): Cannot evict pod as it would violate the pod's disruption budget." >&2; exit 1; fi
  p=\${3#/api/v1/namespaces/}; ns=\${p%%/*}; name=\${p#*/pods/}; name=\${name%/eviction}
  grep -v "^$ns|$name|" "$s/pods" >"$s/pods.new" || true; mv "$s/pods.new" "$s/pods" ;;
esac`;

const KUBEADM = `s=$FAKE_STATE
installed() { awk -v p="$1" '$1 == p { sub(/-.*/, "", $2); print $2 }' "$s/installed"; }
case "$*" in
"version -o short") echo "v$(installed kubeadm)" ;;
"upgrade plan"*) echo "[upgrade/versions] target $3" ;;
"upgrade apply"*) v=\${3#v}; echo "$v" >"$s/cluster-version" ;;
"upgrade node") if [ -e "$s/upgrade-fails" ]; then echo "error execution phase control-plane: couldn't upgrade control plane" >&2; exit 1; fi ;;
"config images list"*) echo "registry.k8s.io/pause:3.10" ;;
esac`;

const SYSTEMCTL = `s=$FAKE_STATE
if [ "$*" = "restart kubelet" ]; then awk '$1 == "kubelet" { sub(/-.*/, "", $2); print $2 }' "$s/installed" >"$s/node-version"; fi`;

/** A cluster member at `have` (kubeadm, kubelet, kubectl installed and held), its repository offering `repo`. */
function member(have: string, repo: string, role: "worker" | "controlPlane" = "worker"): FakeHost {
  const host = newHost();
  host.fake("kubectl", KUBECTL);
  host.fake("kubeadm", KUBEADM);
  host.fake("systemctl", SYSTEMCTL);
  host.setState("installed", ["kubeadm", "kubelet", "kubectl"].map((p) => `${p} ${have}-1.1`).join("\n") + "\n");
  host.setState("held", "kubeadm\nkubelet\nkubectl\n");
  host.setState("kubeadm-repo-version", `${repo}-1.1`);
  host.setState("cluster-version", have);
  host.setState("node-version", have);
  host.setState("pods", "default|web-1|ReplicaSet|\nkube-system|kube-proxy-x|DaemonSet|\n");
  host.write("/etc/kubernetes/kubelet.conf", "kubelet\n");
  if (role === "controlPlane") host.write("/etc/kubernetes/admin.conf", "admin\n");
  // What node preparation needs besides: containerd 2.1 installed, NTP synchronised.
  host.setState("containerd-version", "2.1.5");
  host.setState("ntp-synchronized", "yes\n");
  host.setState("default-1.x.toml", CONTAINERD_DEFAULTS["1.x"]);
  host.setState("default-2.0.toml", CONTAINERD_DEFAULTS["2.0"]);
  host.setState("default-2.1.toml", CONTAINERD_DEFAULT_2_1);
  return host;
}

/** The Kubernetes packages installed, `name version`, sorted. */
const installed = (host: FakeHost): string[] =>
  (host.readState("installed") ?? "")
    .split("\n")
    .filter((l) => /^kube(adm|let|ctl) /.test(l))
    .sort();

for (const [have, want, why] of [
  [
    "1.30.9",
    "1.32.3",
    /kubernetesVersion 1\.32\.3 skips a minor\. Upgrade one minor at a time: set kubernetesVersion to the newest 1\.31\.x/,
  ],
  [
    "1.33.1",
    "1.32.3",
    /kubernetesVersion 1\.32\.3 is lower, and Kubernetes is not downgraded\. Set kubernetesVersion to 1\.33\.1 or higher/,
  ],
] as const) {
  test(`prepare-node on a member at ${have}: kubernetesVersion ${want} is refused before anything is changed, naming both`, (t) => {
    const why0 = fakeHostUnavailable();
    if (why0) return t.skip(why0);
    const host = member(have, want);
    const r = host.run(scripts(want).get("worker1-prepare-node") ?? "");
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      new RegExp(`runs kubeadm ${have.replace(/\./g, "\\.")} and kubelet ${have.replace(/\./g, "\\.")}`),
    );
    assert.match(r.stderr, why);
    // Only package queries ran: no swapoff, no apt, no file written.
    assert.deepEqual([...new Set(host.calls().map((c) => c.split(" ")[0]))], ["dpkg-query"]);
    assert.equal(host.exists("/etc/sysctl.d/99-kubeadm-ha.conf"), false);
  });
}

test("prepare-node on a member, one minor up: the apt source moves to the new minor, the packages stay for the upgrade steps", (t) => {
  const why = fakeHostUnavailable();
  if (why) return t.skip(why);
  const host = member("1.32.3", "1.33.1");
  const r = host.run(scripts("1.33.1").get("worker1-prepare-node") ?? "");
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /upgrade pending: .* runs kubeadm 1\.32\.3-1\.1; kubeadm, kubelet and kubectl 1\.33\.1-1\.1 are left to the upgrade steps/,
  );
  assert.match(host.read("/etc/apt/sources.list.d/kubernetes.list") ?? "", /core:\/stable:\/v1\.33\/deb/);
  assert.deepEqual(installed(host), ["kubeadm 1.32.3-1.1", "kubectl 1.32.3-1.1", "kubelet 1.32.3-1.1"]);
  assert.ok(
    host.calls().some((c) => c === "kubeadm config images list --kubernetes-version v1.32.3"),
    "pause of the running version",
  );
});

test("upgrade-node on a worker: drained, kubeadm first, kubeadm upgrade node, kubelet/kubectl held, restart, version checked, uncordoned", (t) => {
  const why = fakeHostUnavailable();
  if (why) return t.skip(why);
  const host = member("1.32.3", "1.33.1");
  host.setState("cluster-version", "1.33.1");
  const r = host.run(scripts("1.33.1").get("worker1-upgrade-node") ?? "");
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(installed(host), ["kubeadm 1.33.1-1.1", "kubectl 1.33.1-1.1", "kubelet 1.33.1-1.1"]);
  assert.equal(host.readState("pods"), "kube-system|kube-proxy-x|DaemonSet|\n", "the DaemonSet pod stays");
  assert.equal(host.readState("cordoned"), undefined, "uncordoned");
  assert.equal(host.readState("mark"), undefined, "mark dropped");
  const calls = host.calls();
  const first = (re: RegExp): number => calls.findIndex((c) => re.test(c));
  const order = [
    /^kubectl cordon worker1/,
    /^kubectl create --raw .*web-1\/eviction/,
    /^apt-get .*install .*kubeadm=1\.33\.1-1\.1/,
    /^kubeadm upgrade node/,
    /^apt-get .*install .*kubelet=1\.33\.1-1\.1 kubectl=/,
    /^systemctl restart kubelet/,
    /^kubectl uncordon worker1/,
  ];
  const at = order.map(first);
  assert.ok(
    at.every((i) => i >= 0),
    `every step ran: ${at.join(",")}`,
  );
  assert.deepEqual(
    [...at].sort((a, b) => a - b),
    at,
    "in this order",
  );
  assert.ok(
    calls.some((c) => /^apt-mark .*hold kubelet kubectl/.test(c)),
    "held again",
  );
  // Run again (any later input change): a no-op.
  const before = calls.length;
  const again = host.run(scripts("1.33.1").get("worker1-upgrade-node") ?? "");
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /worker1 runs 1\.33\.1; nothing to do/);
  assert.ok(!host.calls(before).some((c) => /^(apt-get|kubeadm upgrade|kubectl cordon)/.test(c)));
});

test("upgrade-node: a drain that times out fails the step, leaves the node cordoned and unchanged, and says what to do", (t) => {
  const why = fakeHostUnavailable();
  if (why) return t.skip(why);
  const host = member("1.32.3", "1.33.1");
  host.setState("cluster-version", "1.33.1");
  host.setState("pdb-blocks", "");
  const r = host.run(scripts("1.33.1").get("worker1-upgrade-node") ?? "");
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    /draining worker1 for the upgrade to 1\.33\.1 timed out after 300 s; still there: default\/web-1\. worker1 stays cordoned and nothing of the upgrade ran on it/,
  );
  assert.match(r.stderr, /PodDisruptionBudget .* then run pulumi up again/);
  assert.equal(host.readState("cordoned"), "");
  assert.equal(host.readState("mark")?.trim(), "1.33.1");
  assert.deepEqual(installed(host), ["kubeadm 1.32.3-1.1", "kubectl 1.32.3-1.1", "kubelet 1.32.3-1.1"]);
  assert.ok(!host.calls().some((c) => /^kubeadm upgrade/.test(c)));
});

test("upgrade-node: a retry after a half-done upgrade (kubeadm new, upgrade node failed) completes it", (t) => {
  const why = fakeHostUnavailable();
  if (why) return t.skip(why);
  const host = member("1.32.3", "1.33.1");
  host.setState("cluster-version", "1.33.1");
  host.setState("upgrade-fails", "");
  const script = scripts("1.33.1").get("worker1-upgrade-node") ?? "";
  const failed = host.run(script);
  assert.equal(failed.status, 1);
  assert.match(
    failed.stderr,
    /kubeadm upgrade node failed on worker1 \(it stays cordoned\); run pulumi up again to retry/,
  );
  assert.match(failed.stderr, /couldn't upgrade control plane/);
  assert.ok(installed(host).includes("kubeadm 1.33.1-1.1") && installed(host).includes("kubelet 1.32.3-1.1"));
  assert.equal(host.readState("cordoned"), "");
  host.setState("pods", "kube-system|kube-proxy-x|DaemonSet|\n");
  const rm = host.calls().length;
  rmSync(`${host.state}/upgrade-fails`);
  const retry = host.run(script);
  assert.equal(retry.status, 0, retry.stderr);
  assert.deepEqual(installed(host), ["kubeadm 1.33.1-1.1", "kubectl 1.33.1-1.1", "kubelet 1.33.1-1.1"]);
  assert.equal(host.readState("cordoned"), undefined);
  assert.ok(!host.calls(rm).some((c) => /^apt-get .*install .*kubeadm=/.test(c)), "kubeadm is not installed twice");
});

test("upgrade-node waits for upgrade-apply: a control plane still at the old version changes nothing", (t) => {
  const why = fakeHostUnavailable();
  if (why) return t.skip(why);
  const host = member("1.32.3", "1.33.1");
  const r = host.run(scripts("1.33.1").get("worker1-upgrade-node") ?? "");
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    /the control plane runs '1\.32\.3', not 1\.33\.1: the upgrade-apply step .* must finish first/,
  );
  assert.ok(!host.calls().some((c) => /^(apt-get|kubectl cordon|kubeadm upgrade)/.test(c)));
});

test("upgrade-apply on the admin host: kubeadm upgrade plan, then apply, then its kubelet; a skipped minor is refused first", (t) => {
  const why = fakeHostUnavailable();
  if (why) return t.skip(why);
  const host = member("1.32.3", "1.33.1", "controlPlane");
  const r = host.run(scripts("1.33.1").get("upgrade-apply") ?? "");
  assert.equal(r.status, 0, r.stderr);
  assert.equal(host.readState("cluster-version")?.trim(), "1.33.1");
  const calls = host.calls();
  const plan = calls.findIndex((c) => c === "kubeadm upgrade plan v1.33.1");
  const apply = calls.findIndex((c) => c === "kubeadm upgrade apply v1.33.1 --yes");
  const kubelet = calls.findIndex((c) => /^apt-get .*install .*kubelet=1\.33\.1-1\.1/.test(c));
  assert.ok(plan >= 0 && plan < apply && apply < kubelet, `${plan} ${apply} ${kubelet}`);
  const skip = member("1.32.3", "1.34.0", "controlPlane");
  const refused = skip.run(scripts("1.34.0").get("upgrade-apply") ?? "");
  assert.equal(refused.status, 1);
  assert.match(
    refused.stderr,
    /the control plane runs kubeadm 1\.32\.3 and kubelet 1\.32\.3; kubernetesVersion 1\.34\.0 skips a minor/,
  );
  assert.ok(!skip.calls().some((c) => /^(apt-get|kubectl cordon|kubeadm upgrade)/.test(c)));
});
