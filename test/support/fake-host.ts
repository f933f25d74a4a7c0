import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FAKE_PROGRAMS, fakeProgram } from "./fake-bin";
import { isRoot, missingTool, tempDirs } from "./tools";

/** Real programs the scripts may run on the fake host; everything else on its PATH is a fake. */
const REAL_TOOLS = [
  "bash",
  "awk",
  "sed",
  "grep",
  "sort",
  "head",
  "tail",
  "find",
  "rm",
  "install",
  "mkdir",
  "mktemp",
  "cat",
  "mv",
  "cp",
  "date",
  "seq",
  "tr",
  "hostname",
  "touch",
  "basename",
  "wc",
  "cut",
  "stat",
  "ls",
  "chmod",
];

/** Host folders a run sees as the fake host's own (bind-mounted from the host's root folder), by subfolder name. */
const MOUNTED = { etc: "/etc", varLib: "/var/lib", varLog: "/var/log", run: "/run" } as const;

/** What a script run on the fake host did. */
export interface FakeRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A throw-away host for running a node script for real: its /etc, /var/lib, /var/log and /run are
 * folders of a temp root (bind-mounted over the real ones in a private mount and network
 * namespace), its PATH holds the fakes of `fake-bin.ts` plus a few real tools, and the fakes keep
 * their state and a log of their calls under `state/`.
 */
export class FakeHost {
  /** The temp root of this host. */
  readonly root: string;
  /** Its PATH: the fakes and links to the real tools. */
  readonly bin: string;
  /** Where the fakes keep their state (`$FAKE_STATE`). */
  readonly state: string;

  constructor(makeDir: () => string) {
    this.root = makeDir();
    this.bin = join(this.root, "bin");
    this.state = join(this.root, "state");
    for (const d of ["bin", "state", ...Object.keys(MOUNTED)]) mkdirSync(join(this.root, d));
    for (const [name, body] of Object.entries(FAKE_PROGRAMS)) this.fake(name, body);
    for (const tool of REAL_TOOLS) {
      const found = spawnSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
      if (found) symlinkSync(realpathSync(found), join(this.bin, tool));
    }
    for (const dir of ["/etc/modules-load.d", "/etc/sysctl.d", "/etc/apt/sources.list.d"])
      mkdirSync(this.path(dir), { recursive: true });
    this.write("/etc/os-release", 'ID=ubuntu\nVERSION_ID="22.04"\nVERSION_CODENAME=jammy\n');
    this.write("/etc/fstab", "UUID=abc / ext4 defaults 0 1\n/swap.img none swap sw 0 0\n");
  }

  /** Installs (or replaces) the fake program `name` with `body`. */
  fake(name: string, body: string): void {
    writeFileSync(join(this.bin, name), fakeProgram(body));
    chmodSync(join(this.bin, name), 0o755);
  }

  /** Writes a state file of the fakes. */
  setState(name: string, content: string): void {
    writeFileSync(join(this.state, name), content);
  }

  /** Reads a state file of the fakes (undefined when absent). */
  readState(name: string): string | undefined {
    const path = join(this.state, name);
    return existsSync(path) ? readFileSync(path, "utf8") : undefined;
  }

  /** The fakes' calls, one `name args` line each, from call number `since` on. */
  calls(since = 0): string[] {
    return (this.readState("calls") ?? "")
      .split("\n")
      .filter((l) => l !== "")
      .slice(since);
  }

  /** Where a host path of a mounted folder lives in the temp root (throws for other paths). */
  path(hostPath: string): string {
    for (const [dir, mount] of Object.entries(MOUNTED)) {
      if (hostPath === mount || hostPath.startsWith(`${mount}/`))
        return join(this.root, dir, hostPath.slice(mount.length));
    }
    throw new Error(`${hostPath} is not on a mounted folder of the fake host`);
  }

  /** Writes a file on the fake host (its folders are made). */
  write(hostPath: string, content: string): void {
    const path = this.path(hostPath);
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, content);
  }

  /** Reads a file of the fake host (undefined when absent). */
  read(hostPath: string): string | undefined {
    const path = this.path(hostPath);
    return existsSync(path) ? readFileSync(path, "utf8") : undefined;
  }

  /** True when the path exists on the fake host. */
  exists(hostPath: string): boolean {
    return existsSync(this.path(hostPath));
  }

  /** Runs a script as root with the fake host's folders mounted, in a private mount and network namespace. */
  run(script: string): FakeRun {
    const file = join(this.root, "script.sh");
    writeFileSync(file, script);
    const mounts = Object.entries(MOUNTED)
      .map(([dir, mount]) => `mount --bind '${join(this.root, dir)}' ${mount}`)
      .join(" && ");
    const r = spawnSync(
      "unshare",
      [
        "-m",
        "-n",
        "bash",
        "-c",
        `${mounts} && exec env -i PATH='${this.bin}' FAKE_STATE='${this.state}' HOME=/root bash '${file}'`,
      ],
      {
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** Runs a script with the fake PATH only, without mounting anything (for scripts that touch no host folder). */
  runUnmounted(script: string): FakeRun {
    const file = join(this.root, "script.sh");
    writeFileSync(file, script);
    const r = spawnSync("env", ["-i", `PATH=${this.bin}`, `FAKE_STATE=${this.state}`, "HOME=/root", "bash", file], {
      encoding: "utf8",
      timeout: 60_000,
    });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }
}

/**
 * Why scripts cannot run on a fake host here (no root, no unshare/mount), or undefined when they
 * can. With KUBEADM_HA_REQUIRE_TOOLS=1 the missing root fails instead.
 */
export function fakeHostUnavailable(): string | undefined {
  const why = missingTool("unshare", "mount");
  if (why) return why;
  if (isRoot) return undefined;
  const reason = "running node scripts on a fake host needs root (private mount and network namespace)";
  if (process.env.KUBEADM_HA_REQUIRE_TOOLS === "1") throw new Error(reason);
  return reason;
}

/** A maker of fresh fake hosts whose temp roots are removed when the test file ends. */
export function fakeHosts(): () => FakeHost {
  const dirs = tempDirs("kubeadm-ha-fake-host-");
  return () => new FakeHost(dirs);
}
