import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { deployApp, NGINX_IMAGE } from "../examples/app-stack/app";
import { FAKE, SECRET_SIG, settle, valueOf } from "./support/mocks";
import { ROOT } from "./support/stack";

/** A resource the app registered (or read, for the StackReference). */
interface Seen {
  readonly type: string;
  readonly name: string;
  readonly id?: string;
  readonly provider?: string;
  readonly inputs: Record<string, unknown>;
}

const CLUSTER_STACK = "acme/kubeadm-ha/dev";
const seen: Seen[] = [];
/** Whether the mocked engine says which outputs of the cluster stack are secret. */
let listSecretOutputs = true;

// The cluster stack as the engine would report it: outputs, and which of them are secret.
pulumi.runtime.setMocks(
  {
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
      const inputs = args.inputs as Record<string, unknown>;
      seen.push({ type: args.type, name: args.name, id: args.id, provider: args.provider, inputs });
      if (args.type === "pulumi:pulumi:StackReference") {
        return {
          id: String(args.id ?? inputs.name),
          state: {
            name: inputs.name,
            outputs: { kubeconfig: FAKE.kubeconfig, controlPlaneEndpoint: "192.168.1.100:6443" },
            ...(listSecretOutputs ? { secretOutputNames: ["kubeconfig", "caCertHash"] } : {}),
          },
        };
      }
      if (args.type === "kubernetes:apps/v1:Deployment") {
        return {
          id: `default/${args.name}-0f1e2d3c`,
          state: {
            ...inputs,
            metadata: { ...(inputs.metadata as object), name: `${args.name}-0f1e2d3c`, namespace: "default" },
            status: { readyReplicas: 2 },
          },
        };
      }
      return { id: `${args.name}-id`, state: inputs };
    },
    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
      return args.inputs as Record<string, unknown>;
    },
  },
  "kubeadm-ha-app",
  "dev",
  false,
);

const isSecretInput = (v: unknown): boolean => v !== null && typeof v === "object" && SECRET_SIG in v;

test("app stack: kubeconfig from the cluster stack reaches the Provider as a secret; nginx x2 uses that Provider", async () => {
  seen.length = 0;
  const app = deployApp(CLUSTER_STACK);
  assert.equal(await valueOf(app.deploymentName), "nginx-0f1e2d3c");
  assert.equal(await valueOf(app.readyReplicas), 2);
  assert.equal(await valueOf(app.controlPlaneEndpoint), "192.168.1.100:6443");
  await settle();

  const ref = seen.find((r) => r.type === "pulumi:pulumi:StackReference");
  assert.equal(ref?.inputs.name, CLUSTER_STACK);
  assert.equal(ref?.id, CLUSTER_STACK, "a StackReference is read by the stack's name");

  const provider = seen.find((r) => r.type === "pulumi:providers:kubernetes");
  assert.ok(provider, "a kubernetes provider is registered");
  assert.ok(isSecretInput(provider.inputs.kubeconfig), "kubeconfig reaches the provider as a secret");
  assert.equal((provider.inputs.kubeconfig as { value: unknown }).value, FAKE.kubeconfig);

  const deployment = seen.find((r) => r.type === "kubernetes:apps/v1:Deployment");
  const spec = deployment?.inputs.spec as { replicas: number; template: { spec: { containers: { image: string }[] } } };
  assert.equal(spec.replicas, 2);
  assert.deepEqual(
    spec.template.spec.containers.map((c) => c.image),
    [NGINX_IMAGE],
  );
  assert.match(NGINX_IMAGE, /^nginx:\d+\.\d+\.\d+$/, "a fixed version tag, not latest");
  assert.match(
    deployment?.provider ?? "",
    /::pulumi:providers:kubernetes::cluster::cluster-id$/,
    "the Deployment uses the cluster provider",
  );
  assert.ok(!JSON.stringify(deployment?.inputs).includes("FAKEKUBECONFIGKEYDATA"));
});

test("app stack: the kubeconfig stays secret even when the engine does not list secret outputs", async () => {
  seen.length = 0;
  listSecretOutputs = false;
  try {
    const app = deployApp(CLUSTER_STACK);
    assert.equal(await valueOf(app.deploymentName), "nginx-0f1e2d3c");
    await settle();
    const provider = seen.find((r) => r.type === "pulumi:providers:kubernetes");
    assert.ok(isSecretInput(provider?.inputs.kubeconfig), "kubeconfig reaches the provider as a secret");
    assert.equal(await pulumi.isSecret(app.deploymentName), false, "the exported name is not needlessly secret");
  } finally {
    listSecretOutputs = true;
  }
});

test("app stack: a stack name that is not organization/project/stack is refused before anything is created", () => {
  seen.length = 0;
  for (const name of ["dev", "kubeadm-ha/dev", "", "acme/kubeadm-ha/dev/extra"])
    assert.throws(() => deployApp(name), /fully-qualified/, name);
  assert.deepEqual(seen, []);
});

test("app stack: pins the same @pulumi versions as the cluster project, has no lockfile, and names its config key", () => {
  const root = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  const app = JSON.parse(readFileSync(join(ROOT, "examples", "app-stack", "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  for (const pkg of ["@pulumi/pulumi", "@pulumi/kubernetes"]) {
    assert.equal(app.dependencies[pkg], root.dependencies[pkg], pkg);
    assert.match(app.dependencies[pkg], /^\d+\.\d+\.\d+$/, `${pkg} is an exact version`);
  }
  const project = parse(readFileSync(join(ROOT, "examples", "app-stack", "Pulumi.yaml"), "utf8")) as {
    name: string;
    config: Record<string, unknown>;
  };
  assert.equal(project.name, "kubeadm-ha-app");
  assert.ok("clusterStack" in project.config);
  assert.equal(
    existsSync(join(ROOT, "examples", "app-stack", "package-lock.json")),
    false,
    "users run npm install there; no lockfile is committed",
  );
});
