// The plan's commands are StepCommands, a lighter registration of pulumi-command's remote.Command
// (components/step-command.ts). Every command of the example stacks must reach the engine exactly
// as the package's class would send it: same type, inputs, secrets and options. Otherwise a stack
// made by an earlier version would see a diff on every command, and an update reruns scripts.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { remote } from "@pulumi/command";
import { buildSpec } from "../core/config/build-spec";
import { ClusterSpec } from "../core/config/types";
import { COMMAND_TYPE, commandMaker, StepCommand } from "../components/step-command";
import { installMocks } from "./support/mocks";
import { runCluster } from "./support/program";
import { stackConfig, stackWith } from "./support/stack";

installMocks();

/** What the engine receives for each command, by name: the register request as an object. */
type Requests = Map<string, Record<string, unknown>>;

interface Monitor {
  registerResource(
    req: { getType(): string; getName(): string; toObject(): Record<string, unknown> },
    cb: unknown,
  ): unknown;
}

/** Records every command's register request while `run` runs. */
async function requestsOf(run: () => Promise<unknown>): Promise<Requests> {
  const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
  const register = monitor.registerResource.bind(monitor);
  const requests: Requests = new Map();
  monitor.registerResource = (req, cb) => {
    // Where the constructor was called from differs by class; nothing else may.
    if (req.getType() === COMMAND_TYPE)
      requests.set(req.getName(), { ...req.toObject(), sourceposition: undefined, stacktrace: undefined });
    return register(req, cb);
  };
  try {
    await run();
  } finally {
    monitor.registerResource = register;
  }
  return requests;
}

/** The cluster of `spec` with StepCommands, then with remote.Commands: both sets of requests. */
async function bothWays(spec: ClusterSpec): Promise<{ light: Requests; package: Requests }> {
  const light = await requestsOf(() => runCluster(spec));
  const make = commandMaker.make;
  commandMaker.make = (name, args, opts) => new remote.Command(name, args, opts);
  try {
    return { light, package: await requestsOf(() => runCluster(spec)) };
  } finally {
    commandMaker.make = make;
  }
}

const stacks: [string, ClusterSpec][] = [
  ["dev", buildSpec(stackConfig("dev"))],
  ["colocated-example", buildSpec(stackConfig("colocated-example"))],
  ["etcd-example", buildSpec(stackConfig("etcd-example"))],
  ["aws-example", buildSpec(stackWith("aws-example", { workerCount: 3 }))],
  [
    "dev with a bastion and pinned host keys",
    buildSpec(
      stackWith("dev", {
        bastion: {
          host: "203.0.113.5",
          user: "jump",
          hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f",
        },
      }),
    ),
  ],
];

for (const [name, spec] of stacks) {
  test(`${name}: every command reaches the engine as remote.Command would send it`, async () => {
    const { light, package: reference } = await bothWays(spec);
    assert.ok(light.size > 10, `${light.size} commands recorded`);
    assert.deepEqual([...light.keys()].sort(), [...reference.keys()].sort());
    for (const [command, request] of reference) assert.deepEqual(light.get(command), request, command);
  });
}

test("a StepCommand holds stdout and is the package's resource type", () => {
  const command = new StepCommand(
    "probe",
    {
      connection: pulumi.output({ host: "198.18.0.1" }),
      create: "true",
      logging: "stdoutAndStderr",
      addPreviousOutputInEnv: false,
    },
    {},
  );
  assert.ok(pulumi.Output.isInstance(command.stdout));
  assert.equal(COMMAND_TYPE, (remote.Command as unknown as { __pulumiType: string }).__pulumiType);
});
