import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { allHosts } from "../core/config/types";
import { buildPlan, PHASES, PlanStep } from "../core/plan/steps";
import { sudoWrap } from "../core/plan/sudo";
import { renderCli } from "../core/render/cli";
import { MARKER_FILE } from "../core/render/out-dir";
import { PLAN_FILE, renderPlan } from "../core/render/render-plan";
import { scheduleOf } from "../core/render/schedule";
import {
  aboutMinutes,
  ALREADY_MEMBER_SECONDS,
  estimateBringUp,
  estimateOf,
  estimateWithParallel,
  longestChain,
  PARALLEL_SHOWN,
  PHASE_ESTIMATES,
  stepSeconds,
  UNKNOWN_PHASE,
} from "../core/render/estimates";
import { SECRETS } from "../core/plan/placeholders";
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
  const code = renderCli(args, {
    cwd: ROOT,
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
  });
  return { code, out, err };
}

test("two renders of the dev stack are byte-identical trees, marker included", () => {
  const a = join(tempDir(), "a");
  const b = join(tempDir(), "b");
  assert.equal(cli(["--stack", "dev", "--out", a]).code, 0);
  assert.equal(cli(["--stack", "dev", "--out", b]).code, 0);
  const first = readTree(a);
  assert.deepEqual([...readTree(b)], [...first]);
  assert.deepEqual(
    [...first.keys()].filter((p) => p !== MARKER_FILE),
    [...tree.keys()],
  );
  for (const [path, content] of tree) assert.equal(first.get(path), content, path);
  // Rendering again into the same folder gives the same tree.
  assert.equal(cli(["--stack", "dev", "--out", a]).code, 0);
  assert.deepEqual([...readTree(a)], [...first]);
});

test("every host has a folder whose first script is its SSH gate, and every step with a create has its script", () => {
  const plan = buildPlan(spec);
  for (const h of allHosts(spec)) {
    const first = [...tree.keys()].filter((p) => p.startsWith(`${h.name}/`) && /^[^/]+\/\d+-/.test(p))[0];
    // A load balancer's gate is a step of its own; a node's preparation opens with the same gate.
    const phase = h.role === "loadBalancer" ? "wait-ssh" : "prepare-node";
    assert.equal(first, `${h.name}/${phase === "wait-ssh" ? "01" : "02"}-${phase}.sh`, h.name);
    assert.equal(tree.get(first), plan.steps.find((s) => s.id === `${h.name}-${phase}`)?.script);
    assert.match(tree.get(first) ?? "", /^wait_for_first_boot$/m, h.name);
  }
  // A stack step sits with the admin host it runs on; kubeadm init has no delete script (the init node's join resets it).
  assert.equal(tree.get("cp1/06-kubeadm-init.sh"), plan.steps.find((s) => s.id === "kubeadm-init")?.script);
  assert.ok(!tree.has("cp1/06-kubeadm-init.delete.sh"));
  assert.equal(
    tree.get("cp1/12-kubeadm-join.delete.sh"),
    plan.steps.find((s) => s.id === "cp1-kubeadm-join")?.deleteScript,
  );
  // Steps about another node sit with the host they run on; the admin host's with the next control plane.
  assert.ok(tree.has("cp1/11-join-material-for-cp2.sh") && tree.has("cp2/11-join-material-for-cp1.sh"));
  // Removal steps run nothing on create: only their delete script is there.
  assert.ok(tree.has("cp1/16-drain-node-for-worker1.delete.sh") && !tree.has("cp1/16-drain-node-for-worker1.sh"));
  assert.ok(tree.has("cp1/17-delete-node-for-worker1.delete.sh") && tree.has("cp2/17-delete-node-for-cp1.delete.sh"));
  assert.ok(
    tree.has("lb1/files/etc/haproxy/haproxy.cfg") &&
      tree.has("worker2/files/etc/kubernetes/kubeadm-ha/kubeadm-join.yaml"),
  );
  const scripts = [...tree.keys()].filter((p) => /\/\d+-[^/]+\.sh$/.test(p) && !/\.(delete|update)\.sh$/.test(p));
  assert.equal(scripts.length, plan.steps.filter((s) => s.script !== undefined).length);
  // Upgrade steps run nothing on create: only their update script is there.
  assert.ok(tree.has("cp1/18-upgrade-apply.update.sh") && !tree.has("cp1/18-upgrade-apply.sh"));
  assert.ok(tree.has("cp2/19-upgrade-node.update.sh") && tree.has("worker1/19-upgrade-node.update.sh"));
});

test("no secret is in the tree: placeholders stay, nothing shaped like a token, key or hash", () => {
  const all = [...tree.values()].join("\n");
  // Every secret some step reads on stdin shows as its placeholder.
  const read = new Set(buildPlan(spec).steps.flatMap((s) => s.stdin));
  for (const name of read)
    assert.ok(all.includes(SECRETS[name].placeholder), `${SECRETS[name].placeholder} is missing`);
  assert.ok(read.has("bootstrapToken") && read.has("caCertHash") && read.has("certificateKey"));
  const init = tree.get("cp1/files/etc/kubernetes/kubeadm-ha/kubeadm-init.yaml") ?? "";
  assert.ok(init.includes(SECRETS.bootstrapToken.placeholder) && init.includes(SECRETS.certificateKey.placeholder));
  const join = tree.get("cp2/files/etc/kubernetes/kubeadm-ha/kubeadm-join.yaml") ?? "";
  for (const name of ["bootstrapToken", "caCertHash", "certificateKey"] as const)
    assert.ok(join.includes(SECRETS[name].placeholder), name);
  for (const [path, content] of tree) {
    assert.doesNotMatch(content, /\b[a-z0-9]{6}\.[a-z0-9]{16}\b/, `${path}: bootstrap-token-shaped value`);
    assert.doesNotMatch(content, /\b[a-f0-9]{64}\b/, `${path}: key- or hash-shaped value`);
    assert.ok(!content.includes("AAABAExampleCiphertext"), `${path}: the stack file's ciphertext`);
    assert.doesNotMatch(content, /BEGIN [A-Z ]*PRIVATE KEY/, path);
  }
  const planMd = tree.get(PLAN_FILE) ?? "";
  assert.match(
    planMd,
    /\| `cp2-kubeadm-join` \| cp2 \| cp2 \| .* \| `@BOOTSTRAP_TOKEN@`, `@CA_CERT_HASH@`, `@CERTIFICATE_KEY@` \|/,
  );
});

test("installed files: a real path on the host; how a temporary kubeadm config lives is PLAN.md's note", () => {
  const md = tree.get(PLAN_FILE) ?? "";
  const note = "(mode 0600): written as a temporary file (config.XXXXXX), removed after use";
  assert.ok(md.includes(`| cp1 | \`/etc/kubernetes/kubeadm-ha/kubeadm-init.yaml\` ${note} |`));
  assert.ok(md.includes(`| worker1 | \`/etc/kubernetes/kubeadm-ha/kubeadm-join.yaml\` ${note} |`));
  assert.ok(md.includes("| lb1 | `/etc/haproxy/haproxy.cfg` | [`lb1/files/etc/haproxy/haproxy.cfg`]"));
  const plan = buildPlan(spec);
  const withProse = (s: PlanStep): PlanStep => ({
    ...s,
    files: [{ path: "/etc/haproxy/haproxy.cfg (0644)", content: "x" }],
  });
  const prose = { steps: plan.steps.map((s) => (s.id === "lb1-load-balancer" ? withProse(s) : s)) };
  assert.throws(
    () => renderPlan("dev", spec, prose),
    /lb1-load-balancer: installed file path "\/etc\/haproxy\/haproxy\.cfg \(0644\)" is not a clean absolute path/,
  );
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
  // A removal step takes no time on create: what waits for it may share its wave.
  const removal = new Set(plan.steps.filter((s) => s.script === undefined).map((s) => s.id));
  for (const s of plan.steps) {
    for (const dep of s.after) {
      const [d, w] = [waveOfRow.get(dep) as number, waveOfRow.get(s.id) as number];
      assert.ok(removal.has(dep) ? d <= w : d < w, `${s.id} after ${dep}`);
    }
  }
  assert.match(
    md,
    /\| `worker1-drain-node` \| cp1 \| worker1 \| .* \| nothing on create, on delete \[`cp1\/16-drain-node-for-worker1\.delete\.sh`\]/,
  );
  assert.match(md, /\| `verify` \| cp1 \| cp1 \| .* \| then 5 plain line\(s\) of data \|/);
  const critical = /Critical path \((\d+) steps\): `[^`]+-wait-ssh` → .* → `verify`/.exec(md);
  assert.ok(critical, "the critical path, from a gate to verify");
  assert.equal(Number(critical[1]), scheduleOf(plan).waves.length);
  assert.match(md, /\| `kubeadm-init` \| — \| never: protected, Pulumi refuses to delete or replace it \| — \|/);
  assert.match(md, /- `@URN:join-token@`: the Pulumi URN of that step's Command/);
  assert.ok(md.includes(sudoWrap("<contents of <host>/NN-<phase>.sh>", "<step id>")), "the sudo wrapper, exactly");
  assert.equal(md.split("KUBEADM_HA_SCRIPT").length - 1, 2, "the wrapper is shown once");
});

test("the critical path grows with control planes, never with workers", () => {
  const waves = (changes: Record<string, unknown>): number =>
    scheduleOf(buildPlan(buildSpec(exampleWith(changes)))).waves.length;
  const base = waves({});
  assert.equal(waves({ workers: hosts("worker", 12, "192.168.1", 111) }), base);
  // Each control plane adds its certificate upload and its join, one after the other.
  assert.equal(waves({ controlPlanes: hosts("cp", 5, "192.168.1", 101) }), base + 4);
});

test("adding a worker changes only PLAN.md and adds its folder and its removal steps on cp1", () => {
  const workers = [
    ...spec.workers.map((w) => ({ name: w.name, address: w.address })),
    { name: "worker3", address: "192.168.1.113" },
  ];
  const diff = diffTrees(tree, renderPlan("dev", buildSpec(exampleWith({ workers }))));
  // File names carry the phase, not a position: nothing is renamed; verify's node list is its stdin, not its script.
  assert.deepEqual(diff.changed, [PLAN_FILE]);
  assert.deepEqual(diff.removed, []);
  assert.deepEqual(diff.added, [
    "cp1/16-drain-node-for-worker3.delete.sh",
    "cp1/17-delete-node-for-worker3.delete.sh",
    "worker3/02-prepare-node.sh",
    "worker3/12-kubeadm-join.delete.sh",
    "worker3/12-kubeadm-join.sh",
    "worker3/19-upgrade-node.update.sh",
    "worker3/files/etc/kubernetes/kubeadm-ha/kubeadm-join.yaml",
  ]);
});

test("a VRRP setting changes only the load balancers' scripts and configs (and PLAN.md)", () => {
  const diff = diffTrees(tree, renderPlan("dev", buildSpec(exampleWith({ vrrpAdvertInterval: 2 }))));
  assert.deepEqual([...diff.added, ...diff.removed], []);
  assert.deepEqual(diff.changed, [
    PLAN_FILE,
    "lb1/04-load-balancer.sh",
    "lb1/files/etc/keepalived/keepalived.conf",
    "lb2/04-load-balancer.sh",
    "lb2/files/etc/keepalived/keepalived.conf",
  ]);
});

test("changing the Kubernetes version changes node prep, the upgrade scripts and PLAN.md: no kubeadm config, init or join", () => {
  const diff = diffTrees(tree, renderPlan("dev", buildSpec(exampleWith({ kubernetesVersion: "1.33.1" }))));
  assert.deepEqual(diff.added, []);
  assert.deepEqual(diff.removed, []);
  assert.deepEqual(
    diff.changed.filter((p) => !/\/02-prepare-node\.sh$|\/\d+-upgrade-(apply|node)\.update\.sh$/.test(p)),
    [PLAN_FILE],
  );
  for (const p of ["cp2/02-prepare-node.sh", "cp1/18-upgrade-apply.update.sh", "worker1/19-upgrade-node.update.sh"])
    assert.ok(diff.changed.includes(p), p);
});

/** An EC2 stack's config, as a parsed stack file gives it. */
const awsStack = (mode: "keepalived" | "nlb"): Record<string, unknown> => ({
  "aws:region": "eu-west-1",
  "kubeadm-ha:platform": "aws",
  "kubeadm-ha:sshPrivateKey": { secure: "AAABAExampleCiphertext" },
  "kubeadm-ha:sshPublicKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGt1YmVhZG0taGEgZXhhbXBsZTogbm90IGEga2V5ISEh demo",
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
  assert.ok(pair.has("lb1/01-wait-ssh.sh") && pair.has("cp1/02-prepare-node.sh"));
  assert.match(pair.get(PLAN_FILE) ?? "", /- `@PUBLIC_API_ADDRESS@`: Elastic IP/);
  assert.match(pair.get(PLAN_FILE) ?? "", /\| cp1 \| controlPlane \| the instance's public IP \|/);
});

/** Runs `tools/render.ts` in a child process, as `npm run render` does. */
function renderProcess(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "tools", "render.ts"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("CLI process: renders the dev stack; a bad stack file exits 1 with every problem; a bad flag exits 2", () => {
  const out = join(tempDir(), "dev");
  const ok = renderProcess(["--stack", "dev", "--out", out]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /rendered stack dev: \d+ files for 7 hosts/);
  assert.deepEqual(
    [...readTree(out)].filter(([p]) => p !== MARKER_FILE),
    [...tree],
  );

  const dir = tempDir();
  copyFileSync(join(ROOT, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
  const bad = {
    ...stackConfig("dev"),
    "kubeadm-ha:controlPlanes": hosts("cp", 2, "192.168.1", 101),
    "kubeadm-ha:cni": "cilium",
    vip: "10.0.0.1",
  };
  writeFileSync(join(dir, "Pulumi.bad.yaml"), stringify({ config: bad }));
  const badOut = join(dir, "out");
  const failed = renderProcess(["--stack", "bad", "--dir", dir, "--out", badOut]);
  assert.equal(failed.status, 1, failed.stderr);
  assert.match(failed.stderr, /invalid stack configuration \(3 problems\)/);
  for (const key of [
    "  - vip: is not a configuration key",
    "  - kubeadm-ha:controlPlanes: has 2 hosts",
    '  - kubeadm-ha:cni: "cilium"',
  ]) {
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

/** A minimal plan step for the estimate tests. */
function estimateStep(
  id: string,
  host: string,
  phase: PlanStep["phase"],
  after: string[],
  script = "true\n",
): PlanStep {
  return {
    id,
    host,
    runsOn: host,
    scope: "host",
    phase,
    description: id,
    ...(script !== "" ? { script } : {}),
    stdin: [],
    after,
    secretStdout: false,
    replaceOn: [],
    deleteBeforeReplace: false,
    protect: false,
    waitForSsh: false,
    formerIds: [],
    files: [],
  };
}

test("estimates: every phase has a duration and the assumption behind it", () => {
  for (const phase of PHASES) {
    const e = PHASE_ESTIMATES[phase];
    assert.ok(e !== undefined, `no duration estimate for phase ${phase}: add it to core/render/estimates.ts`);
    assert.ok(e.seconds >= 0 && e.assumption.length > 20, phase);
  }
  assert.equal(estimateOf("no-such-phase"), UNKNOWN_PHASE);
});

test("estimates: the critical path is the chain with the most seconds, not the most steps; delete-only steps cost 0", () => {
  const plan = {
    steps: [
      // A node's preparation opens with its SSH gate; a load balancer's gate is a step of its own.
      estimateStep("cp1-prepare-node", "cp1", "prepare-node", []),
      estimateStep("lb1-wait-ssh", "lb1", "wait-ssh", []),
      estimateStep("lb1-load-balancer", "lb1", "load-balancer", ["lb1-wait-ssh"]),
      estimateStep("cp1-wait-vip", "cp1", "wait-vip", ["lb1-load-balancer"]),
      estimateStep("cp1-ca-cert-hash", "cp1", "ca-cert-hash", ["cp1-wait-vip"]),
      // Runs nothing on create: passes the wait on, costs nothing, is not listed.
      estimateStep("worker1-drain-node", "worker1", "drain-node", ["cp1-prepare-node"], ""),
      estimateStep("cp1-verify", "cp1", "verify", ["cp1-ca-cert-hash", "worker1-drain-node"]),
    ],
  };
  // By step count the load-balancer chain is the longer one (5 steps against 3), by time it is not.
  assert.deepEqual(scheduleOf(plan).criticalPath, [
    "lb1-wait-ssh",
    "lb1-load-balancer",
    "cp1-wait-vip",
    "cp1-ca-cert-hash",
    "cp1-verify",
  ]);
  const estimate = estimateBringUp(plan, spec);
  assert.deepEqual(estimate.criticalPath, ["cp1-prepare-node", "cp1-verify"]);
  assert.equal(estimate.totalSeconds, 10 + 180 + 60);
  assert.deepEqual(
    estimate.phases.map((p) => [p.phase, p.steps, p.onCriticalPath, p.criticalSeconds]),
    [
      ["prepare-node", 1, 1, 190],
      ["wait-ssh", 1, 0, 0],
      ["load-balancer", 1, 0, 0],
      ["wait-vip", 1, 0, 0],
      ["ca-cert-hash", 1, 0, 0],
      ["verify", 1, 1, 60],
    ],
  );
  assert.equal(aboutMinutes(estimate.totalSeconds), "about 4 minutes");
  assert.throws(() => longestChain([{ id: "a", after: ["b"], weight: 1 }]), /a waits for b, which is not in the graph/);
  assert.throws(
    () =>
      longestChain([
        { id: "a", after: ["b"], weight: 1 },
        { id: "b", after: ["a"], weight: 1 },
      ]),
    /cycle/,
  );
});

test("estimates: a join takes longer on a control plane than on a worker, the init node's is a check; EC2 waits for first boot", () => {
  const roles = new Map(allHosts(spec).map((h) => [h.name, h.role]));
  const join = (host: string, members = new Set<string>()): number =>
    stepSeconds(estimateStep(`${host}-kubeadm-join`, host, "kubeadm-join", []), spec, roles, members);
  assert.ok(join("cp2") > join("worker1"), `${join("cp2")} > ${join("worker1")}`);
  assert.equal(join("cp1", new Set(["cp1"])), ALREADY_MEMBER_SECONDS);
  // In a whole plan, the host kubeadm init runs on (it has a join step too) is that member.
  const joins = estimateBringUp(buildPlan(spec), spec).phases.find((p) => p.phase === "kubeadm-join");
  assert.deepEqual(joins?.secondsEach, [ALREADY_MEMBER_SECONDS, join("worker1"), join("cp2")]);
  const gate = estimateStep("cp1-wait-ssh", "cp1", "wait-ssh", []);
  const aws = buildSpec(stackConfig("aws-example"));
  assert.ok(stepSeconds(gate, aws, roles) > stepSeconds(gate, spec, roles));
});

test("PLAN.md: the duration estimate, per phase and summed along the critical path", () => {
  const md = tree.get(PLAN_FILE) ?? "";
  const estimate = estimateBringUp(buildPlan(spec), spec);
  const about = aboutMinutes(estimate.totalSeconds);
  assert.match(md, new RegExp(`^\\| Bring-up \\| ${about}, estimated`, "m"));
  const section = md.slice(md.indexOf("## Duration estimate"), md.indexOf("## Order"));
  assert.ok(section.includes("Estimates, not measurements"), section);
  assert.ok(
    section.includes(`**${about}**`) && section.includes(estimate.criticalPath.map((id) => `\`${id}\``).join(" → ")),
  );
  for (const p of estimate.phases) {
    assert.ok(section.includes(`| \`${p.phase}\` | ${p.steps} |`), `row of ${p.phase}`);
    assert.ok(section.includes(p.estimate.assumption), `assumption of ${p.phase}`);
  }
});

test("estimates: the bring-up estimate is flat in workers and grows with control planes", () => {
  const total = (changes: Record<string, unknown>): number => {
    const s = buildSpec(exampleWith(changes));
    return estimateBringUp(buildPlan(s), s).totalSeconds;
  };
  const base = total({});
  assert.equal(total({ workers: hosts("worker", 50, "192.168.1", 120) }), base);
  assert.ok(total({ controlPlanes: hosts("cp", 5, "192.168.1", 101) }) > base);
});

test("estimates: with `--parallel P`, steps wait for a free slot; unbounded, the critical path is the bound", () => {
  const prepares = ["cp1", "cp2", "cp3", "worker1"].map((h) =>
    estimateStep(`${h}-prepare-node`, h, "prepare-node", []),
  );
  const plan = {
    steps: [
      ...prepares,
      estimateStep(
        "cp1-verify",
        "cp1",
        "verify",
        prepares.map((s) => s.id),
      ),
    ],
  };
  assert.deepEqual(
    [1, 2, 3, 4, 1000].map((p) => estimateWithParallel(plan, spec, p)),
    [4 * 190 + 60, 2 * 190 + 60, 2 * 190 + 60, 190 + 60, 190 + 60],
  );
  assert.equal(estimateWithParallel(plan, spec, 1000), estimateBringUp(plan, spec).totalSeconds);
  // The dev stack's PLAN.md shows the same figures.
  const md = tree.get(PLAN_FILE) ?? "";
  const dev = buildPlan(spec);
  const cells = PARALLEL_SHOWN.map((p) => aboutMinutes(estimateWithParallel(dev, spec, p))).join(" | ");
  assert.ok(md.includes(`| bring-up | ${cells} |`), cells);
});
