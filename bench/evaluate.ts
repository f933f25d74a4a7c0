import { loadavg } from "node:os";
import * as pulumi from "@pulumi/pulumi";
import { Cluster } from "../components/cluster";
import { buildSpec } from "../core/config/build-spec";
import { allHosts, ClusterSpec } from "../core/config/types";
import { FAKE, SECRET_SIG, installMocks, recorded, valueOf } from "../test/support/mocks";
import { busiestHost, CommandNode, criticalPathCommands } from "./graph";
import { BenchSize, benchConfig, nodeNames } from "./stack";

/** How the child loaded the program: as `pulumi up` does (ts-node, source-map-support), or as the tests do (tsx). */
export type Loader = "pulumi" | "tsx";

/** What one evaluation of the program under the mocks measured. */
export interface EvalResult {
  /** Milliseconds from reading the config to the last resource registered and the outputs resolved. */
  readonly evalMs: number;
  /** CPU milliseconds (user + system, every thread) of the whole process, startup included. */
  readonly cpuMs: number;
  /** Milliseconds from process start to the start of the evaluation (loading modules). */
  readonly startupMs: number;
  /** Peak resident memory of the process, MiB (`maxRSS`). */
  readonly peakRssMiB: number;
  /**
   * Heap still in use after a full garbage collection once every registration is done, MiB: what
   * the program keeps, as against the peak, which holds every registration in flight (undefined
   * without `--expose-gc`).
   */
  readonly liveHeapMiB?: number;
  /** Resources registered (components, random secrets, commands). */
  readonly resources: number;
  /** `remote.Command`s registered. */
  readonly commands: number;
  /** Of those, commands with a create (bring-up commands). */
  readonly bringUpCommands: number;
  /** The host whose SSH connection runs the most bring-up commands, and how many. */
  readonly busiest: { readonly host: string; readonly commands: number };
  /** Longest `dependsOn` chain of commands, counting commands with a create. */
  readonly criticalPath: number;
  /** 1-minute load average when the evaluation started (others' work on the machine). */
  readonly loadAverage: number;
  /** Whether Node's own source-mapped stack traces were on (tsx turns them on; `--no-source-maps` off). */
  readonly sourceMaps: boolean;
  /** How the program was loaded (absent in results of earlier versions: tsx). */
  readonly loader?: Loader;
}

const COMMAND = "command:remote:Command";

/** An input as the mock received it, without the secret wrapper. */
function plain(v: unknown): unknown {
  return v !== null && typeof v === "object" && SECRET_SIG in v ? (v as unknown as { value: unknown }).value : v;
}

/**
 * What the bench needs of each resource's options, taken when it is constructed: its name and the
 * names of what it waits for. Synchronous (a resource's dependencies are constructed before it),
 * so the measurement adds a map entry per resource, not the promises per option of the tests'
 * capture (test/support/program.ts), which `pulumi up` does not have.
 */
class DependsOnCapture {
  private readonly nameOf = new Map<pulumi.Resource, string>();
  /** `type::name` → names of the resources in its `dependsOn`. */
  readonly dependsOn = new Map<string, string[]>();

  /** The transformation to register the cluster with. */
  readonly transformation: pulumi.ResourceTransformation = (args) => {
    this.nameOf.set(args.resource, args.name);
    const deps = (args.opts.dependsOn ?? []) as pulumi.Resource[];
    this.dependsOn.set(
      `${args.type}::${args.name}`,
      deps.map((d) => this.nameOf.get(d) ?? "(not a resource of the cluster)"),
    );
    return undefined;
  };
}

/** Waits until every resource the program constructed has reached the mock. */
async function allRegistered(constructed: number): Promise<void> {
  while (recorded.length < constructed) await new Promise((r) => setTimeout(r, 10));
}

/** The recorded commands as graph nodes: host by connection address, waits by `dependsOn`. */
function commandNodes(capture: DependsOnCapture, spec: ClusterSpec): CommandNode[] {
  const hostOf = new Map(allHosts(spec).map((h) => [h.address, h.name]));
  return recorded
    .filter((r) => r.type === COMMAND)
    .map((c) => {
      const address = (plain(c.inputs.connection) as { host: string }).host;
      const create = plain(c.inputs.create);
      return {
        name: c.name,
        runsOn: hostOf.get(address) ?? address,
        // By length: searching the script (trim) would copy each one whole (core/plan/template.ts searchable).
        hasCreate: typeof create === "string" && create.length > 0,
        // By type and name: a Command may share its name with a resource of another type.
        dependsOn: capture.dependsOn.get(`${COMMAND}::${c.name}`) ?? [],
      };
    });
}

/**
 * Evaluates the whole program (spec, plan, components, every Command) under the project's Pulumi
 * mocks for a generated bare-metal stack of `size`, as `index.ts` builds it, and measures it.
 * Call once per process: peak memory is the process's.
 */
export async function evaluateSize(size: BenchSize, loader: Loader = "tsx"): Promise<EvalResult> {
  const config = benchConfig(size);
  // The verify step's fake report lists the stack's nodes, as the real one would.
  installMocks(nodeNames(size));
  recorded.length = 0;
  const loadAverage = loadavg()[0];
  // performance.now() counts from process start: what came before is loading modules.
  const start = performance.now();
  const spec = buildSpec(config);
  const capture = new DependsOnCapture();
  const cluster = new Cluster(
    "kubeadm-ha",
    { spec, sshPrivateKey: pulumi.secret(FAKE.sshPrivateKey) },
    { transformations: [capture.transformation] },
  );
  await allRegistered(capture.dependsOn.size);
  await Promise.all([valueOf(cluster.clusterHealth), valueOf(cluster.kubeconfig), valueOf(cluster.caCertHash)]);
  const evalMs = performance.now() - start;
  const nodes = commandNodes(capture, spec);
  const cpu = process.cpuUsage();
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  return {
    evalMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    startupMs: start,
    peakRssMiB,
    ...(gc ? { liveHeapMiB: process.memoryUsage().heapUsed / (1024 * 1024) } : {}),
    resources: recorded.length,
    commands: nodes.length,
    bringUpCommands: nodes.filter((n) => n.hasCreate).length,
    busiest: busiestHost(nodes),
    criticalPath: criticalPathCommands(nodes),
    loadAverage,
    sourceMaps: process.sourceMapsEnabled,
    loader,
  };
}
