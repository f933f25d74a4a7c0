import * as pulumi from "@pulumi/pulumi";
import { remote, types } from "@pulumi/command";
import { PlanStep, SecretName } from "../core/plan/steps";
import { sudoWrap } from "../core/plan/sudo";

/** Turns plan steps into `remote.Command`s; shared by every component so steps can wait across them. */
export class StepRunner {
  private readonly commands = new Map<string, remote.Command>();
  private readonly secrets = new Map<SecretName, pulumi.Output<string>>();

  /**
   * @param connections SSH connection per host name.
   * @param secrets Secrets known up front (token, certificate key, auth pass); the CA hash is added
   *   when the step that provides it is created.
   */
  constructor(
    private readonly connections: ReadonlyMap<string, types.input.remote.ConnectionArgs>,
    secrets: Partial<Record<SecretName, pulumi.Output<string>>>,
  ) {
    for (const [name, value] of Object.entries(secrets) as [SecretName, pulumi.Output<string>][]) this.secrets.set(name, value);
  }

  /** Creates the Command of one step under `parent`. Steps must come in plan order. */
  run(step: PlanStep, parent: pulumi.Resource): remote.Command {
    const connection = this.connections.get(step.runsOn);
    if (!connection) throw new Error(`step ${step.id}: no connection for host ${step.runsOn}`);
    const dependsOn = step.after.map((id) => {
      const command = this.commands.get(id);
      if (!command) throw new Error(`step ${step.id} waits for ${id}, which has not been created`);
      return command;
    });
    const command = new remote.Command(step.id, {
      // The gate dials until the host answers; customTimeouts bound the wait.
      connection: step.waitForSsh ? { ...connection, dialErrorLimit: -1 } : connection,
      create: sudoWrap(step.script, step.id),
      delete: step.deleteScript ? sudoWrap(step.deleteScript, `${step.id}-delete`) : undefined,
      stdin: this.stdinFor(step),
      triggers: step.replaceOn.length > 0 ? [...step.replaceOn] : undefined,
      // Secret stdout must not stream into the Pulumi log.
      logging: step.secretStdout ? "stderr" : "stdoutAndStderr",
      // Previous stdout would travel as an environment variable: needs AcceptEnv and may be secret.
      addPreviousOutputInEnv: false,
    }, {
      parent,
      dependsOn,
      additionalSecretOutputs: step.secretStdout ? ["stdout"] : [],
      deleteBeforeReplace: step.deleteBeforeReplace,
      customTimeouts: step.waitForSsh ? { create: "20m" } : { create: "30m", update: "30m", delete: "15m" },
    });
    this.commands.set(step.id, command);
    if (step.provides) this.secrets.set(step.provides, pulumi.secret(command.stdout.apply((s) => s.trim())));
    return command;
  }

  /** The Command created for a step id. */
  command(id: string): remote.Command {
    const command = this.commands.get(id);
    if (!command) throw new Error(`no command for step ${id}`);
    return command;
  }

  /** A secret by name (throws if no step or input provides it yet). */
  secret(name: SecretName): pulumi.Output<string> {
    const value = this.secrets.get(name);
    if (!value) throw new Error(`secret ${name} is not available yet`);
    return value;
  }

  private stdinFor(step: PlanStep): pulumi.Output<string> | undefined {
    if (step.stdin.length === 0) return undefined;
    return pulumi.secret(pulumi.all(step.stdin.map((n) => this.secret(n))).apply((values) => values.join("\n") + "\n"));
  }
}
