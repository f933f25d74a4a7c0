/**
 * Bad input, round two (issue 11), networks and ports: open CIDR unions, ports taken on the hosts,
 * non-canonical addresses, VIPs that are not host addresses, service networks Kubernetes refuses.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSpec } from "../core/config/build-spec";
import { coversAllIpv4, dedupeCidrs, IPV4_SPACE, unionSize } from "../core/lib/cidr-union";
import { isDnsName, isIpv4, looksLikeIpv4, parseIpv4Cidr } from "../core/lib/net";
import { problemsOf } from "./support/problems";
import { exampleWith } from "./support/stack";

/** Asserts that `change` gives exactly one problem, at `key`, matching `text`. */
function assertOneProblem(change: Record<string, unknown>, key: string, text: RegExp): void {
  const problems = problemsOf(exampleWith(change));
  assert.equal(
    problems.length,
    1,
    `${JSON.stringify(change)}: ${problems.map((p) => `${p.key}: ${p.message}`).join("\n")}`,
  );
  assert.equal(problems[0].key, key);
  assert.match(problems[0].message, text, JSON.stringify(change));
}

test("4: the union of CIDRs covering 0.0.0.0/0 is found, however it is cut", () => {
  const covering = [
    ["0.0.0.0/0"],
    ["0.0.0.0/1", "128.0.0.0/1"],
    ["128.0.0.0/1", "0.0.0.0/1"],
    ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"],
    ["0.0.0.0/1", "64.0.0.0/2", "128.0.0.0/1", "10.0.0.0/8"],
    ["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3", "224.0.0.0/3"],
  ];
  for (const list of covering) assert.equal(coversAllIpv4(list), true, list.join(" + "));
  const notCovering = [
    ["0.0.0.0/1"],
    ["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3", "224.0.0.0/4"],
    ["0.0.0.0/1", "128.0.0.0/1".replace("/1", "/2")],
    [],
    ["not a cidr", "0.0.0.0/1"],
  ];
  for (const list of notCovering) assert.equal(coversAllIpv4(list), false, list.join(" + "));
  assert.equal(unionSize(["10.0.0.0/8", "10.1.0.0/16", "10.0.0.0/8"]), 2 ** 24, "overlaps count once");
  assert.equal(unionSize(["0.0.0.0/1", "0.0.0.0/1", "128.0.0.0/1"]), IPV4_SPACE);
});

test("4: repeated CIDRs are found (same network, however written) and dropped, order kept", () => {
  assert.deepEqual(
    dedupeCidrs(["203.0.113.0/24", "198.51.100.0/24", "203.0.113.0/24", "198.51.100.0/24", "203.0.113.0/25"]),
    {
      unique: ["203.0.113.0/24", "198.51.100.0/24", "203.0.113.0/25"],
      repeats: [
        { index: 2, firstIndex: 0 },
        { index: 3, firstIndex: 1 },
      ],
    },
  );
  // Host bits do not make another network (the rule's source is the network).
  assert.deepEqual(dedupeCidrs(["10.0.0.0/8", "10.9.9.9/8"]).repeats, [{ index: 1, firstIndex: 0 }]);
  assert.deepEqual(dedupeCidrs(["x", "x", "y"]).repeats, [{ index: 1, firstIndex: 0 }]);
});

test("4: merging is linear-ish: 100,000 CIDRs are deduplicated and merged at once", () => {
  const list = Array.from({ length: 100_000 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.0/24`);
  assert.equal(dedupeCidrs(list).repeats.length, 100_000 - 65_536);
  assert.equal(unionSize(list), 65_536 * 256);
});

test("5: apiPort may not be a port the hosts already use, and the message says whose", () => {
  const rows: [number, RegExp][] = [
    [22, /SSH's port: HAProxy binds it on the load balancers at boot and locks SSH out/],
    [2379, /etcd's client port/],
    [2380, /etcd's peer port/],
    [2381, /etcd's metrics port/],
    [10248, /kubelet's health port/],
    [10249, /kube-proxy's metrics port/],
    [10250, /kubelet's API port/],
    [10256, /kube-proxy's health port/],
    [10257, /kube-controller-manager's port/],
    [10259, /kube-scheduler's port/],
    [30000, /NodePort range 30000-32767/],
    [31443, /NodePort range/],
    [32767, /NodePort range/],
  ];
  // sshd moved to 2200: 22 is still refused (an sshd may listen there too).
  for (const [apiPort, why] of rows)
    assertOneProblem({ apiPort, sshPort: 2200 }, "kubeadm-ha:apiPort", new RegExp(`^${apiPort} is .*(${why.source})`));
  assertOneProblem({ apiPort: 2222, sshPort: 2222 }, "kubeadm-ha:apiPort", /^2222 is the SSH port \(sshPort\)/);
  assertOneProblem({ apiPort: 22 }, "kubeadm-ha:apiPort", /^22 is the SSH port \(sshPort\)/);
  for (const apiPort of [6443, 443, 8443, 16443, 29999, 32768])
    assert.equal(buildSpec(exampleWith({ apiPort })).apiPort, apiPort);
});

test("6: IPv4 text is canonical: no leading zeros, no short or hex forms, nothing after the prefix", () => {
  for (const bad of [
    "010.0.0.1",
    "1.2.3.04",
    "10.1",
    "0x0a.0.0.1",
    "10.0.0.1 ",
    " 10.0.0.1",
    "10.0.0.1\n",
    "256.0.0.1",
  ])
    assert.equal(isIpv4(bad), false, bad);
  for (const bad of [
    "010.0.0.0/16",
    "10.0.0.0/016",
    "10.0.0.0/16 ",
    "10.0.0.0/16/8",
    "10.0.0.0/16x",
    "10.0.0.0/33",
    "10.0.0.0/",
    "10.0.0.0",
  ])
    assert.equal(parseIpv4Cidr(bad), undefined, bad);
  for (const numeric of ["10.1", "127.1", "0x7f000001", "2130706433", "010.0.0.1", "1.2.3.4."])
    assert.equal(looksLikeIpv4(numeric), true, numeric);
  for (const name of ["cp1", "cp1.example.org", "10-0-0-1.nip.io", "a1"])
    assert.equal(looksLikeIpv4(name) || !isDnsName(name), false, name);
  for (const notName of ["1.2.3.4", "host.123", "a..b", "-a.example", "a_b.example", `${"a".repeat(64)}.example`])
    assert.equal(isDnsName(notName), false, notName);
});

test("6: pod and service CIDRs in octal, with trailing text or host bits set are refused, one message each", () => {
  const rows: [string, string, RegExp][] = [
    ["podNetworkCidr", "010.244.0.0/16", /is not an IPv4 CIDR/],
    ["podNetworkCidr", "10.244.0.0/16 # pods", /is not an IPv4 CIDR/],
    ["podNetworkCidr", "10.244.0.0/016", /is not an IPv4 CIDR/],
    ["podNetworkCidr", "10.244.1.0/16", /has host bits set; the network is "10\.244\.0\.0\/16"/],
    ["serviceCidr", "10.96.0.1/12", /has host bits set; the network is "10\.96\.0\.0\/12"/],
    ["serviceCidr", "010.96.0.0/12", /is not an IPv4 CIDR/],
    ["serviceCidr", "10.96.0.0/12/24", /is not an IPv4 CIDR/],
    ["serviceCidr", "127.0.0.0/16", /overlaps 127\.0\.0\.0\/8 \(loopback\)/],
    ["podNetworkCidr", "224.0.0.0/16", /overlaps 224\.0\.0\.0\/4 \(multicast\)/],
    ["podNetworkCidr", "169.254.0.0/16", /link-local/],
  ];
  for (const [key, value, why] of rows) assertOneProblem({ [key]: value }, `kubeadm-ha:${key}`, why);
});

test("6: the service network holds 16 to 2^20 addresses (kubeadm's DNS IP is the 10th; kube-apiserver's /12 limit)", () => {
  for (const big of ["10.0.0.0/8", "10.0.0.0/11", "172.0.0.0/9"])
    assertOneProblem(
      { serviceCidr: big },
      "kubeadm-ha:serviceCidr",
      /kube-apiserver accepts at most 2\^20 \(a \/12 or longer prefix/,
    );
  for (const small of ["10.96.0.0/29", "10.96.0.0/30", "10.96.0.0/32"])
    assertOneProblem(
      { serviceCidr: small },
      "kubeadm-ha:serviceCidr",
      /kubeadm gives the cluster DNS the 10th address of the range, so it needs at least 16/,
    );
  for (const ok of ["10.96.0.0/12", "10.96.0.0/28", "10.96.0.0/20"])
    assert.equal(buildSpec(exampleWith({ serviceCidr: ok })).serviceCidr, ok);
});

test("6: the pod network fits kubeadm: one /24 per node, at most 16 bits larger than that, whatever the CNI (whole numbers in messages)", () => {
  for (const cni of ["flannel", "calico", "none"]) {
    for (const small of ["10.244.0.0/25", "10.244.0.0/28", "10.244.0.0/32"])
      assertOneProblem(
        { cni, podNetworkCidr: small },
        "kubeadm-ha:podNetworkCidr",
        /is smaller than one node's \/24 pod range; kubeadm needs \/24 or larger/,
      );
  }
  assertOneProblem(
    { podNetworkCidr: "10.0.0.0/7" },
    "kubeadm-ha:podNetworkCidr",
    /at most 16 bits larger than a node's \/24, so \/8 or a longer prefix/,
  );
  assertOneProblem(
    { podNetworkCidr: "10.244.0.0/24" },
    "kubeadm-ha:podNetworkCidr",
    /has room for 1 node \/24 ranges but the cluster has 5 nodes/,
  );
  assert.equal(
    buildSpec(exampleWith({ podNetworkCidr: "10.0.0.0/8", serviceCidr: "172.16.0.0/12", cni: "none" })).podNetworkCidr,
    "10.0.0.0/8",
  );
});

test("6: the VIP is one canonical unicast host address of its prefix", () => {
  const rows: [string, RegExp][] = [
    ["192.168.1.100/24/32", /is not a canonical IPv4 address, optionally with a prefix/],
    ["192.168.1.100/24 ", /not a canonical/],
    ["192.168.001.100", /not a canonical/],
    ["192.168.1.100/024", /not a canonical/],
    ["192.168.1.100/7", /prefix \/8-\/32/],
    ["192.168.1.0/24", /is the network address of 192\.168\.1\.0\/24; the VIP must be a host address/],
    ["192.168.1.255/24", /is the broadcast address of 192\.168\.1\.0\/24/],
    ["192.168.1.127/25", /broadcast address of 192\.168\.1\.0\/25/],
    ["127.0.0.1", /loopback/],
    ["224.0.0.18", /multicast/],
    ["169.254.1.1", /link-local/],
    ["0.0.0.0", /0\.0\.0\.0\/8/],
    ["255.255.255.255", /reserved/],
  ];
  for (const [vip, why] of rows) assertOneProblem({ vip }, "kubeadm-ha:vip", why);
  for (const vip of ["192.168.1.100", "192.168.1.100/24", "192.168.1.1/24", "192.168.1.254/24", "192.168.1.100/32"])
    assert.equal(buildSpec(exampleWith({ vip })).vip, vip.split("/")[0]);
});

test("6: external etcd URLs name a canonical address or DNS name and a real port", () => {
  for (const url of [
    "https://010.0.0.20:2379",
    "https://10.0.0.20:0",
    "https://10.0.0.20:65536",
    "https://10.0.0.20:02379",
    "https://etcd_1:2379",
    "https://10.0.0.20:2379/",
    "https://10.1:2379",
  ]) {
    assertOneProblem(
      { externalEtcdEndpoints: [url] },
      "kubeadm-ha:externalEtcdEndpoints[0]",
      /is not an etcd client URL such as "https:\/\/10\.0\.0\.20:2379"/,
    );
  }
  const spec = buildSpec(
    exampleWith({
      externalEtcdEndpoints: ["https://10.0.0.20:2379", "https://etcd-2.example.org:2379", "https://10.0.0.22:12379"],
    }),
  );
  assert.equal(spec.etcd.mode, "external");
});
