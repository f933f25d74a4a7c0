import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REMOVAL_LANES } from "../core/plan/phases/removal";
import { buildPlan, Plan, PlanStep } from "../core/plan/steps";
import { sudoWrap } from "../core/plan/sudo";
import { stepScript } from "../core/plan/template";
import { buildSpec } from "../core/config/build-spec";
import { exampleWith, hosts, stackConfig } from "./support/stack";
import { check, missingTool } from "./support/tools";

const plan = buildPlan(buildSpec(stackConfig("dev")));
const byId = new Map(plan.steps.map((s) => [s.id, s]));
const get = (p: Plan, id: string): PlanStep => {
  const s = p.steps.find((x) => x.id === id);
  assert.ok(s, `no step ${id}`);
  return s;
};

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

/** `count` hosts `<prefix>1..count` in 172.16.0.0/12 from block `block`, 250 a /24. */
function many(prefix: string, count: number, block: number, long = false): { name: string; address: string }[] {
  return Array.from({ length: count }, (_, i) => ({
    name: long ? `${prefix}${i + 1}-`.padEnd(63, "x") : `${prefix}${i + 1}`,
    address: `172.${16 + Math.floor((block + Math.floor(i / 250)) / 256)}.${(block + Math.floor(i / 250)) % 256}.${1 + (i % 250)}`,
  }));
}
/** The dev stack with `cps` control planes and `workers` generated workers (a pod network with room for them). */
const sized = (cps: number, workers: number, long = false): Plan =>
  buildPlan(
    buildSpec(
      exampleWith({
        controlPlanes: hosts("cp", cps, "192.168.1", 101),
        workers: many("w", workers, 0, long),
        podNetworkCidr: "10.128.0.0/12",
      }),
    ),
  );

test("step ids are unique, and every step comes after the steps it waits for", () => {
  assert.equal(byId.size, plan.steps.length);
  plan.steps.forEach((s, i) => {
    for (const dep of s.after) {
      const at = plan.steps.findIndex((o) => o.id === dep);
      assert.ok(at >= 0 && at < i, `${s.id} waits for ${dep}, which is not earlier in the plan`);
    }
  });
});

test("stack steps are named by their phase alone and run on the admin host, the first control plane", () => {
  const stack = plan.steps.filter((s) => s.scope === "stack").map((s) => s.id);
  assert.deepEqual(stack, [
    "wait-vip",
    "kubeadm-init",
    "ca-cert-hash",
    "admin-kubeconfig",
    "cni",
    "upgrade-apply",
    "join-token",
    "verify",
  ]);
  for (const id of stack) assert.equal(get(plan, id).runsOn, "cp1", id);
  const reordered = buildPlan(
    buildSpec(
      exampleWith({
        controlPlanes: [
          hosts("cp", 3, "192.168.1", 101)[1],
          hosts("cp", 3, "192.168.1", 101)[0],
          hosts("cp", 3, "192.168.1", 101)[2],
        ],
      }),
    ),
  );
  for (const id of stack) assert.equal(get(reordered, id).runsOn, "cp2", id);
});

test("kubeadm init is protected, has no delete script and no triggers; every control plane, the init node too, has its own join", () => {
  const init = get(plan, "kubeadm-init");
  assert.equal(init.protect, true);
  assert.equal(init.deleteScript, undefined);
  assert.deepEqual(init.replaceOn, []);
  assert.deepEqual(
    plan.steps.filter((s) => s.protect).map((s) => s.id),
    ["kubeadm-init"],
  );
  for (const node of ["cp1", "cp2", "cp3", "worker1", "worker2"]) {
    const join = get(plan, `${node}-kubeadm-join`);
    assert.equal(join.runsOn, node);
    assert.match(join.deleteScript ?? "", /kubeadm reset -f/, `${node}: its own join resets it`);
    assert.equal(join.deleteBeforeReplace, true);
    assert.equal(join.dialAttempts, 4, `${node}: a host gone for good fails its removal in about a minute`);
  }
  // No stack step ever resets a node: none has a delete script.
  assert.deepEqual(
    plan.steps.filter((s) => s.scope === "stack" && s.deleteScript !== undefined).map((s) => s.id),
    [],
  );
});

test("the bring-up order: gates, prep and LBs in parallel; init after the VIP; one token refresh; joins after init", () => {
  assert.deepEqual(get(plan, "kubeadm-init").after, ["wait-vip"]);
  const vip = ancestors(plan, "wait-vip");
  assert.ok(vip.has("lb1-load-balancer") && vip.has("lb2-load-balancer") && vip.has("cp1-prepare-node"));
  assert.ok(!ancestors(plan, "cp1-prepare-node").has("lb1-load-balancer"), "node prep does not wait for the LBs");
  assert.equal(plan.steps.filter((s) => s.phase === "join-token").length, 1);
  for (const node of ["cp1", "cp2", "cp3", "worker1", "worker2"]) {
    const before = ancestors(plan, `${node}-kubeadm-join`);
    for (const id of ["kubeadm-init", `${node}-prepare-node`, "join-token", "ca-cert-hash"])
      assert.ok(before.has(id), `${node} after ${id}`);
  }
  for (const cp of ["cp1", "cp2", "cp3"])
    assert.ok(get(plan, `${cp}-kubeadm-join`).after.includes(`${cp}-join-material`), cp);
});

test("control planes join one at a time, the admin host last (its certificates come from the one before it)", () => {
  assert.deepEqual(get(plan, "cp2-join-material").after, ["kubeadm-init"]);
  assert.deepEqual(get(plan, "cp3-join-material").after, ["cp2-kubeadm-join"]);
  assert.deepEqual(get(plan, "cp1-join-material").after, ["cp3-kubeadm-join"]);
  assert.deepEqual(
    ["cp2", "cp3", "cp1"].map((cp) => get(plan, `${cp}-join-material`).runsOn),
    ["cp1", "cp1", "cp2"],
  );
  assert.ok(!ancestors(plan, "cp2-kubeadm-join").has("cp3-kubeadm-join"));
});

test("workers join in parallel: no worker waits for another worker or for a joining control plane", () => {
  for (const w of ["worker1", "worker2"]) {
    const before = [...ancestors(plan, `${w}-kubeadm-join`)].filter((id) => get(plan, id).script !== undefined);
    const other = w === "worker1" ? "worker2" : "worker1";
    assert.ok(!before.some((id) => id.startsWith(`${other}-`)), `${w} waits for ${other}`);
    assert.ok(
      !before.some((id) => /^cp[23]-/.test(id) && !id.endsWith("-prepare-node") && !id.endsWith("-wait-ssh")),
      `${w} waits for a joining control plane`,
    );
  }
});

test("verify comes after the CNI and every join; its node names travel on stdin, not in the command", () => {
  const before = ancestors(plan, "verify");
  for (const id of [
    "cni",
    "cp1-kubeadm-join",
    "cp2-kubeadm-join",
    "cp3-kubeadm-join",
    "worker1-kubeadm-join",
    "worker2-kubeadm-join",
  ])
    assert.ok(before.has(id), id);
  const verify = get(plan, "verify");
  assert.equal(verify.stdinData, "cp1\ncp2\ncp3\nworker1\nworker2\n");
  assert.doesNotMatch(verify.script ?? "", /worker2/);
});

test("the critical path grows with control planes, not with workers", () => {
  const depth = (p: Plan): number => {
    const memo = new Map<string, number>();
    const index = new Map(p.steps.map((s) => [s.id, s]));
    const d = (s: PlanStep): number => {
      const known = memo.get(s.id);
      if (known !== undefined) return known;
      const value = (s.script !== undefined ? 1 : 0) + Math.max(0, ...s.after.map((a) => d(index.get(a) as PlanStep)));
      memo.set(s.id, value);
      return value;
    };
    return Math.max(...p.steps.map(d));
  };
  assert.equal(depth(sized(3, 2000)), depth(sized(3, 2)));
  assert.ok(depth(sized(5, 2)) > depth(sized(3, 2)));
});

test("busiest host: bring-up commands stay flat in workers, removal steps run nothing on create", () => {
  const busiest = (p: Plan): number => {
    const per = new Map<string, number>();
    for (const s of p.steps) if (s.script !== undefined) per.set(s.runsOn, (per.get(s.runsOn) ?? 0) + 1);
    return Math.max(...per.values());
  };
  const small = busiest(sized(3, 2));
  assert.equal(busiest(sized(3, 500)), small);
  assert.ok(busiest(sized(7, 500)) <= 20, `7+500: ${busiest(sized(7, 500))}`);
  const removal = sized(3, 500).steps.filter((s) => s.phase === "drain-node" || s.phase === "delete-node");
  assert.equal(removal.length, 2 * 503);
  assert.ok(removal.every((s) => s.script === undefined && s.deleteScript !== undefined && s.stdin.length === 0));
});

test("no command approaches the 128 KiB limit of one argument, at 3+2000 with 63-character names", () => {
  const p = sized(3, 2000, true);
  let largest = 0;
  for (const s of p.steps)
    for (const text of [s.script, s.updateScript, s.deleteScript])
      if (text) largest = Math.max(largest, Buffer.byteLength(sudoWrap(text, s.id)));
  assert.ok(largest < 32 * 1024, `largest command: ${largest} bytes`);
  assert.equal(get(p, "verify").stdinData?.split("\n").length, 2003 + 1);
});

test("removal: drain first, then the node's own reset, then forget; on a control plane that stays", () => {
  const drain = get(plan, "worker1-drain-node");
  const join = get(plan, "worker1-kubeadm-join");
  const forget = get(plan, "worker1-delete-node");
  assert.deepEqual([drain.runsOn, join.runsOn, forget.runsOn], ["cp1", "worker1", "cp1"]);
  // Pulumi deletes dependents first: the drain (waits for the join), the join, then forget (the join waits for it).
  assert.ok(drain.after.includes(join.id) && join.after.includes(forget.id));
  assert.match(drain.deleteScript ?? "", /kubectl drain "\$NODE_NAME"/);
  assert.match(forget.deleteScript ?? "", /kubectl delete node "\$NODE_NAME"/);
  // A control plane: the member goes through another member, matched by peer URL.
  assert.match(get(plan, "cp2-drain-node").deleteScript ?? "", /PEER_URL='https:\/\/192\.168\.1\.102:2380'/);
  assert.match(
    get(plan, "cp2-drain-node").deleteScript ?? "",
    /etcd_remove_member "\$PEER_URL" "etcd-\$\{NODE_NAME\}"/,
  );
  // The admin host's removal runs on the next control plane, and waits for that one's join, so it goes first.
  assert.equal(get(plan, "cp1-drain-node").runsOn, "cp2");
  assert.ok(get(plan, "cp1-drain-node").after.includes("cp2-kubeadm-join"));
  assert.ok(
    get(plan, "cp2-kubeadm-join").after.includes("cp1-delete-node"),
    "cp2 is reset only after cp1's forget ran on it",
  );
  assert.ok(
    get(plan, "cp1-kubeadm-join").after.includes("worker2-delete-node"),
    "cp1 is reset only after the forgets it runs",
  );
});

test("removal of many workers is bounded on the admin host: drains and forgets run in lanes", () => {
  const p = sized(3, 12);
  const lane = (phase: string, n: number): string[] => get(p, `w${n}-${phase}`).after.filter((a) => a.endsWith(phase));
  for (const phase of ["drain-node", "delete-node"]) {
    assert.deepEqual(lane(phase, 1), []);
    assert.deepEqual(lane(phase, REMOVAL_LANES), []);
    assert.deepEqual(lane(phase, REMOVAL_LANES + 1), [`w1-${phase}`]);
    assert.deepEqual(lane(phase, 12), [`w${12 - REMOVAL_LANES}-${phase}`]);
  }
  // Control planes leave one at a time, in list order.
  assert.ok(get(p, "cp3-drain-node").after.includes("cp2-drain-node"));
});

test("earlier names are kept as aliases, so an upgrade never runs an old delete script on a node that stays", () => {
  const former = new Map(plan.steps.flatMap((s) => s.formerIds.map((f) => [f, s.id] as const)));
  // The resources of the previous layout whose delete script reset, drained or deleted a node.
  for (const [old, now] of [
    ["cp1-kubeadm-init", "kubeadm-init"],
    ["cp2-await-node", "cp2-drain-node"],
    ["worker1-await-node", "worker1-drain-node"],
    ["worker1-join-material", "worker1-delete-node"],
    ["cp1-verify", "verify"],
    ["cp1-ca-cert-hash", "ca-cert-hash"],
    ["cp1-cni", "cni"],
  ]) {
    assert.equal(former.get(old), now, old);
  }
  // Still under their own name: a node's join, a control plane's join material.
  for (const id of ["cp2-kubeadm-join", "worker2-kubeadm-join", "cp3-join-material"]) assert.ok(byId.has(id), id);
});

test("join material: certificates for control planes only, one token refresh for the wave, each join's stale-material hint", () => {
  assert.match(get(plan, "cp2-join-material").script ?? "", /kubeadm init phase upload-certs --upload-certs --config/);
  assert.deepEqual(get(plan, "cp2-join-material").stdin, ["certificateKey"]);
  // A re-join (new address) updates it, so it uploads again; never replaced (an older version's delete script deleted the Node).
  assert.deepEqual(get(plan, "cp2-join-material").replaceOn, []);
  assert.match(get(plan, "cp2-join-material").script ?? "", /^NODE_ADDRESS='192\.168\.1\.102'$/m);
  assert.ok(!byId.has("worker1-join-material"));
  assert.match(get(plan, "join-token").script ?? "", /^refresh_bootstrap_token$/m);
  assert.deepEqual(get(plan, "join-token").replaceOn, [
    "cp1=192.168.1.101",
    "cp2=192.168.1.102",
    "cp3=192.168.1.103",
    "worker1=192.168.1.111",
    "worker2=192.168.1.112",
  ]);
  assert.match(
    get(plan, "cp2-kubeadm-join").script ?? "",
    /TOKEN_URN='@URN:join-token@'\nMATERIAL_URN='@URN:cp2-join-material@'/,
  );
  assert.match(get(plan, "worker1-kubeadm-join").script ?? "", /MATERIAL_URN='none'/);
});

test("secrets reach scripts only on stdin; stdout of the hash and kubeconfig steps is secret", () => {
  assert.deepEqual(get(plan, "kubeadm-init").stdin, ["bootstrapToken", "certificateKey"]);
  assert.deepEqual(get(plan, "cp2-kubeadm-join").stdin, ["bootstrapToken", "caCertHash", "certificateKey"]);
  assert.deepEqual(get(plan, "worker1-kubeadm-join").stdin, ["bootstrapToken", "caCertHash"]);
  assert.deepEqual(
    plan.steps.filter((s) => s.secretStdout).map((s) => s.id),
    ["ca-cert-hash", "admin-kubeconfig"],
  );
  for (const s of plan.steps) {
    for (const text of [s.script, s.updateScript, s.deleteScript]) {
      assert.doesNotMatch(
        text ?? "",
        /set -x|--token[= ]|--certificate-key[= ]|--discovery-token-ca-cert-hash|unsafe-skip/,
        s.id,
      );
    }
  }
});

test("removing a host from the middle renames nothing and changes only the token's triggers, verify's names and the admin's waits", () => {
  const three = hosts("w", 3, "192.168.1", 111);
  const full = buildPlan(buildSpec(exampleWith({ workers: three })));
  const without = buildPlan(buildSpec(exampleWith({ workers: [three[0], three[2]] })));
  const after = new Map(without.steps.map((s) => [s.id, s]));
  for (const s of full.steps) {
    if (s.host === "w2" || s.id === "join-token" || s.id === "verify") continue;
    if (s.id === "cp1-kubeadm-join") {
      assert.deepEqual(
        after.get(s.id)?.after,
        s.after.filter((a) => a !== "w2-delete-node"),
        s.id,
      );
      continue;
    }
    // The upgrade waits for every node's preparation; w3's upgrade now follows w1's (its lane): waits only, no script.
    if (s.id === "upgrade-apply" || s.id === "w3-upgrade-node") {
      assert.deepEqual({ ...after.get(s.id), after: [] }, { ...s, after: [] }, `${s.id} changed beyond its waits`);
      continue;
    }
    assert.deepEqual(after.get(s.id), s, `${s.id} changed`);
  }
  assert.ok(!without.steps.some((s) => s.host === "w2"));
});

test("a template reads plain data on stdin only when its `# stdin-data:` line says so, and then it must be fed", () => {
  const vars = {
    ETCD_MODE: "stacked",
    ETCD_EXPECTED: "https://10.0.0.1:2380",
    ETCD_QUORUM: 1,
    CNI_MANAGED: "true",
    ATTEMPTS: 1,
  };
  assert.equal(stepScript("verify", vars, [], "cp1\n").data, "cp1\n");
  assert.throws(() => stepScript("verify", vars), /verify\.sh reads data on stdin, and the step feeds none/);
  assert.throws(
    () => stepScript("wait-ssh", {}, [], "x\n"),
    /wait-ssh\.sh does not read data on stdin, and the step feeds some/,
  );
});

test("sudoWrap keeps the script readable and stdin free for secrets", () => {
  const wrapped = sudoWrap("#!/usr/bin/env bash\nset -euo pipefail\necho hi\n", "x-step");
  assert.equal(
    wrapped,
    `sudo -n bash -c "$(cat <<'KUBEADM_HA_SCRIPT'\n#!/usr/bin/env bash\nset -euo pipefail\necho hi\nKUBEADM_HA_SCRIPT\n)" x-step\n`,
  );
  assert.throws(() => sudoWrap("a\nKUBEADM_HA_SCRIPT\nb", "bad"), /heredoc delimiter/);
  // The first line counts too (it would end the heredoc at once); a missing last newline is added.
  assert.throws(() => sudoWrap("KUBEADM_HA_SCRIPT\nb", "bad"), /heredoc delimiter/);
  assert.ok(sudoWrap("echo hi", "x").endsWith(`echo hi\nKUBEADM_HA_SCRIPT\n)" x\n`));
});

test("every rendered script, for 1/3/5 control planes, 0/2/50 workers, cni none, external etcd and both AWS modes, passes bash -n and shellcheck", (t) => {
  const why = missingTool("shellcheck");
  if (why) return t.skip(why);
  const dir = mkdtempSync(join(tmpdir(), "kubeadm-ha-scripts-"));
  const unique = new Map<string, string>();
  const add = (p: Plan, label: string): void => {
    for (const s of p.steps) {
      const texts = [
        ["create", s.script],
        ["update", s.updateScript],
        ["delete", s.deleteScript],
        ["wrapped", s.script && sudoWrap(s.script, s.id)],
        ...s.files.filter((f) => f.path.endsWith(".sh")).map((f) => ["file", f.content] as const),
      ] as const;
      for (const [kind, text] of texts)
        if (text && !unique.has(text)) unique.set(text, `${label}-${s.id}-${kind}-${unique.size}.sh`);
    }
  };
  for (const cps of [1, 3, 5]) {
    for (const workers of [0, 2, 50]) {
      const lbs = cps === 1 ? hosts("lb", 1, "192.168.1", 98) : hosts("lb", 2, "192.168.1", 98);
      add(
        buildPlan(
          buildSpec(
            exampleWith({
              controlPlanes: hosts("cp", cps, "192.168.1", 101),
              workers: hosts("w", workers, "192.168.2", 1),
              loadBalancers: lbs,
              vip: "192.168.1.100",
            }),
          ),
        ),
        `${cps}cp-${workers}w`,
      );
    }
  }
  add(buildPlan(buildSpec(exampleWith({ cni: "none" }))), "cni-none");
  add(
    buildPlan(
      buildSpec(
        exampleWith({
          externalEtcdEndpoints: ["https://10.0.0.20:2379", "https://10.0.0.21:2379", "https://10.0.0.22:2379"],
        }),
      ),
    ),
    "external",
  );
  for (const mode of ["keepalived", "nlb"]) {
    add(
      buildPlan(
        buildSpec({ ...stackConfig("aws-example"), "kubeadm-ha:loadBalancerMode": mode, "kubeadm-ha:cni": "calico" }),
      ),
      `aws-${mode}`,
    );
  }
  const files = [...unique.entries()].map(([text, name]) => {
    const path = join(dir, name);
    writeFileSync(path, name.includes("-wrapped-") ? `#!/bin/sh\n${text}` : text);
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
