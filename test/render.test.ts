import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { allHosts } from "../core/config/types";
import { buildPlan, PlanStep } from "../core/plan/steps";
import { sudoWrap } from "../core/plan/sudo";
import { renderCli } from "../core/render/cli";
import { MARKER_FILE } from "../core/render/out-dir";
import { PLAN_FILE, renderPlan } from "../core/render/render-plan";
import { scheduleOf } from "../core/render/schedule";
import { SECRET_PLACEHOLDERS, SECRETS } from "../core/plan/placeholders";
import { buildSpec } from "../core/config/build-spec";
import { exampleWith, hosts, ROOT, stackConfig } from "./support/stack";
import { diffTrees, readTree } from "./support/tree";
import { tempDirs } from "./support/tools";

const spec = buildSpec(stackConfig("dev"));
const tree = renderPlan("dev", spec);
const tempDir = tempDirs("kubeadm-ha-render-");

/** Runs the CLI in this process; returns exit code and what it printed. */
function cli(args: string[]): { code: number; out: string; err: string } {
  let out = "";
  let err = "";
  const code = renderCli(args, { cwd: ROOT, out: (t) => { out += t; }, err: (t) => { err += t; } });
  return { code, out, err };
}

test("two renders of the dev stack are byte-identical trees, marker included", () => {
  const a = join(tempDir(), "a");
  const b = join(tempDir(), "b");
  assert.equal(cli(["--stack", "dev", "--out", a]).code, 0);
  assert.equal(cli(["--stack", "dev", "--out", b]).code, 0);
  const first = readTree(a);
  assert.deepEqual([...readTree(b)], [...first]);
  assert.deepEqual([...first.keys()].filter((p) => p !== MARKER_FILE), [...tree.keys()]);
  for (const [path, content] of tree) assert.equal(first.get(path), content, path);
  // Rendering again into the same folder gives the same tree.
  assert.equal(cli(["--stack", "dev", "--out", a]).code, 0);
  assert.deepEqual([...readTree(a)], [...first]);
});

test("every host has a folder whose first script is its SSH gate, and every step has its script", () => {
  const plan = buildPlan(spec);
  for (const h of allHosts(spec)) {
    const first = [...tree.keys()].filter((p) => p.startsWith(`${h.name}/`) && /^[^/]+\/\d+-/.test(p))[0];
    assert.equal(first, `${h.name}/01-wait-ssh.sh`, h.name);
    assert.equal(tree.get(first), plan.steps.find((s) => s.id === `${h.name}-wait-ssh`)?.script);
  }
  assert.equal(tree.get("cp1/06-kubeadm-init.sh"), plan.steps.find((s) => s.id === "cp1-kubeadm-init")?.script);
  assert.equal(tree.get("cp1/06-kubeadm-init.delete.sh"), plan.steps.find((s) => s.id === "cp1-kubeadm-init")?.deleteScript);
  // Steps about another node sit with the host they run on.
  assert.ok(tree.has("cp1/10-join-material-for-cp2.sh") && tree.has("cp1/12-await-node-for-cp2.sh"));
  assert.ok(tree.has("cp1/12-await-node-for-worker1.delete.sh"));
  assert.ok(![...tree.keys()].some((p) => p.startsWith("cp2/") && p.includes("join-material")));
  assert.ok(tree.has("lb1/files/etc/haproxy/haproxy.cfg") && tree.has("worker2/files/etc/kubernetes/kubeadm-ha/kubeadm-join.yaml"));
  const scripts = [...tree.keys()].filter((p) => /\/\d+-[^/]+\.sh$/.test(p) && !p.endsWith(".delete.sh"));
  assert.equal(scripts.length, plan.steps.length);
});

test("no secret is in the tree: placeholders stay, nothing shaped like a token, key or hash", () => {
  const all = [...tree.values()].join("\n");
  for (const placeholder of SECRET_PLACEHOLDERS) assert.ok(all.includes(placeholder), `${placeholder} is missing`);
  assert.match(tree.get("lb1/files/etc/keepalived/keepalived.conf") ?? "", new RegExp(`auth_pass ${SECRETS.keepalivedAuthPass.placeholder}\\n`));
  const init = tree.get("cp1/files/etc/kubernetes/kubeadm-ha/kubeadm-init.yaml") ?? "";
  assert.ok(init.includes(SECRETS.bootstrapToken.placeholder) && init.includes(SECRETS.certificateKey.placeholder));
  const join = tree.get("cp2/files/etc/kubernetes/kubeadm-ha/kubeadm-join.yaml") ?? "";
  for (const name of ["bootstrapToken", "caCertHash", "certificateKey"] as const) assert.ok(join.includes(SECRETS[name].placeholder), name);
  for (const [path, content] of tree) {
    assert.doesNotMatch(content, /\b[a-z0-9]{6}\.[a-z0-9]{16}\b/, `${path}: bootstrap-token-shaped value`);
    assert.doesNotMatch(content, /\b[a-f0-9]{64}\b/, `${path}: key- or hash-shaped value`);
    assert.ok(!content.includes("AAABAExampleCiphertext"), `${path}: the stack file's ciphertext`);
    assert.doesNotMatch(content, /BEGIN [A-Z ]*PRIVATE KEY/, path);
  }
  const planMd = tree.get(PLAN_FILE) ?? "";
  assert.match(planMd, /\| `cp2-kubeadm-join` \| cp2 \| cp2 \| .* \| `@BOOTSTRAP_TOKEN@`, `@CA_CERT_HASH@`, `@CERTIFICATE_KEY@` \|/);
});

test("installed files: a real path on the host; how a temporary kubeadm config lives is PLAN.md's note", () => {
  const md = tree.get(PLAN_FILE) ?? "";
  const note = "(mode 0600): written as a temporary file (config.XXXXXX), removed after use";
  assert.ok(md.includes(`| cp1 | \`/etc/kubernetes/kubeadm-ha/kubeadm-init.yaml\` ${note} |`));
  assert.ok(md.includes(`| worker1 | \`/etc/kubernetes/kubeadm-ha/kubeadm-join.yaml\` ${note} |`));
  assert.ok(md.includes("| lb1 | `/etc/haproxy/haproxy.cfg` | [`lb1/files/etc/haproxy/haproxy.cfg`]"));
  const plan = buildPlan(spec);
  const withProse = (s: PlanStep): PlanStep => ({ ...s, files: [{ path: "/etc/haproxy/haproxy.cfg (0644)", content: "x" }] });
  const prose = { steps: plan.steps.map((s) => (s.id === "lb1-load-balancer" ? withProse(s) : s)) };
  assert.throws(() => renderPlan("dev", spec, prose), /lb1-load-balancer: installed file path "\/etc\/haproxy\/haproxy\.cfg \(0644\)" is not a clean absolute path/);
});

test("PLAN.md: every step once, in waves that respect the waits, for-node of remote steps, the exact wrapper", () => {
  const plan = buildPlan(spec);
  const md = tree.get(PLAN_FILE) ?? "";
  const waveOfRow = new Map<string, number>();
  let wave = 0;
  for (const line of md.split("\n")) {
    const heading = /^### Wave (\d+)/.exec(line);
    if (heading) wave = Number(heading[1]);
    else if (line.startsWith("## ")) wave = 0;
    const row = /^\| `([^`]+)` \| (\S+) \| (\S+) \|/.exec(line);
    if (row && wave > 0 && plan.steps.some((s) => s.id === row[1])) {
      assert.ok(!waveOfRow.has(row[1]), `${row[1]} listed twice`);
      waveOfRow.set(row[1], wave);
      const step = plan.steps.find((s) => s.id === row[1]);
      assert.deepEqual([row[2], row[3]], [step?.runsOn, step?.host], row[1]);
    }
  }
  assert.equal(waveOfRow.size, plan.steps.length);
  for (const s of plan.steps) for (const dep of s.after) assert.ok((waveOfRow.get(dep) as number) < (waveOfRow.get(s.id) as number), `${s.id} after ${dep}`);
  assert.match(md, /\| `worker1-join-material` \| cp1 \| worker1 \|/);
  assert.match(md, /Critical path \(12 steps\): `cp1-wait-ssh` → .* → `cp1-verify`/);
  assert.ok(md.includes(sudoWrap("<contents of <host>/NN-<phase>.sh>", "<step id>")), "the sudo wrapper, exactly");
  assert.equal(md.split("KUBEADM_HA_SCRIPT").length - 1, 2, "the wrapper is shown once");
});

test("the critical path grows with control planes, never with workers", () => {
  const waves = (changes: Record<string, unknown>): number => scheduleOf(buildPlan(buildSpec(exampleWith(changes)))).waves.length;
  const base = waves({});
  assert.equal(waves({ workers: hosts("worker", 12, "192.168.1", 111) }), base);
  assert.equal(waves({ controlPlanes: hosts("cp", 5, "192.168.1", 101) }), base + 6);
});

test("adding a worker changes only PLAN.md, cp1's verify and its new steps, and adds the worker's folder", () => {
  const workers = [...spec.workers.map((w) => ({ name: w.name, address: w.address })), { name: "worker3", address: "192.168.1.113" }];
  const diff = diffTrees(tree, renderPlan("dev", buildSpec(exampleWith({ workers }))));
  // File names carry the phase, not a position: nothing is renamed, verify's node list changes.
  assert.deepEqual(diff.changed, [PLAN_FILE, "cp1/13-verify.sh"]);
  assert.deepEqual(diff.removed, []);
  assert.deepEqual(diff.added, [
    "cp1/10-join-material-for-worker3.delete.sh", "cp1/10-join-material-for-worker3.sh",
    "cp1/12-await-node-for-worker3.delete.sh", "cp1/12-await-node-for-worker3.sh",
    "worker3/01-wait-ssh.sh", "worker3/02-prepare-node.sh", "worker3/11-kubeadm-join.delete.sh", "worker3/11-kubeadm-join.sh",
    "worker3/files/etc/kubernetes/kubeadm-ha/kubeadm-join.yaml",
  ]);
});

test("a VRRP setting changes only the load balancers' scripts and configs (and PLAN.md)", () => {
  const diff = diffTrees(tree, renderPlan("dev", buildSpec(exampleWith({ vrrpAdvertInterval: 2 }))));
  assert.deepEqual([...diff.added, ...diff.removed], []);
  assert.deepEqual(diff.changed, [PLAN_FILE, "lb1/04-load-balancer.sh", "lb1/files/etc/keepalived/keepalived.conf", "lb2/04-load-balancer.sh", "lb2/files/etc/keepalived/keepalived.conf"]);
});

test("changing the Kubernetes version changes node prep, kubeadm configs and PLAN.md, not the LBs", () => {
  const diff = diffTrees(tree, renderPlan("dev", buildSpec(exampleWith({ kubernetesVersion: "1.33.1" }))));
  assert.deepEqual(diff.added, []);
  assert.deepEqual(diff.removed, []);
  assert.ok(!diff.changed.some((p) => p.startsWith("lb")), diff.changed.join(", "));
  for (const p of [PLAN_FILE, "cp2/02-prepare-node.sh", "cp1/06-kubeadm-init.sh", "cp1/files/etc/kubernetes/kubeadm-ha/kubeadm-init.yaml"]) {
    assert.ok(diff.changed.includes(p), p);
  }
});

/** An EC2 stack's config, as a parsed stack file gives it. */
const awsStack = (mode: "keepalived" | "nlb"): Record<string, unknown> => ({
  "aws:region": "eu-west-1",
  "kubeadm-ha:platform": "aws",
  "kubeadm-ha:sshPrivateKey": { secure: "AAABAExampleCiphertext" },
  "kubeadm-ha:sshPublicKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample demo",
  "kubeadm-ha:sshAllowedCidrs": ["203.0.113.0/24"],
  "kubeadm-ha:apiAllowedCidrs": ["203.0.113.0/24"],
  "kubeadm-ha:loadBalancerMode": mode,
  "kubeadm-ha:publicApi": true,
});

test("an EC2 stack renders too: values known after creation are explained placeholders", () => {
  const nlb = renderPlan("aws", buildSpec(awsStack("nlb")));
  assert.ok(![...nlb.keys()].some((p) => p.startsWith("lb")), "no LB hosts behind an NLB");
  assert.match(nlb.get(PLAN_FILE) ?? "", /- `@CONTROL_PLANE_HOST@`: DNS name of the Network Load Balancer/);
  const pair = renderPlan("aws", buildSpec(awsStack("keepalived")));
  assert.ok(pair.has("lb1/01-wait-ssh.sh") && pair.has("cp1/01-wait-ssh.sh"));
  assert.match(pair.get(PLAN_FILE) ?? "", /- `@PUBLIC_API_ADDRESS@`: Elastic IP/);
  assert.match(pair.get(PLAN_FILE) ?? "", /\| cp1 \| controlPlane \| the instance's public IP \|/);
});

/** Runs `tools/render.ts` in a child process, as `npm run render` does. */
function renderProcess(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "tools", "render.ts"), ...args], { cwd: ROOT, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("CLI process: renders the dev stack; a bad stack file exits 1 with every problem; a bad flag exits 2", () => {
  const out = join(tempDir(), "dev");
  const ok = renderProcess(["--stack", "dev", "--out", out]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /rendered stack dev: \d+ files for 7 hosts/);
  assert.deepEqual([...readTree(out)].filter(([p]) => p !== MARKER_FILE), [...tree]);

  const dir = tempDir();
  copyFileSync(join(ROOT, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
  const bad = { ...stackConfig("dev"), "kubeadm-ha:controlPlanes": hosts("cp", 2, "192.168.1", 101), "kubeadm-ha:cni": "cilium", vip: "10.0.0.1" };
  writeFileSync(join(dir, "Pulumi.bad.yaml"), stringify({ config: bad }));
  const badOut = join(dir, "out");
  const failed = renderProcess(["--stack", "bad", "--dir", dir, "--out", badOut]);
  assert.equal(failed.status, 1, failed.stderr);
  assert.match(failed.stderr, /invalid stack configuration \(3 problems\)/);
  for (const key of ["  - vip: is not a configuration key", "  - kubeadm-ha:controlPlanes: has 2 hosts", "  - kubeadm-ha:cni: \"cilium\""]) {
    assert.ok(failed.stderr.includes(key), `missing ${key} in:\n${failed.stderr}`);
  }
  assert.equal(existsSync(badOut), false, "nothing is written for a bad stack");

  const usage = renderProcess(["--stack", "dev", "--frobnicate"]);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /usage: npm run render -- --stack NAME/);
});

test("CLI: missing --stack or a stray argument is a usage error; --help is not", () => {
  for (const args of [[], ["--out", "/tmp/x"], ["--stack", "dev", "extra"], ["--stack"]]) {
    const r = cli(args);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.err, /usage:/);
  }
  const help = cli(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.out, /--stack NAME/);
  const missing = cli(["--stack", "nosuchstack", "--out", join(tempDir(), "x")]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /no stack file .*Pulumi\.nosuchstack\.yaml/);
});
