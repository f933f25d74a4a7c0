import * as pulumi from "@pulumi/pulumi";

/** Fake secrets the mocks hand out: recognisable, so a test can search for leaks. */
export const FAKE = {
  tokenId: "abcdef",
  tokenSecret: "0123456789abcdef",
  certificateKey: "c".repeat(64),
  authPass: "Vr9pQx2Z",
  caCertHash: `sha256:${"d".repeat(64)}`,
  kubeconfig: "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://192.168.1.100:6443\n  name: kubernetes\nusers:\n- name: kubernetes-admin\n  user:\n    client-key-data: FAKEKUBECONFIGKEYDATA\n",
  sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nFAKESSHKEYMATERIAL\n-----END OPENSSH PRIVATE KEY-----\n",
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

function fakeStdout(name: string, nodes: string[]): string {
  if (name.endsWith("-ca-cert-hash")) return `${FAKE.caCertHash}\n`;
  if (name.endsWith("-admin-kubeconfig")) return FAKE.kubeconfig;
  if (name.endsWith("-verify")) {
    return JSON.stringify({ nodes: nodes.map((n) => ({ name: n, ready: true })), allNodesReady: true, etcd: { mode: "stacked", members: 3, healthyEndpoints: 3, quorum: 2, hasQuorum: true } });
  }
  return "ok\n";
}

/** Installs mocks that record every resource and answer like the real providers would. */
export function installMocks(verifyNodes: string[] = ["cp1", "cp2", "cp3", "worker1", "worker2"]): void {
  pulumi.runtime.setMocks({
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
      recorded.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
      const state: Record<string, unknown> = { ...args.inputs };
      if (args.type === "random:index/randomPassword:RandomPassword") {
        const length = args.inputs.length as number;
        state.result = length === 6 ? FAKE.tokenId : length === 16 ? FAKE.tokenSecret : FAKE.authPass;
      }
      if (args.type === "random:index/randomBytes:RandomBytes") state.hex = FAKE.certificateKey;
      if (args.type === "command:remote:Command") {
        state.stdout = fakeStdout(args.name, verifyNodes);
        state.stderr = "";
      }
      return { id: `${args.name}-id`, state };
    },
    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
      return args.inputs as Record<string, unknown>;
    },
  }, "kubeadm-ha", "dev", false);
}

/** Resolves an Output's value (under mocks). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => { resolve(v); return v; }));
}

/** Lets pending registrations reach the mock. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}
