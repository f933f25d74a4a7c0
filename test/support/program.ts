import * as pulumi from "@pulumi/pulumi";
import { AwsHosts } from "../../components/aws/aws-hosts";
import { Cluster } from "../../components/cluster";
import { ClusterSpec } from "../../core/config/types";
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
  /** The resource's URN: its name and the types of its parents, which must not change. */
  readonly urn: Promise<string>;
}

/** Result of running the cluster component under mocks. */
export interface Run {
  /** The component. */
  readonly cluster: Cluster;
  /** Every resource registered with the mock. */
  readonly resources: Recorded[];
  /** Options per resource name. */
  readonly options: Map<string, CapturedOptions>;
}

function nameOfUrn(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/** Creates the Cluster component for `spec` under the installed mocks and waits for registrations. */
export async function runCluster(spec: ClusterSpec): Promise<Run> {
  recorded.length = 0;
  const options = new Map<string, CapturedOptions>();
  const capture: pulumi.ResourceTransformation = (args) => {
    const deps = (args.opts.dependsOn ?? []) as pulumi.Resource[];
    options.set(args.name, {
      name: args.name,
      type: args.type,
      dependsOn: Promise.all(deps.map((d) => new Promise<string>((resolve) => d.urn.apply((u) => { resolve(nameOfUrn(u)); return u; })))),
      deleteBeforeReplace: (args.opts as pulumi.CustomResourceOptions).deleteBeforeReplace === true,
      additionalSecretOutputs: (args.opts as pulumi.CustomResourceOptions).additionalSecretOutputs ?? [],
      customTimeouts: args.opts.customTimeouts,
      // The URN is set after transformations run: read it once the constructor has returned.
      urn: Promise.resolve().then(() => new Promise<string>((resolve) => {
        args.resource.urn.apply((u) => { resolve(u); return u; });
      })),
    });
    return undefined;
  };
  const hostSource = spec.platform === "aws" ? new AwsHosts("kubeadm-ha", spec, { transformations: [capture] }) : undefined;
  const cluster = new Cluster("kubeadm-ha", { spec, sshPrivateKey: pulumi.secret(FAKE.sshPrivateKey), hostSource }, { transformations: [capture] });
  await settle();
  await new Promise((r) => setTimeout(r, 50));
  return { cluster, resources: [...recorded], options };
}

/** Commands among recorded resources, by name. */
export function commandsOf(run: Run): Map<string, Recorded> {
  return new Map(run.resources.filter((r) => r.type === "command:remote:Command").map((r) => [r.name, r]));
}
