import * as pulumi from "@pulumi/pulumi";
import { types } from "@pulumi/command";
import { PlanStep, SecretName } from "../core/plan/steps";
import { stdoutIsRead } from "../core/plan/plan-step";
import { sudoWrap } from "../core/plan/sudo";
import { searchable } from "../core/plan/template";
import { LATE, LateName, URN_PLACEHOLDER, urnPlaceholder } from "../core/plan/placeholders";
import { withoutStackCapture } from "./stack-capture";
import { COMMAND_TYPE, CommandResource, commandMaker, liftConnection } from "./step-command";

/** Platform inputs of a {@link StepRunner} beyond connections and secrets. */
export interface StepRunnerOptions {
  /** Values for the plan's late placeholders (non-secret). */
  readonly late?: Partial<Record<LateName, pulumi.Output<string>>>;
  /** Resources every SSH gate waits for (e.g. the VIP mover's IAM policy). */
  readonly gateDependsOn?: pulumi.Resource[];
  /** Resources a step waits for when its script uses a late value (an NLB's listener and targets for its name). */
  readonly lateDependsOn?: Partial<Record<LateName, pulumi.Resource[]>>;
  /**
   * Per host name, the resource whose replacement replaces every step about that host (EC2: its
   * instance): a new machine gets its steps again, removal scripts first (`replaceWith`).
   */
  readonly replaceWith?: ReadonlyMap<string, pulumi.Resource>;
}

/**
 * How long a step may take. The gate dials until the host answers, within 20 minutes (EC2 boot and
 * cloud-init); a node's preparation opens with that gate, so it gets those 20 minutes on top of
 * the 30 any step has.
 */
function timeoutsOf(step: PlanStep): pulumi.CustomTimeouts {
  if (!step.waitForSsh) return { create: "30m", update: "30m", delete: "15m" };
  return step.phase === "wait-ssh" ? { create: "20m" } : { create: "50m", update: "30m", delete: "15m" };
}

/** Turns plan steps into commands (`StepCommand`); shared by every component so steps can wait across them. */
export class StepRunner {
  private readonly commands = new Map<string, CommandResource>();
  private readonly secrets = new Map<SecretName, pulumi.Output<string>>();
  /** Connections as the commands send them, per host and dial limit: one Output each, shared. */
  private readonly lifted = new Map<string, pulumi.Output<types.input.remote.ConnectionArgs>>();
  /** Stdin Outputs by secrets and data (see stdinFor). */
  private readonly stdins = new Map<string, pulumi.Output<string>>();

  /**
   * @param owner The component the runner works for: errors not about one step's parent name it.
   * @param connections SSH connection per host name.
   * @param secrets Secrets known up front (token, certificate key, auth pass); the CA hash is added
   *   when the step that provides it is created.
   */
  constructor(
    private readonly owner: pulumi.Resource,
    private readonly connections: ReadonlyMap<string, types.input.remote.ConnectionArgs>,
    secrets: Partial<Record<SecretName, pulumi.Output<string>>>,
    private readonly options: StepRunnerOptions = {},
  ) {
    for (const [name, value] of Object.entries(secrets) as [SecretName, pulumi.Output<string>][])
      this.secrets.set(name, value);
  }

  /**
   * Creates the Command of one step under `parent`. Steps must come in plan order.
   * @param parentUrn The parent's URN without its name, when known (see {@link aliasesOf}).
   */
  run(step: PlanStep, parent: pulumi.Resource, parentUrn?: string): CommandResource {
    return withoutStackCapture(() => this.command(step, parent, parentUrn));
  }

  private command(step: PlanStep, parent: pulumi.Resource, parentUrn: string | undefined): CommandResource {
    const connection = this.connections.get(step.runsOn);
    if (!connection) throw new pulumi.ResourceError(`step ${step.id}: no connection for host ${step.runsOn}`, parent);
    const dependsOn: pulumi.Resource[] = step.after.map((id) => {
      const command = this.commands.get(id);
      if (!command)
        throw new pulumi.ResourceError(`step ${step.id} waits for ${id}, which has not been created`, parent);
      return command;
    });
    if (step.waitForSsh) dependsOn.push(...(this.options.gateDependsOn ?? []));
    const scripts = `${step.script ?? ""}\n${step.updateScript ?? ""}\n${step.deleteScript ?? ""}`;
    for (const name of Object.keys(LATE) as LateName[])
      if (scripts.includes(LATE[name])) dependsOn.push(...(this.options.lateDependsOn?.[name] ?? []));
    const replacedWith = this.options.replaceWith?.get(step.host);
    // A removal step has no create: it runs nothing, and opens no SSH session, until it is deleted.
    const create = step.script === undefined ? undefined : this.withLateValues(sudoWrap(step.script, step.id), parent);
    const command = commandMaker.make(
      step.id,
      {
        // The gate (a wait-ssh step, a node's preparation) dials until the host answers (customTimeouts
        // bound the wait); a node's own join gives up sooner.
        connection: this.connectionOf(step.runsOn, connection, step.waitForSsh ? -1 : step.dialAttempts),
        create,
        // pulumi-command runs create again when update is absent; said outright where the guard matters.
        // Upgrade steps have only an update script (provider/pkg/provider/remote/commandController.go:
        // Create runs nothing without `create`, Update runs `update` when set, else `create`).
        update: step.protect
          ? create
          : step.updateScript !== undefined
            ? this.withLateValues(sudoWrap(step.updateScript, `${step.id}-update`), parent)
            : undefined,
        delete: step.deleteScript
          ? this.withLateValues(sudoWrap(step.deleteScript, `${step.id}-delete`), parent)
          : undefined,
        stdin: this.stdinFor(step, parent),
        triggers: step.replaceOn.length > 0 ? [...step.replaceOn] : undefined,
        // Secret stdout must not stream into the Pulumi log.
        logging: step.secretStdout ? "stderr" : "stdoutAndStderr",
        // Previous stdout would travel as an environment variable: needs AcceptEnv and may be secret.
        addPreviousOutputInEnv: false,
      },
      {
        parent,
        dependsOn,
        additionalSecretOutputs: step.secretStdout ? ["stdout"] : [],
        deleteBeforeReplace: step.deleteBeforeReplace,
        ...(replacedWith ? { replaceWith: [replacedWith] } : {}),
        // Never deleted or replaced (Pulumi refuses with a message); triggers an earlier version set are ignored.
        ...(step.protect ? { protect: true, ignoreChanges: ["triggers"] } : {}),
        // Earlier names of the step: an upgrade keeps its state instead of running an old delete script.
        ...(step.formerIds.length > 0 ? { aliases: aliasesOf(step, parentUrn) } : {}),
        customTimeouts: timeoutsOf(step),
      },
      stdoutIsRead(step),
    );
    this.commands.set(step.id, command);
    if (step.provides) this.secrets.set(step.provides, pulumi.secret(this.stdoutOf(step).apply((s) => s.trim())));
    return command;
  }

  /** What a step's command printed; only for steps whose stdout the program reads (`stdoutIsRead`). */
  stdoutOf(step: PlanStep): pulumi.Output<string> {
    const stdout = this.commandOf(step).stdout;
    if (!stdout) throw new pulumi.ResourceError(`step ${step.id}: its stdout is not read, so not declared`, this.owner);
    return stdout;
  }

  /** The connection of `host` with `dialErrorLimit` set (or the package's default), lifted once. */
  private connectionOf(
    host: string,
    connection: types.input.remote.ConnectionArgs,
    dialErrorLimit: number | undefined,
  ): pulumi.Output<types.input.remote.ConnectionArgs> {
    return cached(this.lifted, `${host}|${dialErrorLimit ?? "default"}`, () =>
      liftConnection(dialErrorLimit === undefined ? connection : { ...connection, dialErrorLimit }),
    );
  }

  /** The Command created for a plan step (throws if the step has not been run). */
  commandOf(step: PlanStep): CommandResource {
    const command = this.commands.get(step.id);
    if (!command) throw new pulumi.ResourceError(`step ${step.id} has not been created`, this.owner);
    return command;
  }

  /** The secret a step's stdout provides (trimmed, secret), e.g. the CA hash. */
  providedBy(step: PlanStep): pulumi.Output<string> {
    if (!step.provides) throw new pulumi.ResourceError(`step ${step.id} provides no secret`, this.owner);
    // Name the step, not only its secret, if it has not been created yet.
    this.commandOf(step);
    return this.secret(step.provides, this.owner);
  }

  /** A secret by name; `about` is the resource that needs it (throws if no step or input provides it yet). */
  private secret(name: SecretName, about: pulumi.Resource): pulumi.Output<string> {
    const value = this.secrets.get(name);
    if (!value) throw new pulumi.ResourceError(`secret ${name} is not available yet`, about);
    return value;
  }

  /**
   * Fills late placeholders and the URNs of earlier steps (`@URN:<step id>@`); text without any
   * stays a plain string (no diff on bare metal). `about` is the resource whose input the text
   * becomes, named if a value is missing.
   */
  withLateValues(text: string, about: pulumi.Resource = this.owner): pulumi.Input<string> {
    const { used, urnOf } = placeholdersIn(text);
    if (used.length === 0 && urnOf.length === 0) return text;
    const values = used.map((n) => {
      const v = this.options.late?.[n];
      if (!v)
        throw new pulumi.ResourceError(
          `no value for the late placeholder ${LATE[n]} (${n}): the host source must provide it`,
          about,
        );
      return v;
    });
    const urns = urnOf.map((id) => {
      const command = this.commands.get(id);
      if (!command)
        throw new pulumi.ResourceError(`${urnPlaceholder(id)} names step ${id}, which has not been created`, about);
      return command.urn;
    });
    // One Output per text: thousands of joins each name a URN, and every Output has its cost.
    return pulumi.all([...values, ...urns]).apply((all) => {
      const filled = used.reduce((t, n, i) => t.split(LATE[n]).join(all[i]), text);
      return urnOf.reduce((t, id, i) => t.split(urnPlaceholder(id)).join(all[used.length + i]), filled);
    });
  }

  /**
   * Secrets first (the stdin is then secret), then the step's plain data; plain data alone stays
   * readable. One Output per distinct stdin, shared: every worker's join reads the same two secrets.
   */
  private stdinFor(step: PlanStep, parent: pulumi.Resource): pulumi.Input<string> | undefined {
    const data = step.stdinData ?? "";
    if (step.stdin.length === 0) return data === "" ? undefined : data;
    return cached(this.stdins, `${step.stdin.join(" ")}\n${data}`, () => {
      const secrets = step.stdin.map((n) => this.secret(n, parent));
      return pulumi.secret(pulumi.all(secrets).apply((values) => `${values.join("\n")}\n${data}`));
    });
  }
}

/**
 * The late placeholders and step URNs `text` names. Searched in a probe, in a function of its own
 * so that no closure keeps the probe (a copy of the whole script) alive.
 */
function placeholdersIn(text: string): { used: LateName[]; urnOf: string[] } {
  const probe = searchable(text);
  return {
    used: (Object.keys(LATE) as LateName[]).filter((n) => probe.includes(LATE[n])),
    urnOf: [...new Set([...probe.matchAll(URN_PLACEHOLDER)].map((m) => m[1]))],
  };
}

/**
 * A step's earlier names as aliases: whole URNs (the step's own URN with the earlier name) when the
 * parent's is known, else `{ name }`, which the SDK turns into the same URN through a chain of
 * Outputs that each command holds while it waits (about 18 KiB each; two per worker).
 */
function aliasesOf(step: PlanStep, parentUrn: string | undefined): pulumi.Input<pulumi.URN | pulumi.Alias>[] {
  return step.formerIds.map((name) => (parentUrn ? `${parentUrn}$${COMMAND_TYPE}::${name}` : { name }));
}

/** The value of `map` under `key`, made by `make` and kept there the first time it is asked for. */
function cached<V>(map: Map<string, V>, key: string, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}
