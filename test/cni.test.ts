import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { buildSpec } from "../core/config/build-spec";
import { calicoEncapsulation, cniScriptVars } from "../core/plan/cni";
import { buildPlan } from "../core/plan/steps";
import { fakeHosts } from "./support/fake-host";
import { exampleWith, stackWith } from "./support/stack";

const newHost = fakeHosts();

/** A well-formed ED25519 public key (32 zero bytes), so the AWS example validates on its own. */
function publicKey(): string {
  const field = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return `ssh-ed25519 ${Buffer.concat([field(Buffer.from("ssh-ed25519")), field(Buffer.alloc(32))]).toString("base64")} test`;
}
/** The AWS example stack with calico. */
const awsCalico = (): Record<string, unknown> => stackWith("aws-example", { cni: "calico", sshPublicKey: publicKey() });

/**
 * The DaemonSet part of flannel's released kube-flannel.yml (v0.26.1, made by `kubectl kustomize`,
 * which sorts keys: `args` before `command`), with its net-conf.json.
 */
const FLANNEL_MANIFEST = `apiVersion: v1
data:
  net-conf.json: |
    {
      "Network": "10.244.0.0/16",
      "EnableNFTables": false,
      "Backend": {
        "Type": "vxlan"
      }
    }
kind: ConfigMap
metadata:
  name: kube-flannel-cfg
  namespace: kube-flannel
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: kube-flannel-ds
  namespace: kube-flannel
spec:
  template:
    spec:
      containers:
      - args:
        - --ip-masq
        - --kube-subnet-mgr
        command:
        - /opt/bin/flanneld
        image: docker.io/flannel/flannel:v0.26.1
        name: kube-flannel
`;

/** kubectl that keeps every manifest it applies, in order, in `$FAKE_STATE/applied`. */
const KUBECTL = `case "$1 $2" in
"apply -f") if [ "$3" = - ]; then cat; else cat "$3"; fi >>"$FAKE_STATE/applied"; echo "---" >>"$FAKE_STATE/applied" ;;
"apply --server-side") echo "(operator manifest)" >>"$FAKE_STATE/applied"; echo "---" >>"$FAKE_STATE/applied" ;;
esac`;

/** Runs the plan's cni step of a stack with a fake curl serving `manifest` and the fake kubectl. */
function runCni(
  config: Record<string, unknown>,
  manifest = FLANNEL_MANIFEST,
): { status: number; stderr: string; applied: string } {
  const script = buildPlan(buildSpec(config)).steps.find((s) => s.phase === "cni")?.script;
  assert.ok(script, "a cni step with a script");
  const host = newHost();
  host.setState("manifest", manifest);
  host.fake("curl", `prev=""; for a in "$@"; do [ "$prev" = -o ] && cp "$FAKE_STATE/manifest" "$a"; prev=$a; done`);
  host.fake("kubectl", KUBECTL);
  const r = host.runUnmounted(script);
  return { status: r.status, stderr: r.stderr, applied: host.readState("applied") ?? "" };
}

test("calico encapsulation: plain VXLAN on AWS (source/destination check), VXLANCrossSubnet elsewhere", () => {
  assert.equal(calicoEncapsulation({ platform: "aws" }), "VXLAN");
  assert.equal(calicoEncapsulation({ platform: "baremetal" }), "VXLANCrossSubnet");
  assert.equal(cniScriptVars(buildSpec(awsCalico()))?.CALICO_ENCAPSULATION, "VXLAN");
  assert.equal(cniScriptVars(buildSpec(exampleWith({ cni: "calico" })))?.CALICO_ENCAPSULATION, "VXLANCrossSubnet");
});

test("flannel: flanneld gets --iface-can-reach=<VIP> right after --kube-subnet-mgr, and the pod network is the stack's", () => {
  const r = runCni(exampleWith({ podNetworkCidr: "10.32.0.0/16" }));
  assert.equal(r.status, 0, r.stderr);
  assert.ok(
    r.applied.includes("        - --kube-subnet-mgr\n        - --iface-can-reach=192.168.1.100\n        command:\n"),
    r.applied,
  );
  assert.match(r.applied, /"Network": "10\.32\.0\.0\/16"/);
  const daemonSet = parse(r.applied.split("---\n")[1]) as {
    spec: { template: { spec: { containers: { args: string[] }[] } } };
  };
  assert.deepEqual(daemonSet.spec.template.spec.containers[0].args, [
    "--ip-masq",
    "--kube-subnet-mgr",
    "--iface-can-reach=192.168.1.100",
  ]);
});

test("flannel: a manifest whose flanneld arguments changed shape is refused, not guessed at", () => {
  const r = runCni(exampleWith({}), FLANNEL_MANIFEST.replace("        - --kube-subnet-mgr\n", ""));
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /no longer has one flanneld --kube-subnet-mgr argument; refusing to guess/);
  assert.equal(r.applied, "", "nothing applied");
});

test("calico: nodes autodetect their address from the Node's InternalIP (the privateAddress); AWS pools use VXLAN", () => {
  for (const [config, encapsulation] of [
    [awsCalico(), "VXLAN"],
    [exampleWith({ cni: "calico" }), "VXLANCrossSubnet"],
  ] as const) {
    const r = runCni(config, "operator manifest\n");
    assert.equal(r.status, 0, r.stderr);
    const installation = parse(r.applied.split("---\n")[1]) as {
      kind: string;
      spec: { calicoNetwork: Record<string, unknown> };
    };
    assert.equal(installation.kind, "Installation");
    assert.deepEqual(installation.spec.calicoNetwork.nodeAddressAutodetectionV4, { kubernetes: "NodeInternalIP" });
    assert.deepEqual(installation.spec.calicoNetwork.ipPools, [
      { cidr: "10.244.0.0/16", encapsulation, natOutgoing: "Enabled", nodeSelector: "all()" },
    ]);
  }
});
