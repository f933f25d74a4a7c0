/**
 * Bad input, round two (issue 11), hosts and SSH: values that would send root scripts to the
 * wrong machine or weaken SSH are refused, each naming the key, the value and what is valid.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSpec } from "../core/config/build-spec";
import { ConfigError } from "../core/config/problems";
import { ClusterSpec } from "../core/config/types";
import { hostKeyProblem } from "../core/lib/ssh-host-key";
import { renderPlan, PLAN_FILE } from "../core/render/render-plan";
import { problemsOf } from "./support/problems";
import { exampleWith, stackConfig } from "./support/stack";

/** Asserts that `change` is refused with exactly one problem, at `key`, whose message matches `text` and shows the value. */
function assertRefused(change: Record<string, unknown>, key: string, text: RegExp, value: string): void {
  const problems = problemsOf(exampleWith(change));
  const here = problems.filter((p) => p.key === key);
  assert.equal(
    here.length,
    1,
    `one problem at ${key} for ${value}; got:\n${problems.map((p) => `${p.key}: ${p.message}`).join("\n")}`,
  );
  assert.match(here[0].message, text, `${key} = ${value}`);
  // An empty value is named by what it lacks ("is empty", "is blank").
  if (value !== "")
    assert.ok(
      here[0].message.includes(JSON.stringify(value).slice(0, 40)),
      `the message names the value ${value}: ${here[0].message}`,
    );
}

const dev = stackConfig("dev");
const workers = dev["kubeadm-ha:workers"] as { name: string; address: string }[];
const withWorker0 = (fields: Record<string, unknown>): Record<string, unknown> => ({
  workers: [{ ...workers[0], ...fields }, workers[1]],
});

// Real keys made with ssh-keygen (public halves only).
const KEYS = {
  ed25519: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOaWAdtfQ25FwMXPBwXM3S4xht+SGGa/lHOmA1IDz+d8",
  ecdsa256:
    "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBMC6hUvA9872SqD0hayxqJuEAefCIErQKAde229UvWRw+ziGkLUPXSbf/0KNAwFkDJjkzAmMwb9SjtSEk4JhLS0=",
  ecdsa384:
    "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBLCx/Gk166jy0Bgh0HFTFxvASlcHVBWFe6cMp3WDPWIxys6jlnnqrOoS5LDNKcGsZJXeC9cQxxTdIZG7LeOgwUMXJ4k2wySPGQ+P47N348dvikaEZxH4lqOZ4DiodTLBdg==",
  ecdsa521:
    "ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAC7lIbzAmXKdFqagSKjzb1+Vc0s9aFzTt3Oj09Uo8RtQmHZdnBNaVaZhVQMyKCOszMO1rdd6FqfGiI9Ld9wNKlYrgAE+HpuO8DAF03RaZVfy9hNmS73XWedrLdVeGKP0GaHjcMXy5mGBHLHmay27clqMF/lVRBUrrChHoWF214ummU89Q==",
  rsa3072:
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQCeil5zyZfRfcJgIMSH/ThKgQTsMWU58k8gWYjJCa9F+c7o6Txqe1u/VHvEq8Heu8G0O+It66BFmFzs6bq6jmhieebODZTXHrjC8e89f7Wa+N4bG7u5sszOpUM5isY3qXuAb8b6APmg0p2vVrH9cJtR+aisMFgMMChI9zbyA3i8o4i1Uxmrb5xScAIfqcuKR/7QHYdOinyYXRGntfnMuNezjWixjs7DW7lwPxlbqed1hWJpp92lo+tMtx2//u/a0vBoHQRPXqyIPxw6JExGPvAwcJCDoUNIu+13Aphw9HsZugvEPFQ1Nr7lkxtYRXLNHBeF92EBmTmaUMh4fb7yz3aPc17ICnWgoOZHE7qqaY4ydlqLhuZHvZk/2pv6Fbl7iHihEttwm+qfLCX/J66dODvIP+7UvLbw+G8SHTJ/cpCFT88skYWlHkbIgtrkAIBXyvZ+jUmTtLDBJ9IUneJMeIZoM/BeT7dtzec40CYnS2cG0BmrksaDJknIWSkm8RarDN0=",
} as const;

/** An SSH wire blob of length-prefixed fields, base64, behind `type`. */
function keyOf(type: string, ...fields: Buffer[]): string {
  const parts = fields.flatMap((f) => [Buffer.from([0, 0, (f.length >> 8) & 255, f.length & 255]), f]);
  return `${type} ${Buffer.concat(parts).toString("base64")}`;
}
const text = (s: string): Buffer => Buffer.from(s, "latin1");

test("1: an SSH address that is the VIP, the local machine or a broadcast/multicast address is refused", () => {
  const rows: [string, RegExp][] = [
    ["192.168.1.100", /equals the VIP.*SSH to it would reach whichever load balancer holds it/],
    ["127.0.0.1", /loopback.*SSH would reach the machine running Pulumi, and this host's root scripts would run there/],
    ["127.8.9.10", /loopback/],
    ["0.0.0.0", /0\.0\.0\.0\/8.*SSH would reach the machine running Pulumi/],
    ["0.1.2.3", /0\.0\.0\.0\/8/],
    ["224.0.0.5", /multicast.*SSH cannot reach a host there/],
    ["255.255.255.255", /reserved block 240\.0\.0\.0\/4/],
    ["240.1.1.1", /reserved/],
  ];
  for (const [address, why] of rows)
    assertRefused(withWorker0({ address }), "kubeadm-ha:workers[0].address", why, address);
  for (const address of ["localhost", "LOCALHOST", "db.localhost"]) {
    assertRefused(
      withWorker0({ address, privateAddress: "192.168.1.111" }),
      "kubeadm-ha:workers[0].address",
      /names the machine running Pulumi/,
      address,
    );
  }
});

test("1: an SSH address in a non-canonical IPv4 form (octal, short, hex) is refused, not resolved", () => {
  for (const address of ["010.0.0.1", "192.168.001.111", "127.1", "0x7f.1", "2130706433", "192.168.1.111."]) {
    assertRefused(
      withWorker0({ address, privateAddress: "192.168.1.111" }),
      "kubeadm-ha:workers[0].address",
      /not a canonical IPv4 address/,
      address,
    );
  }
});

test("1: another host's address, as SSH or cluster address, is refused (DNS names compared case-insensitively)", () => {
  assertRefused(
    withWorker0({ address: "192.168.1.101" }),
    "kubeadm-ha:workers[0].address",
    /already used by kubeadm-ha:controlPlanes\[0\]/,
    "192.168.1.101",
  );
  assertRefused(
    withWorker0({ address: "203.0.113.7", privateAddress: "192.168.1.98" }),
    "kubeadm-ha:workers[0].address",
    /already used by kubeadm-ha:loadBalancers\[0\]/,
    "192.168.1.98",
  );
  const named = {
    workers: [
      { name: "worker1", address: "node-a.example.org", privateAddress: "192.168.1.111" },
      { name: "worker2", address: "NODE-A.example.org", privateAddress: "192.168.1.112" },
    ],
  };
  assertRefused(
    named,
    "kubeadm-ha:workers[1].address",
    /already used by kubeadm-ha:workers\[0\]/,
    "NODE-A.example.org",
  );
});

test("1: a cluster address that is loopback, link-local, multicast, 0.0.0.0, or the network/broadcast address of the VIP's prefix is refused", () => {
  const rows: [string, RegExp][] = [
    ["127.0.0.1", /loopback/],
    ["169.254.10.20", /link-local/],
    ["224.0.0.18", /multicast/],
    ["0.0.0.0", /0\.0\.0\.0\/8/],
    ["255.255.255.255", /reserved/],
    ["192.168.1.0", /network address of the VIP's network 192\.168\.1\.0\/24/],
    ["192.168.1.255", /broadcast address of the VIP's network/],
  ];
  for (const [privateAddress, why] of rows) {
    assertRefused(
      withWorker0({ address: "203.0.113.50", privateAddress }),
      "kubeadm-ha:workers[0].privateAddress",
      why,
      privateAddress,
    );
  }
  // Without privateAddress the SSH address is the cluster address: one message, at address.
  assertRefused(withWorker0({ address: "169.254.3.4" }), "kubeadm-ha:workers[0].address", /link-local/, "169.254.3.4");
});

test("1: usable addresses stay accepted: private, public, DNS names with privateAddress, link-local for SSH only", () => {
  const ok = buildSpec(exampleWith(withWorker0({ address: "node-1.example.org", privateAddress: "192.168.1.111" })));
  assert.equal(ok.workers[0].privateAddress, "192.168.1.111");
  buildSpec(exampleWith(withWorker0({ address: "203.0.113.9", privateAddress: "192.168.1.254" })));
  buildSpec(exampleWith(withWorker0({ address: "169.254.7.7", privateAddress: "192.168.1.111" }))); // a link-local management path is fine for SSH
});

test("2: a host key must be '<type> <base64>' with a known type and whole key data; blank is refused", () => {
  const rows: [string, RegExp][] = [
    ["", /is blank, which would turn host-key pinning off/],
    ["   ", /is blank/],
    ["ssh-ed25519", /is not "<type> <base64>"/],
    [`${KEYS.ed25519} root@cp1`, /no comment/],
    [`192.168.1.111 ${KEYS.ed25519}`, /drop the host name that ssh-keyscan prints first/],
    ["ssh-dss AAAAB3NzaC1kc3MAAACBAP", /key type "ssh-dss"; known types: ssh-ed25519/],
    ["ssh-ed25519 not*base64", /not base64/],
    ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOaWAdtfQ25FwMXPBwXM3S4x", /not one 32-byte key/],
    [`ecdsa-sha2-nistp256 ${KEYS.ed25519.split(" ")[1]}`, /key data of "ssh-ed25519" type, not ecdsa-sha2-nistp256/],
    [
      keyOf(
        "ssh-rsa",
        text("ssh-rsa"),
        Buffer.from([1, 0, 1]),
        Buffer.concat([Buffer.from([0, 0xc0]), Buffer.alloc(63, 7)]),
      ),
      /512-bit ssh-rsa modulus/,
    ],
    [
      keyOf(
        "ssh-rsa",
        text("ssh-rsa"),
        Buffer.from([1, 0, 0]),
        Buffer.concat([Buffer.from([0, 0xc0]), Buffer.alloc(127, 7)]),
      ),
      /ssh-rsa exponent SSH clients refuse \(it must be odd/,
    ],
    [
      keyOf("ecdsa-sha2-nistp256", text("ecdsa-sha2-nistp256"), text("nistp384"), Buffer.alloc(65, 4)),
      /not one nistp256 point/,
    ],
  ];
  for (const [hostKey, why] of rows) {
    assertRefused(withWorker0({ hostKey }), "kubeadm-ha:workers[0].hostKey", why, hostKey);
    assertRefused({ bastion: { host: "203.0.113.5", hostKey } }, "kubeadm-ha:bastion.hostKey", why, hostKey);
  }
});

test("2: real host keys of every known type are accepted, for hosts and for the bastion", () => {
  for (const key of Object.values(KEYS)) {
    assert.equal(hostKeyProblem(key), undefined, key.slice(0, 30));
    const spec = buildSpec(
      exampleWith({ ...withWorker0({ hostKey: key }), bastion: { host: "jump.example.org", hostKey: key } }),
    );
    assert.equal(spec.workers[0].hostKey, key);
    assert.equal(spec.ssh.bastion?.hostKey, key);
  }
});

test("3: sshUser and bastion.user must be login names", () => {
  for (const user of [
    "",
    "a b",
    "root;id",
    "-oProxyCommand=x",
    "1user",
    ".hidden",
    "ü",
    "x".repeat(33),
    "ubuntu\n",
    "ops`id`",
    "a|b",
  ]) {
    assertRefused({ sshUser: user }, "kubeadm-ha:sshUser", /is not a user name \(1-32 of A-Z a-z 0-9 _ \. -/, user);
    assertRefused({ bastion: { host: "203.0.113.5", user } }, "kubeadm-ha:bastion.user", /is not a user name/, user);
  }
  for (const user of ["ubuntu", "root", "_svc", "deploy.bot-2", "Admin", "x".repeat(32)]) {
    assert.equal(
      buildSpec(exampleWith({ sshUser: user, bastion: { host: "203.0.113.5", user } })).ssh.bastion?.user,
      user,
    );
  }
});

test("3: bastion.host must be an IPv4 address or a DNS name SSH can reach; bastion.port a TCP port", () => {
  const rows: [string, RegExp][] = [
    ["", /is empty; give the jump host's address/],
    ["jump host", /neither an IPv4 address nor a DNS name/],
    ["jump_host.example", /neither/],
    ["-oProxyCommand=id", /neither/],
    ["010.0.0.5", /not a canonical IPv4 address/],
    ["203.0.113.5:22", /neither/],
    ["224.0.0.1", /multicast/],
    ["0.0.0.0", /0\.0\.0\.0\/8/],
    ["a".repeat(64) + ".example", /neither/],
  ];
  for (const [host, why] of rows) assertRefused({ bastion: { host } }, "kubeadm-ha:bastion.host", why, host);
  for (const port of [0, 65536, -22]) {
    const problems = problemsOf(exampleWith({ bastion: { host: "203.0.113.5", port } }));
    assert.deepEqual(
      problems.map((p) => [p.key, p.message]),
      [["kubeadm-ha:bastion.port", `${port} is out of range; valid: 1-65535`]],
    );
  }
  // A local port forward to the jump host is a legitimate setup.
  assert.equal(buildSpec(exampleWith({ bastion: { host: "127.0.0.1", port: 2222 } })).ssh.bastion?.port, 2222);
});

/** The `| setting | value |` rows of PLAN.md's first table. */
function settingRows(spec: ClusterSpec): string[] {
  const md = renderPlan("dev", spec).get(PLAN_FILE) ?? "";
  const start = md.indexOf("| setting | value |");
  return md.slice(start, md.indexOf("\n\n", start)).split("\n");
}

test("3: PLAN.md's settings table stays intact whatever sshUser and bastion hold: a value is refused or renders in its cell", () => {
  const reference = settingRows(buildSpec(exampleWith({ bastion: { host: "203.0.113.5" } })));
  const payloads = [
    "a|b",
    "x`y",
    "a\nb",
    "| SSH | pwned |",
    "ops",
    "jump-1.example.org",
    "_svc.deploy-1",
    "203.0.113.77",
    "**bold**",
    "<b>x</b>",
    "a\\|b",
  ];
  let rendered = 0;
  for (const value of payloads) {
    for (const change of [
      { sshUser: value, bastion: { host: "203.0.113.5" } },
      { bastion: { host: value, user: "ops" } },
      { bastion: { host: "203.0.113.5", user: value } },
    ]) {
      let spec: ClusterSpec;
      try {
        spec = buildSpec(exampleWith(change));
      } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        continue;
      }
      rendered++;
      const rows = settingRows(spec);
      assert.equal(rows.length, reference.length, `rows for ${JSON.stringify(change)}`);
      // Each row: two cells, i.e. exactly three unescaped pipes.
      for (const row of rows)
        assert.equal(row.replace(/\\\|/g, "").split("|").length, 4, `${JSON.stringify(change)}: ${row}`);
      assert.ok(
        rows.some((r) => r.startsWith("| SSH |") && r.includes(value)),
        `the SSH row shows ${value}`,
      );
    }
  }
  assert.ok(rendered >= 6, `the valid values render (${rendered})`);
});
