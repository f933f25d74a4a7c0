import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { ROOT } from "../test/support/stack";
import { Loader } from "./evaluate";

/** The line prefix a child prints its result after (other output of the program is ignored). */
export const RESULT_PREFIX = "kubeadm-ha-bench-result ";

/** A measurement that could not be taken: the child failed or printed no result. */
export class ChildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ChildError";
  }
}

/** The result line of a child's stdout, parsed. Throws {@link ChildError} when there is none. */
export function parseChildOutput<T>(stdout: string, what: string): T {
  const line = stdout
    .split("\n")
    .reverse()
    .find((l) => l.startsWith(RESULT_PREFIX));
  if (line === undefined) throw new ChildError(`${what}: the child printed no result line`);
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as T;
}

/** Set to `off` in a child's environment: it turns source-mapped stack traces off before measuring. */
export const SOURCE_MAPS_ENV = "KUBEADM_HA_BENCH_SOURCE_MAPS";

/** Set in a child's environment: how it was loaded (see {@link loaderArgs}). */
export const LOADER_ENV = "KUBEADM_HA_BENCH_LOADER";

/**
 * Node flags that load the TypeScript program. `pulumi`: as Pulumi's Node.js language host does
 * (@pulumi/pulumi cmd/run: `require("source-map-support/register")`, then ts-node registered with
 * the project's tsconfig.json, whose `ts-node.transpileOnly` skips type checking); `tsx`: as the
 * tests run.
 */
export function loaderArgs(loader: Loader): string[] {
  if (loader === "tsx") return ["--import", "tsx"];
  // The copy @pulumi/pulumi itself requires.
  const pulumiDir = dirname(require.resolve("@pulumi/pulumi/package.json"));
  return [
    "--require",
    require.resolve("source-map-support/register", { paths: [pulumiDir] }),
    "--require",
    "ts-node/register",
  ];
}

/** Options of one child measurement. */
export interface ChildOptions {
  /** How the child loads the program (default tsx). */
  readonly loader?: Loader;
  /** Extra node flags, e.g. `--cpu-prof`. */
  readonly nodeArgs?: readonly string[];
  /** False: the child measures with source-mapped stack traces off (tsx turns them on). */
  readonly sourceMaps?: boolean;
  /** Milliseconds before the child is killed. */
  readonly timeoutMs: number;
}

/**
 * Runs `bench/child.ts <what> <size>` in a fresh node process (so peak memory is its own) and
 * returns its result. Throws {@link ChildError} with the child's last error lines when it fails.
 */
export function runChild<T>(what: "eval" | "render", size: string, options: ChildOptions): T {
  // --expose-gc lets the child measure what the program keeps once a full collection has run.
  const loader = options.loader ?? "tsx";
  const args = [
    ...loaderArgs(loader),
    "--expose-gc",
    ...(options.nodeArgs ?? []),
    join(ROOT, "bench", "child.ts"),
    what,
    size,
  ];
  const env = {
    ...process.env,
    [SOURCE_MAPS_ENV]: options.sourceMaps === false ? "off" : "on",
    [LOADER_ENV]: loader,
    TS_NODE_PROJECT: join(ROOT, "tsconfig.json"),
  };
  const r = spawnSync(process.execPath, args, {
    cwd: ROOT,
    env,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    timeout: options.timeoutMs,
  });
  const label = `${what} ${size}`;
  if (r.error) throw new ChildError(`${label}: ${r.error.message}`);
  if (r.status !== 0) {
    const tail = `${r.stderr}`.trim().split("\n").slice(-8).join("\n");
    throw new ChildError(`${label}: exited with ${r.status ?? r.signal}\n${tail}`);
  }
  return parseChildOutput<T>(r.stdout, label);
}
