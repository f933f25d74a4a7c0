import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSpec } from "../core/config/build-spec";
import { SUPPORTED_MINORS } from "../core/config/validate-version";
import { containerdVersionsFor } from "../core/plan/kubeadm";
import { buildPlan } from "../core/plan/steps";
import { CONTAINERD_DEFAULT_2_1, CONTAINERD_DEFAULTS, tomlTables } from "./support/containerd-config";
import { FakeHost, fakeHosts, fakeHostUnavailable } from "./support/fake-host";
import { exampleWith } from "./support/stack";

const newHost = fakeHosts();
const DOCKER_KEY = "9DC858229FC7DD38854AE2D88D81803C0EBFCD88";
/** What Docker's repository offers, newest first, as `apt-cache madison` lists it. */
const DOCKER_REPO = [
  "2.3.0-1~ubuntu.22.04~jammy",
  "2.2.1-1~ubuntu.22.04~jammy",
  "2.1.5-1~ubuntu.22.04~jammy",
  "1.7.28-1~ubuntu.22.04~jammy",
  "1.7.27-1",
];
const RUNC_V3 = "plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options";
const RUNC_V2 = "plugins.'io.containerd.grpc.v1.cri'.containerd.runtimes.runc.options";

/** The rendered prepare-node script of worker1 for a Kubernetes version. */
function prepareScript(version = "1.32.3"): string {
  const plan = buildPlan(buildSpec(exampleWith({ kubernetesVersion: version })));
  const script = plan.steps.find((s) => s.id === "worker1-prepare-node")?.script;
  assert.ok(script, "worker1-prepare-node in the plan, with a script");
  return script;
}

/** A fresh Ubuntu 22.04 host: nothing installed, NTP synchronised, the repositories as above. */
function freshHost(kubeadmVersion = "1.32.3-1.1", pause = "registry.k8s.io/pause:3.10"): FakeHost {
  const host = newHost();
  host.setState("containerd-io-versions", `${DOCKER_REPO.join("\n")}\n`);
  host.setState("kubeadm-repo-version", kubeadmVersion);
  host.setState("pause-image", pause);
  host.setState("docker-key-fingerprint", DOCKER_KEY);
  host.setState("ntp-synchronized", "yes\n");
  host.setState("default-1.x.toml", CONTAINERD_DEFAULTS["1.x"]);
  host.setState("default-2.0.toml", CONTAINERD_DEFAULTS["2.0"]);
  host.setState("default-2.1.toml", CONTAINERD_DEFAULT_2_1);
  return host;
}

const installed = (host: FakeHost): string[] => (host.readState("installed") ?? "").split("\n").filter(Boolean);
const held = (host: FakeHost): string[] => (host.readState("held") ?? "").split("\n").filter(Boolean);
const config = (host: FakeHost) => tomlTables(host.read("/etc/containerd/config.toml") ?? "");

test("every supported Kubernetes minor has a containerd recommendation; an unknown minor is refused", () => {
  for (let minor = SUPPORTED_MINORS.min; minor <= SUPPORTED_MINORS.max; minor++) {
    assert.match(containerdVersionsFor(`1.${minor}`), /^\d+\.\d+\.\d+( \d+\.\d+\.\d+)*$/, `1.${minor}`);
    assert.doesNotMatch(containerdVersionsFor(`1.${minor}`), /\b1\.6\./, "containerd 1.6 is end of life");
  }
  assert.throws(() => containerdVersionsFor("1.36"), /no containerd recommendation recorded for Kubernetes 1\.36/);
  assert.match(prepareScript("1.35.0"), /^CONTAINERD_VERSIONS='2\.2\.0 2\.1\.5 1\.7\.28'$/m);
});

test("prepare-node: with the dpkg lock held, every apt-get and apt-mark call waits for it; a busy lists lock is retried", (t) => {
  const why = fakeHostUnavailable();
  if (why) return t.skip(why);
  const host = freshHost();
  host.setState("dpkg-lock-held", "");
  host.setState("lists-lock-busy", "2");
  const r = host.run(prepareScript());
  assert.equal(r.status, 0, r.stderr);
  const apt = host.calls().filter((c) => /^apt-(get|mark) /.test(c));
  assert.ok(apt.length >= 5, apt.join("\n"));
  for (const call of apt) assert.match(call, / -o DPkg::Lock::Timeout=600 /, call);
  assert.equal(host.calls().filter((c) => c === "sleep 5").length, 2, "two retries of apt-get update");
  assert.doesNotMatch(r.stderr, /Could not get lock \/var\/lib\/dpkg\/lock-frontend/);
});

test("prepare-node: installs the tools kubeadm's preflight checks for (conntrack, socat, ethtool, ebtables, iptables, ip)", (t) => {
  const why = fakeHostUnavailable();
  if (why) return t.skip(why);
  const host = freshHost();
  const r = host.run(prepareScript());
  assert.equal(r.status, 0, r.stderr);
  const names = installed(host).map((l) => l.split(" ")[0]);
  for (const pkg of ["conntrack", "socat", "ethtool", "ebtables", "iptables", "iproute2"])
    assert.ok(names.includes(pkg), pkg);
});

test("prepare-node, Kubernetes 1.32: the newest containerd.io of a supported line, held; 2.x config with systemd cgroups and kubeadm's pause", (t) => {
  const why = fakeHostUnavailable();
  if (why) return t.skip(why);
  const host = freshHost();
  const r = host.run(prepareScript("1.32.3"));
  assert.equal(r.status, 0, r.stderr);
  // 2.3 and 2.2 are not recommended for 1.32 (RELEASES.md); 2.1.5 is the newest that is.
  assert.ok(installed(host).includes("containerd.io 2.1.5-1~ubuntu.22.04~jammy"), installed(host).join("\n"));
  assert.deepEqual(held(host).sort(), ["containerd.io", "kubeadm", "kubectl", "kubelet"]);
  assert.equal(
    host.read("/etc/apt/sources.list.d/docker.list"),
    "deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.gpg] https://download.docker.com/linux/ubuntu jammy stable\n",
  );
  const tables = config(host);
  assert.equal(tables.get(RUNC_V3)?.get("SystemdCgroup"), "true");
  assert.equal(
    tables.get("plugins.'io.containerd.cri.v1.images'.pinned_images")?.get("sandbox"),
    '"registry.k8s.io/pause:3.10"',
  );
  assert.equal(
    tables.get("plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc")?.get("runtime_type"),
    "'io.containerd.runc.v2'",
  );
  assert.ok(host.calls().includes("systemctl restart containerd"));
  assert.match(
    r.stdout,
    /prepared: .* kubeadm 1\.32\.3-1\.1, containerd 2\.1\.5 \(sandbox registry\.k8s\.io\/pause:3\.10\)/,
  );
});

test("prepare-node, containerd 2.0 (whose default config has no SystemdCgroup line): the line is added to the runc options", (t) => {
  const why = fakeHostUnavailable();
  if (why) return t.skip(why);
  const host = freshHost("1.34.1-1.1");
  host.setState("containerd-io-versions", "2.0.6-1~ubuntu.22.04~jammy\n");
  const r = host.run(prepareScript("1.34.1"));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(config(host).get(RUNC_V3)?.get("SystemdCgroup"), "true");
  assert.equal(config(host).get(RUNC_V3)?.get("ShimCgroup"), "''", "the table's other keys stay");
});

test("prepare-node, Kubernetes 1.29: containerd 1.7 (2.x is not recommended for 1.29); 1.x config paths", (t) => {
  const why = fakeHostUnavailable();
  if (why) return t.skip(why);
  const host = freshHost("1.29.10-1.1", "registry.k8s.io/pause:3.9");
  const r = host.run(prepareScript("1.29.10"));
  assert.equal(r.status, 0, r.stderr);
  assert.ok(installed(host).includes("containerd.io 1.7.28-1~ubuntu.22.04~jammy"), installed(host).join("\n"));
  const tables = config(host);
  assert.equal(tables.get(RUNC_V2)?.get("SystemdCgroup"), "true");
  assert.equal(tables.get("plugins.'io.containerd.grpc.v1.cri'")?.get("sandbox_image"), '"registry.k8s.io/pause:3.9"');
  assert.equal(
    tables.get("plugins.'io.containerd.grpc.v1.cri'")?.get("systemd_cgroup"),
    "false",
    "the deprecated key is left alone",
  );
  assert.equal(tables.get("")?.get("version"), "2");
});

test("prepare-node on Debian 12 (containerd 1.6.20): Docker's Debian repository, containerd.io replaces it", (t) => {
  const why = fakeHostUnavailable();
  if (why) return t.skip(why);
  const host = freshHost();
  host.write("/etc/os-release", 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n');
  host.setState("containerd-version", "1.6.20~ds1");
  host.setState("installed", "containerd 1.6.20~ds1-1+b1\n");
  host.setState("containerd-io-versions", "1.7.28-1~debian.12~bookworm\n2.1.5-1~debian.12~bookworm\n");
  const r = host.run(prepareScript());
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    host.read("/etc/apt/sources.list.d/docker.list") ?? "",
    / https:\/\/download\.docker\.com\/linux\/debian bookworm stable$/m,
  );
  assert.ok(installed(host).includes("containerd.io 2.1.5-1~debian.12~bookworm"));
  assert.ok(
    host.calls().some((c) => /^apt-get .*-o Dpkg::Options::=--force-confold .*containerd\.io=/.test(c)),
    "an old conffile cannot stop dpkg at a prompt",
  );
});

test("prepare-node keeps an installed containerd that is supported, and only configures it", (t) => {
  const why = fakeHostUnavailable();
  if (why) return t.skip(why);
  const host = freshHost();
  host.setState("containerd-version", "1.7.24");
  host.setState("installed", "containerd 1.7.24-0ubuntu1~22.04.1\n");
  const r = host.run(prepareScript());
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!host.calls().some((c) => /^apt-get .*containerd/.test(c)), "no containerd package is installed");
  assert.equal(host.exists("/etc/apt/sources.list.d/docker.list"), false);
  assert.equal(config(host).get(RUNC_V2)?.get("SystemdCgroup"), "true");
  assert.equal(
    config(host).get("plugins.'io.containerd.grpc.v1.cri'")?.get("sandbox_image"),
    '"registry.k8s.io/pause:3.10"',
  );
});

test("prepare-node refuses to swap an unsupported containerd under a cluster member, naming both versions", (t) => {
  const why = fakeHostUnavailable();
  if (why) return t.skip(why);
  const host = freshHost();
  host.setState("containerd-version", "1.6.20~ds1");
  host.setState("installed", ["containerd 1.6.20~ds1-1+b1", "kubeadm 1.32.3-1.1"].join("\n") + "\n");
  host.write("/etc/kubernetes/kubelet.conf", "kubelet\n");
  const r = host.run(prepareScript());
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /runs containerd 1\.6\.20; Kubernetes 1\.32 needs one of 2\.1\.0 2\.0\.1 1\.7\.24/);
  assert.match(r.stderr, /remove the host from the stack/);
  assert.ok(!host.calls().some((c) => /^apt-get .* install /.test(c) && c.includes("containerd")), "nothing installed");
});

test("prepare-node refuses a repository key that is not Docker's", (t) => {
  const why = fakeHostUnavailable();
  if (why) return t.skip(why);
  const host = freshHost();
  host.setState("docker-key-fingerprint", "0".repeat(40));
  const r = host.run(prepareScript());
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /https:\/\/download\.docker\.com\/linux\/ubuntu\/gpg is not Docker's key 9DC8/);
  assert.equal(host.exists("/etc/apt/sources.list.d/docker.list"), false);
});

test("prepare-node run again on a prepared host changes nothing: no apt call that installs, no rewrite, no restart", (t) => {
  const why = fakeHostUnavailable();
  if (why) return t.skip(why);
  const host = freshHost();
  assert.equal(host.run(prepareScript()).status, 0);
  const before = host.calls().length;
  const configBefore = host.read("/etc/containerd/config.toml");
  const r = host.run(prepareScript());
  assert.equal(r.status, 0, r.stderr);
  const again = host.calls(before);
  for (const call of again) {
    assert.doesNotMatch(call, /^apt-get |^apt-mark .* hold |^systemctl restart |^gpg --dearmor/, call);
  }
  assert.equal(host.read("/etc/containerd/config.toml"), configBefore);
});

test("prepare-node, clock: reported when synchronised; a small offset warns; beyond 60 s it fails before anything is installed", (t) => {
  const why = fakeHostUnavailable();
  if (why) return t.skip(why);
  const synced = freshHost();
  const ok = synced.run(prepareScript());
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^clock: synchronised \(NTP\)$/m);

  const drifting = freshHost();
  drifting.setState("ntp-synchronized", "no\n");
  drifting.setState("http-date", new Date(Date.now() - 5_000).toUTCString());
  const warned = drifting.run(prepareScript());
  assert.equal(warned.status, 0, warned.stderr);
  assert.match(
    warned.stderr,
    /WARNING clock not synchronised \(NTPSynchronized=no\); [4-7] s off pkgs\.k8s\.io, within 60 s/,
  );

  const wrong = freshHost();
  wrong.setState("ntp-synchronized", "no\n");
  wrong.setState("http-date", new Date(Date.now() - 600_000).toUTCString());
  const failed = wrong.run(prepareScript());
  assert.notEqual(failed.status, 0);
  assert.match(
    failed.stderr,
    /the clock of .* is (59[89]|60[0-2]) s off \(pkgs\.k8s\.io Date header\) and not synchronised .*more than 60 s/,
  );
  assert.ok(!wrong.calls().some((c) => c.startsWith("apt-get ")), "checked before apt touches a repository");
});
