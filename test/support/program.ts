import * as pulumi from "@pulumi/pulumi";
import { AwsHosts } from "../../components/aws/aws-hosts";
import { Cluster } from "../../components/cluster";
import { ClusterSpec } from "../../core/config/types";
import { buildSpec } from "../../core/config/build-spec";
import { stackConfig } from "./stack";
import { FAKE, recorded, Recorded, settle } from "./mocks";

/** Options a resource was registered with, as seen by a transformation. */
export interface CapturedOptions {
  /** Resource name. */
  readonly name: string;
  /** Type token. */
  readonly type: string;
  /** Names of the resources in dependsOn. */
  readonly dependsOn: Promise<string[]>;
  /** deleteBeforeReplace option. */
  readonly deleteBeforeReplace: boolean;
  /** additionalSecretOutputs option. */
  readonly additionalSecretOutputs: string[];
  /** customTimeouts option. */
  readonly customTimeouts?: pulumi.CustomTimeouts;
  /** Names of the aliases (earlier names) the resource was registered with. */
  readonly aliases: string[];
  /** The aliases given as whole URNs. */
  readonly aliasUrns: string[];
  /** The URNs the SDK makes of the aliases' names under the same parent (what `{ name }` means). */
  readonly sdkAliasUrns: Promise<string[]>;
  /** The resource's URN: its name and the types of its parents, which must not change. */
  readonly urn: Promise<string>;
  /** protect option. */
  readonly protect: boolean;
  /** Names of the resources in replaceWith. */
  readonly replaceWith: Promise<string[]>;
  /** ignoreChanges option. */
  readonly ignoreChanges: string[];
}

/** Result of running the cluster component under mocks. */
export interface Run {
  /** The component. */
  readonly cluster: Cluster;
  /** Every resource registered with the mock. */
  readonly resources: Recorded[];
  /** Options per resource name. */
  readonly options: Map<string, CapturedOptions>;
  /** Options per `type::name`, for resources of different types that share a name. */
  readonly typedOptions: Map<string, CapturedOptions>;
}

function nameOfUrn(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/** Creates the Cluster component for `spec` under the installed mocks and waits for registrations. */
export async function runCluster(spec: ClusterSpec): Promise<Run> {
  recorded.length = 0;
  const options = new Map<string, CapturedOptions>();
  const typedOptions = new Map<string, CapturedOptions>();
  const capture: pulumi.ResourceTransformation = (args) => {
    const deps = (args.opts.dependsOn ?? []) as pulumi.Resource[];
    const nameOf = (r: pulumi.Resource): Promise<string> =>
      new Promise<string>((resolve) =>
        r.urn.apply((u) => {
          resolve(nameOfUrn(u));
          return u;
        }),
      );
    const captured: CapturedOptions = {
      name: args.name,
      type: args.type,
      dependsOn: Promise.all(
        deps.map(
          (d) =>
            new Promise<string>((resolve) =>
              d.urn.apply((u) => {
                resolve(nameOfUrn(u));
                return u;
              }),
            ),
        ),
      ),
      deleteBeforeReplace: (args.opts as pulumi.CustomResourceOptions).deleteBeforeReplace === true,
      additionalSecretOutputs: (args.opts as pulumi.CustomResourceOptions).additionalSecretOutputs ?? [],
      customTimeouts: args.opts.customTimeouts,
      aliases: (args.opts.aliases ?? []).map((a) =>
        typeof a === "object" && a !== null && "name" in a ? String(a.name) : nameOfUrn(String(a)),
      ),
      aliasUrns: (args.opts.aliases ?? []).filter((a): a is string => typeof a === "string"),
      // As the SDK turns `{ name }` into a URN (createUrn: the parent's URN, its name cut, then `$type::name`).
      sdkAliasUrns: Promise.all(
        (args.opts.aliases ?? []).map(
          (a) =>
            new Promise<string>((resolve) =>
              pulumi
                .createUrn(
                  typeof a === "string" ? nameOfUrn(a) : String((a as { name: string }).name),
                  args.type,
                  args.opts.parent,
                )
                .apply((u) => {
                  resolve(u);
                  return u;
                }),
            ),
        ),
      ),
      protect: args.opts.protect === true,
      replaceWith: Promise.all((args.opts.replaceWith ?? []).map(nameOf)),
      ignoreChanges: args.opts.ignoreChanges ?? [],
      // The URN is set after transformations run: read it once the constructor has returned.
      urn: Promise.resolve().then(
        () =>
          new Promise<string>((resolve) => {
            args.resource.urn.apply((u) => {
              resolve(u);
              return u;
            });
          }),
      ),
    };
    options.set(args.name, captured);
    typedOptions.set(`${args.type}::${args.name}`, captured);
    return undefined;
  };
  const sshPrivateKey = pulumi.secret(FAKE.sshPrivateKey);
  const hostSource =
    spec.platform === "aws"
      ? new AwsHosts("kubeadm-ha", { spec, sshPrivateKey }, { transformations: [capture] })
      : undefined;
  const cluster = new Cluster("kubeadm-ha", { spec, sshPrivateKey, hostSource }, { transformations: [capture] });
  await settle();
  await new Promise((r) => setTimeout(r, 50));
  return { cluster, resources: [...recorded], options, typedOptions };
}

/** Commands among recorded resources, by name. */
export function commandsOf(run: Run): Map<string, Recorded> {
  return new Map(run.resources.filter((r) => r.type === "command:remote:Command").map((r) => [r.name, r]));
}

let devStack: Promise<{ run: Run; spec: ClusterSpec }> | undefined;
/** The dev stack (Pulumi.dev.yaml) run once per test file, under the mocks that file installed. */
export function devStackRun(): Promise<{ run: Run; spec: ClusterSpec }> {
  devStack ??= (async () => {
    const spec = buildSpec(stackConfig("dev"));
    return { run: await runCluster(spec), spec };
  })();
  return devStack;
}
