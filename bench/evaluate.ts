import { loadavg } from "node:os";
import { SECRET_SIG, installMocks, recorded, valueOf } from "../test/support/mocks";
import { runCluster, Run } from "../test/support/program";
import { buildSpec } from "../core/config/build-spec";
import { allHosts, ClusterSpec } from "../core/config/types";
import { busiestHost, CommandNode, criticalPathCommands } from "./graph";
import { BenchSize, benchConfig, nodeNames } from "./stack";

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
  /** Whether stack traces were source-mapped (tsx turns it on; `--no-source-maps` off). */
  readonly sourceMaps: boolean;
}

const COMMAND = "command:remote:Command";

/** An input as the mock received it, without the secret wrapper. */
function plain(v: unknown): unknown {
  return v !== null && typeof v === "object" && SECRET_SIG in v ? (v as unknown as { value: unknown }).value : v;
}

/** Waits until every resource the program constructed has reached the mock. */
async function allRegistered(run: Run): Promise<void> {
  for (;;) {
    // Counting first keeps the wait cheap while thousands of registrations are still on their way.
    if (recorded.length >= run.typedOptions.size) {
      const names = new Set(recorded.map((r) => `${r.type}::${r.name}`));
      if ([...run.typedOptions.keys()].every((n) => names.has(n))) return;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The recorded commands as graph nodes: host by connection address, waits by `dependsOn`. */
async function commandNodes(run: Run, spec: ClusterSpec): Promise<CommandNode[]> {
  const hostOf = new Map(allHosts(spec).map((h) => [h.address, h.name]));
  const nodes: CommandNode[] = [];
  for (const c of recorded.filter((r) => r.type === COMMAND)) {
    const name = c.name;
    const address = (plain(c.inputs.connection) as { host: string }).host;
    const create = plain(c.inputs.create);
    nodes.push({
      name,
      runsOn: hostOf.get(address) ?? address,
      hasCreate: typeof create === "string" && create.trim() !== "",
      // By type and name: a Command may share its name with a resource of another type.
      dependsOn: (await run.typedOptions.get(`${COMMAND}::${name}`)?.dependsOn) ?? [],
    });
  }
  return nodes;
}

/**
 * Evaluates the whole program (spec, plan, components, every Command) under the project's Pulumi
 * mocks for a generated bare-metal stack of `size`, as `test/program.test.ts` does, and measures it.
 * Call once per process: peak memory is the process's.
 */
export async function evaluateSize(size: BenchSize): Promise<EvalResult> {
  const config = benchConfig(size);
  // The verify step's fake report lists the stack's nodes, as the real one would.
  installMocks(nodeNames(size));
  const loadAverage = loadavg()[0];
  // performance.now() counts from process start: what came before is loading modules.
  const start = performance.now();
  const spec = buildSpec(config);
  const run = await runCluster(spec);
  await allRegistered(run);
  await Promise.all([
    valueOf(run.cluster.clusterHealth),
    valueOf(run.cluster.kubeconfig),
    valueOf(run.cluster.caCertHash),
  ]);
  const evalMs = performance.now() - start;
  const nodes = await commandNodes(run, spec);
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
  };
}
