import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError } from "../config/problems";
import { OutDirError, replaceTree } from "./out-dir";
import { renderPlan } from "./render-plan";
import { loadStackSpec, StackFileError } from "./stack-files";

/** Where the CLI reads and writes: injected so tests can run it in-process. */
export interface CliIo {
  /** Folder relative paths are resolved from. */
  readonly cwd: string;
  /** Writes to standard output. */
  readonly out: (text: string) => void;
  /** Writes to standard error. */
  readonly err: (text: string) => void;
}

/** Exit codes of the render CLI. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The usage text. */
export const USAGE = `usage: npm run render -- --stack NAME [--out DIR] [--dir PROJECT_DIR]

Renders what \`pulumi up\` would run on each host of stack NAME, offline, as files:
  PROJECT_DIR/Pulumi.yaml + Pulumi.NAME.yaml  ->  DIR/PLAN.md, DIR/<host>/NN-<phase>.sh, DIR/<host>/files/...

  --stack NAME        stack to render (required)
  --out DIR           output folder (default: render-out/NAME); replaced on each render, and
                      refused if it holds files the renderer did not write
  --dir PROJECT_DIR   folder of Pulumi.yaml and the stack file (default: current folder)
  -h, --help          show this text

Exit codes: 0 rendered, 1 invalid stack configuration or files, 2 usage error.
`;

/** Runs the render CLI with `argv` (without node and script); returns the exit code. */
export function renderCli(argv: readonly string[], io: CliIo): number {
  let values: { stack?: string; out?: string; dir?: string; help?: boolean };
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        stack: { type: "string" },
        out: { type: "string" },
        dir: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    io.err(`render: ${(e as Error).message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (values.help) {
    io.out(USAGE);
    return EXIT.ok;
  }
  if (!values.stack) {
    io.err(`render: --stack is required\n\n${USAGE}`);
    return EXIT.usage;
  }
  const stack = values.stack;
  const dir = resolve(io.cwd, values.dir ?? ".");
  const outDir = resolve(io.cwd, values.out ?? `render-out/${stack}`);
  try {
    const { spec } = loadStackSpec(dir, stack);
    for (const warning of spec.warnings) io.err(`warning: ${warning}\n`);
    const tree = renderPlan(stack, spec);
    replaceTree(outDir, tree);
    const hosts = new Set([...tree.keys()].filter((p) => p.includes("/")).map((p) => p.split("/")[0]));
    io.out(`rendered stack ${stack}: ${tree.size} files for ${hosts.size} hosts in ${outDir} (see PLAN.md)\n`);
    return EXIT.ok;
  } catch (e) {
    if (e instanceof ConfigError || e instanceof StackFileError || e instanceof OutDirError) {
      io.err(`${e.message}\n`);
      return EXIT.failed;
    }
    throw e;
  }
}
