/**
 * Bad input for loadBalancerMode (issue 16): a mode that does not run on the platform, load
 * balancers listed with colocated, an apiPort whose next port (the api-servers' with colocated) is
 * taken, a VIP off the control planes' network. Each is refused before anything is created, all at
 * once, naming key, value and what is valid; a single control plane is a warning.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSpec } from "../core/config/build-spec";
import { problemsOf } from "./support/problems";
import { stackConfig, stackWith } from "./support/stack";

const colocated = (changes: Record<string, unknown>): Record<string, unknown> =>
  stackWith("colocated-example", changes);
const pairLbs = stackConfig("dev")["kubeadm-ha:loadBalancers"];
/** Control planes of which the third lies outside 192.168.1.96/29. */
const cpsAcross = [
  { name: "cp1", address: "192.168.1.101" },
  { name: "cp2", address: "192.168.1.102" },
  { name: "cp3", address: "192.168.1.110" },
];

/** [what, config, key, message] rows: each config has exactly that one problem. */
const ROWS: readonly [string, Record<string, unknown>, string, RegExp][] = [
  [
    "colocated with loadBalancers listed",
    colocated({ loadBalancers: pairLbs }),
    "kubeadm-ha:loadBalancers",
    /has 2 host\(s\), but loadBalancerMode is "colocated": HAProxy and keepalived run on the control planes, so leave loadBalancers out/,
  ],
  [
    "colocated with 3 loadBalancers (refused by the size bounds, same words)",
    colocated({
      loadBalancers: [
        { name: "lb1", address: "192.168.1.97" },
        { name: "lb2", address: "192.168.1.98" },
        { name: "lb3", address: "192.168.1.99" },
      ],
    }),
    "kubeadm-ha:loadBalancers",
    /has 3 host\(s\), but loadBalancerMode is "colocated"/,
  ],
  [
    "nlb on bare metal",
    stackWith("dev", { loadBalancerMode: "nlb" }),
    "kubeadm-ha:loadBalancerMode",
    /"nlb" is an AWS Network Load Balancer \(platform aws only\); valid on bare metal: "keepalived" .*"colocated"/,
  ],
  [
    "an unknown mode on bare metal",
    stackWith("dev", { loadBalancerMode: "pairs" }),
    "kubeadm-ha:loadBalancerMode",
    /"pairs" is not a mode; valid on bare metal: "keepalived", "colocated"/,
  ],
  [
    "colocated on aws",
    stackWith("aws-example", { loadBalancerMode: "colocated" }),
    "kubeadm-ha:loadBalancerMode",
    /"colocated" runs on bare metal only .*valid on aws: "keepalived", "nlb"/,
  ],
  [
    "colocated, apiPort 2378: the api-servers would take etcd's client port",
    colocated({ apiPort: 2378 }),
    "kubeadm-ha:apiPort",
    /2378: with loadBalancerMode "colocated" HAProxy holds 2378 .*apiPort \+ 1 = 2379, which is etcd's client port/,
  ],
  [
    "colocated, apiPort 10247: the kubelet's health port",
    colocated({ apiPort: 10247 }),
    "kubeadm-ha:apiPort",
    /apiPort \+ 1 = 10248, which is the kubelet's health port/,
  ],
  [
    "colocated, apiPort one below sshPort",
    colocated({ apiPort: 2221, sshPort: 2222 }),
    "kubeadm-ha:apiPort",
    /apiPort \+ 1 = 2222, which is the SSH port \(sshPort\)/,
  ],
  [
    "colocated, apiPort 29999: the api-servers in the NodePort range",
    colocated({ apiPort: 29999 }),
    "kubeadm-ha:apiPort",
    /apiPort \+ 1 = 30000, which is in the NodePort range 30000-32767/,
  ],
  [
    "colocated, apiPort 65535: no port after it",
    colocated({ apiPort: 65535 }),
    "kubeadm-ha:apiPort",
    /apiPort \+ 1 = 65536, which is not a TCP port/,
  ],
  [
    "colocated, a VIP prefix that leaves out a control plane",
    colocated({ vip: "192.168.1.100/29", controlPlanes: cpsAcross }),
    "kubeadm-ha:vip",
    /"192\.168\.1\.100\/29" is outside control plane cp3's network \(controlPlanes\[2\] is 192\.168\.1\.110\); the VIP must be on the subnet of the hosts that hold it/,
  ],
  [
    "colocated with 2 control planes (even: etcd quorum)",
    colocated({
      controlPlanes: [
        { name: "cp1", address: "192.168.1.101" },
        { name: "cp2", address: "192.168.1.102" },
      ],
    }),
    "kubeadm-ha:controlPlanes",
    /has 2 hosts; etcd quorum/,
  ],
];

for (const [what, config, key, message] of ROWS) {
  test(`loadBalancerMode: ${what} is refused at ${key}`, () => {
    const problems = problemsOf(config);
    assert.deepEqual(
      problems.map((p) => p.key),
      [key],
      problems.map((p) => `${p.key}: ${p.message}`).join("\n"),
    );
    assert.match(problems[0].message, message);
  });
}

test("loadBalancerMode colocated: every problem at once", () => {
  const problems = problemsOf(
    colocated({ loadBalancers: pairLbs, apiPort: 2378, vip: "192.168.1.100/29", controlPlanes: cpsAcross }),
  );
  assert.deepEqual(problems.map((p) => p.key).sort(), [
    "kubeadm-ha:apiPort",
    "kubeadm-ha:loadBalancers",
    "kubeadm-ha:vip",
  ]);
});

test("loadBalancerMode colocated: an apiPort refused on its own is not refused again for the next port", () => {
  const problems = problemsOf(colocated({ apiPort: 2379 }));
  assert.equal(problems.length, 1);
  assert.match(problems[0].message, /^2379 is etcd's client port/);
});

test("loadBalancerMode colocated with 1 control plane is accepted with a warning; keepalived needs no LB hosts", () => {
  const spec = buildSpec(colocated({ controlPlanes: [{ name: "cp1", address: "192.168.1.101" }] }));
  assert.ok(
    spec.warnings.some((w) => /loadBalancerMode colocated with 1 control plane: .* the VIP has no standby/.test(w)),
    spec.warnings.join("\n"),
  );
  assert.deepEqual(buildSpec(colocated({ loadBalancers: [] })).loadBalancers, []);
  // The pair still requires its hosts.
  const pair = problemsOf(stackWith("dev", { loadBalancers: undefined }));
  assert.deepEqual(
    pair.map((p) => p.key),
    ["kubeadm-ha:loadBalancers"],
  );
});
