import * as pulumi from "@pulumi/pulumi";

/** An admin.conf as kubeadm writes it, with a recognisable fake key. */
export function fakeKubeconfig(server: string): string {
  return `apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://${server}\n  name: kubernetes\nusers:\n- name: kubernetes-admin\n  user:\n    client-key-data: FAKEKUBECONFIGKEYDATA\n`;
}

/** Fake secrets the mocks hand out: recognisable, so a test can search for leaks. */
export const FAKE = {
  tokenId: "abcdef",
  tokenSecret: "0123456789abcdef",
  certificateKey: "c".repeat(64),
  caCertHash: `sha256:${"d".repeat(64)}`,
  kubeconfig: fakeKubeconfig("192.168.1.100:6443"),
  sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nFAKESSHKEYMATERIAL\n-----END OPENSSH PRIVATE KEY-----\n",
  /** What the etcd-ca step prints (etcdHosts): the etcd CA bundle. */
  etcdCa: "RkFLRUVUQ0RDQUtFWQ==",
  /** What the etcd-client-cert step prints (etcdHosts): the api-server's etcd client bundle. */
  etcdClientCerts: "RkFLRUVUQ0RDTElFTlQ=",
} as const;

/** The marker Pulumi wraps secret inputs in when they reach a mock. */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** A resource registered under the mocks. */
export interface Recorded {
  /** Type token, e.g. `command:remote:Command`. */
  readonly type: string;
  /** Resource name. */
  readonly name: string;
  /** Inputs as the engine would receive them (secrets wrapped). */
  readonly inputs: Record<string, unknown>;
}

/** Every resource registered since the last reset. */
export const recorded: Recorded[] = [];

/** Every provider function call (lookups) since the last reset: token and arguments. */
export const calls: { readonly token: string; readonly inputs: Record<string, unknown> }[] = [];

/** A verify report as core/scripts/verify.sh prints it, every node Ready. */
export function fakeHealth(nodes: readonly string[]): string {
  const etcd = {
    mode: "stacked",
    members: 3,
    expectedMembers: 3,
    healthyEndpoints: 3,
    quorum: 2,
    hasQuorum: true,
    missingMembers: [],
    unexpectedMembers: [],
  };
  return JSON.stringify({
    nodes: nodes.map((n) => ({ name: n, ready: true })),
    allNodesReady: true,
    cniManaged: true,
    etcd,
  });
}

function fakeStdout(name: string, nodes: string[], server: string): string {
  // Stack steps are named by phase alone; earlier versions named them `<first control plane>-<phase>`.
  const is = (phase: string): boolean => name === phase || name.endsWith(`-${phase}`);
  if (is("ca-cert-hash")) return `${FAKE.caCertHash}\n`;
  if (is("admin-kubeconfig")) return fakeKubeconfig(server);
  if (is("verify")) return fakeHealth(nodes);
  if (name === "etcd-ca") return `${FAKE.etcdCa}\n`;
  if (name === "etcd-client-cert") return `${FAKE.etcdClientCerts}\n`;
  return "ok\n";
}

/** Installs mocks that record every resource and answer like the real providers would. */
export function installMocks(
  verifyNodes: string[] = ["cp1", "cp2", "cp3", "worker1", "worker2"],
  kubeconfigServer = "192.168.1.100:6443",
): void {
  pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
        recorded.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "random:index/randomPassword:RandomPassword") {
          const length = args.inputs.length as number;
          state.result = length === 6 ? FAKE.tokenId : FAKE.tokenSecret;
        }
        if (args.type === "random:index/randomBytes:RandomBytes") state.hex = FAKE.certificateKey;
        if (args.type === "aws:ec2/instance:Instance") {
          // From the name, not the registration order (which the rollout's waits make vary).
          state.publicIp = `203.0.113.${10 + ([...args.name].reduce((sum, ch) => sum + ch.charCodeAt(0), 0) % 240)}`;
          state.primaryNetworkInterfaceId = `eni-${args.name}`;
        }
        if (args.type === "aws:ec2/eip:Eip") {
          state.publicIp = "198.51.100.7";
          state.allocationId = "eipalloc-0demo";
        }
        if (args.type === "aws:lb/loadBalancer:LoadBalancer") {
          state.dnsName = `${args.name}.example.elb.amazonaws.com`;
          state.arn = `arn:${args.name}`;
        }
        if (args.type === "aws:ec2/keyPair:KeyPair") state.keyName = args.name;
        // Auto-named resources get their name from the provider.
        if (state.name === undefined && args.type.startsWith("aws:iam/")) state.name = args.name;
        if (args.type === "command:remote:Command") {
          state.stdout = fakeStdout(args.name, verifyNodes, kubeconfigServer);
          state.stderr = "";
        }
        return { id: `${args.name}-id`, state };
      },
      call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        calls.push({ token: args.token, inputs: args.inputs as Record<string, unknown> });
        switch (args.token) {
          case "aws:index/getAvailabilityZones:getAvailabilityZones":
            return { names: ["eu-west-1a", "eu-west-1b", "eu-west-1c"] };
          case "aws:ec2/getAmi:getAmi":
            return { id: "ami-0123456789abcdef0" };
          case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: "123456789012" };
          case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com" };
          case "aws:ec2/getSubnet:getSubnet":
            return { id: args.inputs.id, cidrBlock: `10.1.${String(args.inputs.id).endsWith("b") ? 16 : 0}.0/20` };
          default:
            return args.inputs as Record<string, unknown>;
        }
      },
    },
    "kubeadm-ha",
    "dev",
    false,
  );
}

/** Resolves an Output's value (under mocks). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) =>
    output.apply((v) => {
      resolve(v);
      return v;
    }),
  );
}

/** Lets pending registrations reach the mock. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}
