/**
 * Bad input, round two (issue 11), sizes, crashes and messages: huge counts are refused in
 * milliseconds and validation stays linear; every bad string gives a ConfigError, never a raw
 * error; one problem gives one message, in the user's terms.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSpec } from "../core/config/build-spec";
import { CONFIG_KEYS } from "../core/config/keys";
import { ConfigError, Problem } from "../core/config/problems";
import { bastionSchema, HOST_FIELDS, instanceTypesSchema } from "../core/config/schema";
import { LATE } from "../core/plan/placeholders";
import { renderPlan } from "../core/render/render-plan";
import { parseProjectFile, stackConfigEntries } from "../core/render/stack-files";
import { problemsOf } from "./support/problems";
import { exampleWith, hosts, stackWith } from "./support/stack";

const lines = (problems: readonly Problem[]): string => problems.map((p) => `${p.key}: ${p.message}`).join("\n");

const AWS = {
  platform: "aws",
  loadBalancers: undefined,
  controlPlanes: undefined,
  workers: undefined,
  vip: undefined,
  vipInterface: undefined,
  "aws:region": "eu-west-1",
  sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOaWAdtfQ25FwMXPBwXM3S4xht+SGGa/lHOmA1IDz+d8",
  sshAllowedCidrs: ["203.0.113.0/24"],
  apiAllowedCidrs: ["203.0.113.0/24"],
};

/** Runs `fn` and returns [its result, elapsed milliseconds]. */
function timed<T>(fn: () => T): [T, number] {
  const start = performance.now();
  const result = fn();
  return [result, performance.now() - start];
}

// Generous bounds: the old code took minutes on these inputs; the new one takes milliseconds.
test(
  "8: huge host lists and counts are refused first, in well under a second, with one message each",
  { timeout: 30_000 },
  () => {
    const many = (n: number): { name: string; address: string }[] =>
      Array.from({ length: n }, (_, i) => ({ name: `w${i}`, address: `172.16.${(i >> 8) & 255}.${i & 255}` }));
    const rows: [Record<string, unknown>, string, RegExp][] = [
      [
        { workers: many(200_000) },
        "kubeadm-ha:workers",
        /^has 200000 hosts, so the cluster would have 200003 nodes; Kubernetes supports at most 5000$/,
      ],
      [{ workers: many(4998) }, "kubeadm-ha:workers", /cluster would have 5001 nodes/],
      [
        { controlPlanes: hosts("cp", 9, "192.168.1", 101) },
        "kubeadm-ha:controlPlanes",
        /^has 9 hosts; at most 7: etcd recommends no more than 7 members/,
      ],
      [{ controlPlanes: many(100_001) }, "kubeadm-ha:controlPlanes", /^has 100001 hosts; at most 7/],
      [{ loadBalancers: many(100_000) }, "kubeadm-ha:loadBalancers", /^has 100000 hosts; give exactly 2/],
      [
        { ...AWS, controlPlaneCount: 1_000_001 },
        "kubeadm-ha:controlPlaneCount",
        /^1000001 is more than 7: etcd recommends/,
      ],
      [{ ...AWS, controlPlaneCount: 9 }, "kubeadm-ha:controlPlaneCount", /^9 is more than 7/],
      [{ ...AWS, workerCount: 1_000_000_000 }, "kubeadm-ha:workerCount", /1000000000 is out of range/],
    ];
    for (const [change, key, text] of rows) {
      const [problems, ms] = timed(() => problemsOf(exampleWith(change)));
      assert.deepEqual(
        problems.map((p) => p.key),
        [key],
        lines(problems),
      );
      assert.match(problems[0].message, text);
      assert.ok(ms < 2_000, `${key}: refused in ${ms.toFixed(0)} ms`);
    }
  },
);

/** A bare-metal stack with `n` workers in 172.16.0.0/12 and a pod network that holds them. */
function bigCluster(n: number, worker: (i: number) => Record<string, unknown> = () => ({})): Record<string, unknown> {
  const workers = Array.from({ length: n }, (_, i) => ({
    name: `worker-${i}`,
    address: `172.16.${i >> 8}.${i & 255}`,
    ...worker(i),
  }));
  return exampleWith({ workers, podNetworkCidr: "10.128.0.0/9" });
}

test(
  "8: validation is linear in the hosts: 4997 workers pass, and 4997 bad ones give exactly their problems",
  { timeout: 60_000 },
  () => {
    const [spec, okMs] = timed(() => buildSpec(bigCluster(4997)));
    assert.equal(spec.workers.length, 4997);
    // Each worker: a bad name (a semantic check) and a host key of the wrong type (a shape check).
    const [problems, badMs] = timed(() => problemsOf(bigCluster(4997, (i) => ({ name: `Worker_${i}`, hostKey: i }))));
    assert.equal(problems.length, 2 * 4997, lines(problems.slice(0, 4)));
    assert.equal(problems.filter((p) => p.key.endsWith(".hostKey")).length, 4997);
    assert.ok(
      okMs < 10_000 && badMs < 10_000,
      `5000 hosts: ${okMs.toFixed(0)} ms valid, ${badMs.toFixed(0)} ms invalid`,
    );
  },
);

// Every string a user can set, as [path, platform]: top-level strings, list items, host, bastion and instanceTypes fields.
const STRING_FIELDS: [string[], "baremetal" | "aws"][] = [
  ...CONFIG_KEYS.filter((k) => k.kind === "string").map((k): [string[], "baremetal" | "aws"] => [
    [k.name],
    "baremetal",
  ]),
  ...CONFIG_KEYS.filter((k) => k.kind === "string").map((k): [string[], "baremetal" | "aws"] => [[k.name], "aws"]),
  ...CONFIG_KEYS.filter((k) => k.items === "string").map((k): [string[], "baremetal" | "aws"] => [
    [k.name, "0"],
    k.required?.includes("aws") ? "aws" : "baremetal",
  ]),
  ...CONFIG_KEYS.filter((k) => k.items === "string").map((k): [string[], "baremetal" | "aws"] => [
    [k.name, "0"],
    "aws",
  ]),
  ...HOST_FIELDS.flatMap((f): [string[], "baremetal"][] => [
    [["workers", "0", f], "baremetal"],
    [["loadBalancers", "1", f], "baremetal"],
    [["controlPlanes", "0", f], "baremetal"],
  ]),
  ...bastionSchema
    .keyof()
    .options.filter((f) => f !== "port")
    .map((f): [string[], "baremetal"] => [["bastion", f], "baremetal"]),
  ...instanceTypesSchema.keyof().options.map((f): [string[], "aws"] => [["instanceTypes", f], "aws"]),
  [["aws:region"], "aws"],
];

const PAYLOADS = [
  "",
  " ",
  "\n",
  "a\nKUBEADM_HA_SCRIPT\nb",
  "KUBEADM_HA_SCRIPT",
  LATE.controlPlaneHost,
  LATE.publicApiAddress,
  "@BOOTSTRAP_TOKEN@",
  "$(id)",
  "`id`",
  "'",
  '"',
  "a|b",
  "x".repeat(5000),
  "010.0.0.1",
  "127.0.0.1",
  "\u0000",
  "-oProxyCommand=id",
  "${HOME}",
  "ü",
];

// Read once: the stack files are parsed on every exampleWith call.
const FUZZ_BASES = {
  aws: exampleWith({ ...AWS, bastion: { host: "203.0.113.5" } }),
  baremetal: exampleWith({ bastion: { host: "203.0.113.5" } }),
};

/** The config with the string at `path` replaced by `value` (objects and lists created as needed). */
function withString(platform: "baremetal" | "aws", path: string[], value: string): Record<string, unknown> {
  const config = { ...FUZZ_BASES[platform] };
  const [top, ...rest] = path;
  const full = top.includes(":") ? top : `kubeadm-ha:${top}`;
  if (rest.length === 0) {
    config[full] = value;
    return config;
  }
  const root = structuredClone(config[full] ?? (/^\d+$/.test(rest[0]) ? [] : {})) as Record<string, unknown>;
  let at: Record<string, unknown> = root;
  rest.slice(0, -1).forEach((part) => {
    at = (at[part] ??= {}) as Record<string, unknown>;
  });
  at[rest[rest.length - 1]] = value;
  config[full] = root;
  return config;
}

/** How many times each late placeholder appears in a rendered tree. */
function lateCounts(tree: ReadonlyMap<string, string>): number[] {
  const all = [...tree.values()].join("\n");
  return Object.values(LATE).map((p) => all.split(p).length - 1);
}

test("9: every string field × hostile payloads gives a ConfigError naming a key, or a plan that renders: never a raw error", () => {
  // The Pulumi layer fills late placeholders by text: a user value must never add one.
  const baseline = {
    baremetal: lateCounts(renderPlan("fuzz", buildSpec(FUZZ_BASES.baremetal))),
    aws: lateCounts(renderPlan("fuzz", buildSpec(FUZZ_BASES.aws))),
  };
  assert.deepEqual(baseline.baremetal, [0, 0]);
  let refused = 0;
  // Keys of the other platform are ignored, so many accepted configs give the same spec: render each once.
  const rendered = new Set<string>();
  for (const [path, platform] of STRING_FIELDS) {
    for (const value of PAYLOADS) {
      const config = withString(platform, path, value);
      const about = `${platform} ${path.join(".")} = ${JSON.stringify(value).slice(0, 40)}`;
      try {
        const spec = buildSpec(config);
        const key = JSON.stringify(spec);
        if (rendered.has(key)) continue;
        rendered.add(key);
        const tree = renderPlan("fuzz", spec);
        assert.deepEqual(
          lateCounts(tree),
          baseline[platform],
          `${about}: the value adds a late placeholder to the plan`,
        );
      } catch (e) {
        assert.ok(e instanceof ConfigError, `${about}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
        for (const p of e.problems)
          assert.match(p.key, /^(kubeadm-ha|aws):\w/, `${about}: problem without a key: ${p.key}`);
        refused++;
      }
    }
  }
  assert.ok(refused > STRING_FIELDS.length * 5, `most payloads are refused (${refused})`);
});

test("9: a list given as a plain string and an object given as text get the normal message", () => {
  const rows: [Record<string, unknown>, string, RegExp][] = [
    [
      { ...AWS, vpcId: "vpc-0abc1234def567890", subnetIds: "subnet-0abc1234" },
      "kubeadm-ha:subnetIds",
      /^"subnet-0abc1234" is not a list; write it as JSON, e\.g\. \["a", "b"\]/,
    ],
    [{ workers: "worker1" }, "kubeadm-ha:workers", /^"worker1" is not a list/],
    [
      { bastion: "203.0.113.5" },
      "kubeadm-ha:bastion",
      /^"203\.0\.113\.5" is not an object; write it as JSON, e\.g\. \{"host": "203\.0\.113\.5"\}/,
    ],
    [{ allowOpenCidrs: "yes" }, "kubeadm-ha:allowOpenCidrs", /^"yes" is not true or false/],
  ];
  for (const [change, key, text] of rows) {
    const problems = problemsOf(exampleWith(change));
    assert.deepEqual(
      problems.map((p) => p.key),
      [key],
      lines(problems),
    );
    assert.match(problems[0].message, text);
  }
});

test("10: a missing required list says 'is required', an empty one 'is empty'", () => {
  const missing = problemsOf(exampleWith({ controlPlanes: undefined, loadBalancers: undefined }));
  assert.deepEqual(
    missing.map((p) => [p.key, p.message.split(":")[0]]),
    [
      ["kubeadm-ha:controlPlanes", "is required on bare metal"],
      ["kubeadm-ha:loadBalancers", "is required on bare metal"],
    ],
  );
  const empty = problemsOf(exampleWith({ controlPlanes: [], loadBalancers: [] }));
  assert.deepEqual(
    empty.map((p) => p.key),
    ["kubeadm-ha:controlPlanes", "kubeadm-ha:loadBalancers"],
  );
  assert.match(empty[0].message, /^is empty/);
  assert.match(empty[1].message, /^has 0 hosts; give exactly 2/);
  const missingField = problemsOf(exampleWith({ workers: [{ name: "w1" }], bastion: { user: "ops" } }));
  assert.deepEqual(
    missingField.map((p) => [p.key, p.message]),
    [
      ["kubeadm-ha:bastion.host", "is required"],
      ["kubeadm-ha:workers[0].address", "is required"],
    ],
  );
});

test("10: one bad vipInterface is one problem, not one per host", () => {
  for (const vipInterface of ["bad if name!", "a".repeat(16), "eth0;reboot"]) {
    const problems = problemsOf(exampleWith({ vipInterface }));
    assert.deepEqual(
      problems.map((p) => p.key),
      ["kubeadm-ha:vipInterface"],
      lines(problems),
    );
  }
  // A host's own interface is still checked, at its own key.
  assert.deepEqual(
    problemsOf(exampleWith({ workers: [{ name: "w1", address: "192.168.1.111", interface: "bad if" }] })).map(
      (p) => p.key,
    ),
    ["kubeadm-ha:workers[0].interface"],
  );
});

test("10: on aws no problem names a host list the stack may not set", () => {
  for (const change of [
    { controlPlaneCount: 81 },
    { controlPlaneCount: 7, vip: "10.0.0.20" },
    { vip: "10.0.0.128" },
    { podNetworkCidr: "10.0.0.0/16" },
  ]) {
    const problems = problemsOf(stackWith("dev", { ...AWS, ...change }));
    assert.ok(problems.length > 0);
    for (const p of problems)
      assert.doesNotMatch(
        p.key,
        /^kubeadm-ha:(controlPlanes|workers|loadBalancers)\[/,
        `${JSON.stringify(change)}: ${lines(problems)}`,
      );
  }
});

test("10: a doubled namespace gets the right suggestion, from a stack file and from Pulumi's config", () => {
  const project = parseProjectFile("name: kubeadm-ha\n");
  const { problems } = stackConfigEntries(
    project,
    "config:\n  kubeadm-ha:kubeadm-ha:vip: 192.168.1.100\n  sshUser: ubuntu\n",
    "Pulumi.x.yaml",
  );
  assert.deepEqual(
    problems.map((p) => p.message.replace(/ \(in Pulumi\.x\.yaml\)/, "")),
    [
      'is not a configuration key of the form <namespace>:<name>; e.g. "kubeadm-ha:vip"',
      'is not a configuration key of the form <namespace>:<name>; e.g. "kubeadm-ha:sshUser"',
    ],
  );
  const fromPulumi = problemsOf(exampleWith({ "kubeadm-ha:kubeadm-ha:vip": "192.168.1.100" }));
  assert.equal(fromPulumi.length, 1);
  assert.match(fromPulumi[0].message, /^unknown key; did you mean kubeadm-ha:vip\?/);
});
