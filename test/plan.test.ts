import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildPlan, Plan, PlanStep } from "../core/plan/steps";
import { sudoWrap } from "../core/plan/sudo";
import { buildSpec } from "../core/config/build-spec";
import { exampleWith, hosts, stackConfig } from "./support/stack";
import { check, missingTool } from "./support/tools";

const plan = buildPlan(buildSpec(stackConfig("dev")));
const byId = new Map(plan.steps.map((s) => [s.id, s]));

/** Every step that must finish before `id` (transitively). */
function ancestors(p: Plan, id: string): Set<string> {
  const index = new Map(p.steps.map((s) => [s.id, s]));
  const seen = new Set<string>();
  const stack = [...(index.get(id)?.after ?? [])];
  while (stack.length > 0) {
    const next = stack.pop() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(index.get(next)?.after ?? []));
  }
  return seen;
}

test("step ids are unique, and every step comes after the steps it waits for", () => {
  assert.equal(byId.size, plan.steps.length);
  plan.steps.forEach((s, i) => {
    for (const dep of s.after) {
      const at = plan.steps.findIndex((o) => o.id === dep);
      assert.ok(at >= 0 && at < i, `${s.id} waits for ${dep}, which is not earlier in the plan`);
    }
  });
});

test("the bring-up order: gates, prep and LBs in parallel; init after the VIP; joins after init", () => {
  assert.deepEqual(byId.get("cp1-kubeadm-init")?.after, ["cp1-wait-vip"]);
  const vip = ancestors(plan, "cp1-wait-vip");
  assert.ok(vip.has("lb1-load-balancer") && vip.has("lb2-load-balancer") && vip.has("cp1-prepare-node"));
  assert.ok(!ancestors(plan, "cp1-prepare-node").has("lb1-load-balancer"), "node prep does not wait for the LBs");
  for (const node of ["cp2", "cp3", "worker1", "worker2"]) {
    const before = ancestors(plan, `${node}-kubeadm-join`);
    assert.ok(before.has("cp1-kubeadm-init") && before.has(`${node}-prepare-node`) && before.has(`${node}-join-material`), node);
  }
});

test("control planes join one at a time: cp3 waits until cp2 has registered", () => {
  const cp3 = ancestors(plan, "cp3-kubeadm-join");
  assert.ok(cp3.has("cp2-kubeadm-join") && cp3.has("cp2-await-node"));
  assert.ok(!ancestors(plan, "cp2-kubeadm-join").has("cp3-kubeadm-join"));
});

test("workers join in parallel: no worker waits for another worker or for the joining control planes", () => {
  for (const w of ["worker1", "worker2"]) {
    const before = [...ancestors(plan, `${w}-await-node`)];
    const other = w === "worker1" ? "worker2" : "worker1";
    assert.ok(!before.some((id) => id.startsWith(`${other}-`)), `${w} waits for ${other}`);
    assert.ok(!before.some((id) => id.startsWith("cp2-") || id.startsWith("cp3-")), `${w} waits for a joining control plane`);
  }
});

test("verify runs last, after the CNI and every node", () => {
  const verify = plan.steps[plan.steps.length - 1];
  assert.equal(verify.id, "cp1-verify");
  const before = ancestors(plan, verify.id);
  for (const id of ["cp1-cni", "cp2-await-node", "cp3-await-node", "worker1-await-node", "worker2-await-node"]) assert.ok(before.has(id), id);
});

test("the critical path grows with control planes, not with workers", () => {
  const depth = (p: Plan): number => {
    const memo = new Map<string, number>();
    const d = (s: PlanStep): number => memo.get(s.id) ?? (memo.set(s.id, 1 + Math.max(0, ...s.after.map((a) => d(p.steps.find((o) => o.id === a) as PlanStep)))), memo.get(s.id) as number);
    return Math.max(...p.steps.map(d));
  };
  const w2 = depth(buildPlan(buildSpec(exampleWith({ workers: hosts("w", 2, "192.168.1", 111) }))));
  const w50 = depth(buildPlan(buildSpec(exampleWith({ workers: hosts("w", 50, "192.168.1", 111) }))));
  const cp5 = depth(buildPlan(buildSpec(exampleWith({ controlPlanes: hosts("cp", 5, "192.168.1", 101) }))));
  assert.equal(w50, w2);
  assert.ok(cp5 > w2);
});

test("secrets reach scripts only on stdin; stdout of the hash and kubeconfig steps is secret", () => {
  assert.deepEqual(byId.get("cp1-kubeadm-init")?.stdin, ["bootstrapToken", "certificateKey"]);
  assert.deepEqual(byId.get("cp2-kubeadm-join")?.stdin, ["bootstrapToken", "caCertHash", "certificateKey"]);
  assert.deepEqual(byId.get("worker1-kubeadm-join")?.stdin, ["bootstrapToken", "caCertHash"]);
  assert.deepEqual(byId.get("lb1-load-balancer")?.stdin, ["keepalivedAuthPass"]);
  assert.deepEqual(plan.steps.filter((s) => s.secretStdout).map((s) => s.id), ["cp1-ca-cert-hash", "cp1-admin-kubeconfig"]);
  for (const s of plan.steps) {
    assert.doesNotMatch(s.script, /set -x|--token[= ]|--certificate-key[= ]|--discovery-token-ca-cert-hash|unsafe-skip/, s.id);
  }
});

test("join and drain steps for a node run on the first control plane; removal drains, resets, then deletes the Node", () => {
  const material = byId.get("worker1-join-material") as PlanStep;
  const join = byId.get("worker1-kubeadm-join") as PlanStep;
  const registered = byId.get("worker1-await-node") as PlanStep;
  assert.equal(material.runsOn, "cp1");
  assert.equal(join.runsOn, "worker1");
  assert.equal(registered.runsOn, "cp1");
  // Pulumi deletes dependents first: await-node (drain), then join (reset), then join-material (delete Node).
  assert.ok(registered.after.includes(join.id) && join.after.includes(material.id));
  assert.match(registered.deleteScript ?? "", /kubectl drain "\$NODE_NAME"/);
  assert.match(join.deleteScript ?? "", /kubeadm reset -f/);
  assert.match(material.deleteScript ?? "", /kubectl delete node "\$NODE_NAME"/);
  assert.ok(join.deleteBeforeReplace && byId.get("cp1-kubeadm-init")?.deleteBeforeReplace);
});

test("a node added later gets fresh join material: token refreshed, and certs re-uploaded for control planes", () => {
  assert.match(byId.get("cp2-join-material")?.script ?? "", /kubeadm init phase upload-certs --upload-certs --config/);
  assert.doesNotMatch(byId.get("worker1-join-material")?.script ?? "", /upload-certs/);
  for (const id of ["cp2-join-material", "worker1-join-material"]) {
    assert.match(byId.get(id)?.script ?? "", /kubectl apply -f "\$SECRET_FILE"/);
    assert.match(byId.get(id)?.script ?? "", /^refresh_bootstrap_token$/m);
  }
});

test("removing a host from the middle renames and changes no other step", () => {
  const full = buildPlan(buildSpec(exampleWith({ workers: hosts("w", 3, "192.168.1", 111) })));
  const without = buildPlan(buildSpec(exampleWith({ workers: [hosts("w", 3, "192.168.1", 111)[0], hosts("w", 3, "192.168.1", 111)[2]] })));
  const after = new Map(without.steps.map((s) => [s.id, s]));
  for (const s of full.steps) {
    if (s.host === "w2" || s.phase === "verify") continue;
    assert.deepEqual(after.get(s.id), s, `${s.id} changed`);
  }
  assert.ok(!without.steps.some((s) => s.host === "w2"));
});

test("sudoWrap keeps the script readable and stdin free for secrets", () => {
  const wrapped = sudoWrap("#!/usr/bin/env bash\nset -euo pipefail\necho hi\n", "x-step");
  assert.equal(wrapped, `sudo -n bash -c "$(cat <<'KUBEADM_HA_SCRIPT'\n#!/usr/bin/env bash\nset -euo pipefail\necho hi\nKUBEADM_HA_SCRIPT\n)" x-step\n`);
  assert.throws(() => sudoWrap("a\nKUBEADM_HA_SCRIPT\nb", "bad"), /heredoc delimiter/);
});

test("every rendered script, for 1/3/5 control planes and 0/2/50 workers and both AWS modes, passes bash -n and shellcheck", (t) => {
  const why = missingTool("shellcheck");
  if (why) return t.skip(why);
  const dir = mkdtempSync(join(tmpdir(), "kubeadm-ha-scripts-"));
  const unique = new Map<string, string>();
  for (const cps of [1, 3, 5]) {
    for (const workers of [0, 2, 50]) {
      const lbs = cps === 1 ? hosts("lb", 1, "192.168.1", 98) : hosts("lb", 2, "192.168.1", 98);
      const p = buildPlan(buildSpec(exampleWith({ controlPlanes: hosts("cp", cps, "192.168.1", 101), workers: hosts("w", workers, "192.168.2", 1), loadBalancers: lbs, vip: "192.168.1.100" })));
      for (const s of p.steps) {
        for (const [kind, text] of [["create", s.script], ["delete", s.deleteScript], ["wrapped", sudoWrap(s.script, s.id)]] as const) {
          if (text && !unique.has(text)) unique.set(text, `${cps}cp-${workers}w-${s.id}-${kind}.sh`);
        }
      }
    }
  }
  for (const mode of ["keepalived", "nlb"]) {
    const awsPlan = buildPlan(buildSpec({ ...stackConfig("aws-example"), "kubeadm-ha:loadBalancerMode": mode, "kubeadm-ha:cni": "calico" }));
    for (const s of awsPlan.steps) {
      for (const [kind, text] of [["create", s.script], ["delete", s.deleteScript], ...s.files.filter((f) => f.path.endsWith(".sh")).map((f) => ["file", f.content] as const)] as const) {
        if (text && !unique.has(text)) unique.set(text, `aws-${mode}-${s.id}-${kind}-${unique.size}.sh`);
      }
    }
  }
  const files = [...unique.entries()].map(([text, name]) => {
    const path = join(dir, name);
    writeFileSync(path, name.endsWith("-wrapped.sh") ? `#!/bin/sh\n${text}` : text);
    return path;
  });
  for (const f of files) {
    const r = check("bash", ["-n", f]);
    assert.equal(r.status, 0, `${f}: ${r.output}`);
  }
  const sc = check("shellcheck", ["--severity=style", ...files]);
  assert.equal(sc.status, 0, sc.output.slice(0, 4000));
  assert.ok(files.length > 30, `checked ${files.length} distinct scripts`);
});
