import * as pulumi from "@pulumi/pulumi";
import { types } from "@pulumi/command";
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the provider version the package itself registers with
const COMMAND_PACKAGE: { version: string } = require("@pulumi/command/package.json");

/** The type token of pulumi-command's remote Command: the same resource, the same URNs and state. */
export const COMMAND_TYPE = "command:remote:Command";

/** The inputs of a {@link StepCommand}: those of `remote.CommandArgs` the plan uses. */
export interface StepCommandArgs {
  /** SSH connection; a shared Output per host and dial limit (see {@link liftConnection}). */
  readonly connection: pulumi.Output<types.input.remote.ConnectionArgs>;
  /** Script run on create. */
  readonly create?: pulumi.Input<string>;
  /** Script run on update (pulumi-command runs `create` again when absent). */
  readonly update?: pulumi.Input<string>;
  /** Script run on delete. */
  readonly delete?: pulumi.Input<string>;
  /** Standard input of every script. */
  readonly stdin?: pulumi.Input<string>;
  /** Values whose change replaces the command. */
  readonly triggers?: pulumi.Input<unknown>[];
  /** What streams into the Pulumi log. */
  readonly logging: "stderr" | "stdoutAndStderr";
  /** Whether the previous stdout is passed as an environment variable (never, here). */
  readonly addPreviousOutputInEnv: false;
}

/**
 * The SSH connection as `remote.Command` sends it: the package's defaults filled in
 * (`connectionArgsProvideDefaults`: dial limit 10, 15 s per dial, port 22, user root) and secret.
 * Built once per host and dial limit and shared by that host's commands.
 */
export function liftConnection(
  connection: types.input.remote.ConnectionArgs,
): pulumi.Output<types.input.remote.ConnectionArgs> {
  return pulumi.secret(pulumi.output(connection).apply(types.input.remote.connectionArgsProvideDefaults));
}

/**
 * pulumi-command's `remote.Command`, registered with only the inputs the plan sets and, where the
 * program reads it, one output: `stdout`. Same type token, provider version and options as the package's class (its constructor
 * in @pulumi/command remote/command.js: `connection` a secret output, `replaceOnChanges:
 * ["triggers[*]"]`), so the engine and the provider see the same resource and the same inputs
 * (test/step-command.test.ts compares them on every step of the example stacks). Why not the
 * package's class: it makes an Output for each of its eleven properties, set or not, and the
 * SDK keeps about 4 promises per Output while the command waits for what it depends on; with
 * hundreds of workers every command waits at once, and this class halves what each one holds
 * (README: Scale).
 */
export class StepCommand extends pulumi.CustomResource {
  /** What the create (or update) script printed; declared only when asked for. */
  declare public readonly stdout?: pulumi.Output<string>;

  /** @param withStdout Declare `stdout` (an output the SDK holds while the command waits). */
  constructor(name: string, args: StepCommandArgs, opts: pulumi.CustomResourceOptions, withStdout = true) {
    const inputs: pulumi.Inputs = withStdout ? { stdout: undefined } : {};
    // Only what is set: an undefined input is not sent, so leaving it out changes nothing on the wire.
    for (const [key, value] of Object.entries(args)) if (value !== undefined) inputs[key] = value;
    super(COMMAND_TYPE, name, inputs, {
      ...opts,
      version: COMMAND_PACKAGE.version,
      // In the order pulumi.mergeOptions gives the package's class: the caller's first.
      additionalSecretOutputs: [...(opts.additionalSecretOutputs ?? []), "connection"],
      replaceOnChanges: [...(opts.replaceOnChanges ?? []), "triggers[*]"],
    });
  }
}

/** A command as the step runner holds it: the resource and, where declared, its stdout. */
export type CommandResource = pulumi.CustomResource & { readonly stdout?: pulumi.Output<string> };

/**
 * How the step runner constructs its commands: a {@link StepCommand}. test/step-command.test.ts
 * swaps in the package's `remote.Command` to check that the engine receives the same requests.
 */
export const commandMaker = {
  make: (
    name: string,
    args: StepCommandArgs,
    opts: pulumi.CustomResourceOptions,
    withStdout: boolean,
  ): CommandResource => new StepCommand(name, args, opts, withStdout),
};
