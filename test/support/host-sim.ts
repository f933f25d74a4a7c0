import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isRoot, missingTool } from "./tools";

/** The fake tools every simulated host runs instead of the real ones (test/support/host-sim-tools.sh). */
const TOOLS = ["kubeadm", "kubectl", "curl", "sleep"] as const;

/** The dev stack brought up: init, token, control planes one at a time (the admin host last), workers. */
export const DEV_BRING_UP: readonly string[] = [
  "kubeadm-init",
  "join-token",
  "cp2-join-material",
  "cp2-kubeadm-join",
  "cp3-join-material",
  "cp3-kubeadm-join",
  "cp1-join-material",
  "cp1-kubeadm-join",
  "worker1-kubeadm-join",
  "worker2-kubeadm-join",
];

/** What a script printed and how it ended. */
export interface SimResult {
  /** Exit status. */
  readonly status: number;
  /** What it printed on stdout. */
  readonly stdout: string;
  /** What it printed on stderr. */
  readonly stderr: string;
}

/** An etcd member of the simulated cluster. */
export interface SimMember {
  /** Member (node) name. */
  readonly name: string;
  /** Peer URL. */
  readonly peer: string;
}

/**
 * Why the host simulator cannot run here (it needs root for private mount and UTS namespaces), or
 * undefined when it can. With KUBEADM_HA_REQUIRE_TOOLS=1 (.ci/run) it throws instead of skipping.
 */
export function simUnavailable(): string | undefined {
  const missing = missingTool("unshare", "mount");
  if (missing) return missing;
  if (isRoot) return undefined;
  const why = "the host simulator needs root (private mount namespaces)";
  if (process.env.KUBEADM_HA_REQUIRE_TOOLS === "1") throw new Error(why);
  return why;
}

/**
 * A cluster and its hosts, simulated for running the rendered scripts for real: each host is a
 * private mount (and UTS) namespace whose /etc, /var/lib and /var/log are its own folders, with
 * fake kubeadm, kubectl, curl and sleep (test/support/host-sim-tools.sh) that act on one shared
 * cluster state kept as files. Scripts run as root, exactly as rendered, secrets on stdin.
 */
export class HostSim {
  /** The simulation's temp folder. */
  readonly root: string;
  /** The shared cluster state the fakes read and write. */
  readonly cluster: string;
  private readonly bin: string;

  constructor() {
    this.root = mkdtempSync(join(tmpdir(), "kubeadm-ha-host-sim-"));
    this.cluster = join(this.root, "cluster");
    this.bin = join(this.root, "bin");
    const state = ["nodes", "members", "tokens", "objects", "faults", "apiservers"].map((d) => join(this.cluster, d));
    for (const d of [this.bin, join(this.root, "real-etc"), join(this.root, "home"), ...state])
      mkdirSync(d, { recursive: true });
    const fake = join(this.bin, "host-sim-tools.sh");
    copyFileSync(join(__dirname, "host-sim-tools.sh"), fake);
    chmodSync(fake, 0o755);
    for (const tool of TOOLS) symlinkSync(fake, join(this.bin, tool));
  }

  /** The folder that stands for `path` (under /etc, /var/lib or /var/log) on simulated host `host`. */
  hostPath(host: string, path: string): string {
    const mount = ["/etc", "/var/lib", "/var/log"].find((m) => path === m || path.startsWith(`${m}/`));
    if (!mount) throw new Error(`host-sim: ${path} is not under /etc, /var/lib or /var/log`);
    return join(this.root, "hosts", host, mount.replace(/\//g, "_"), path.slice(mount.length));
  }

  /** True when `path` exists on simulated host `host`. */
  exists(host: string, path: string): boolean {
    return existsSync(this.hostPath(host, path));
  }

  /** Runs `script` as root on simulated host `host` (its hostname is `host` too), `stdin` fed to it. */
  run(host: string, script: string, stdin = ""): SimResult {
    for (const m of ["/etc", "/var/lib", "/var/log"]) mkdirSync(this.hostPath(host, m), { recursive: true });
    // The tools' alternatives (awk -> mawk) live in /etc: reached through the real /etc, kept aside.
    const alternatives = join(this.hostPath(host, "/etc"), "alternatives");
    if (!lstatSync(alternatives, { throwIfNoEntry: false }))
      symlinkSync(join(this.root, "real-etc", "alternatives"), alternatives);
    const file = join(this.root, `script-${host}.sh`);
    writeFileSync(file, script);
    const binds = [
      `mount --bind /etc '${join(this.root, "real-etc")}'`,
      ...["/etc", "/var/lib", "/var/log"].map((m) => `mount --bind '${this.hostPath(host, m)}' ${m}`),
    ].join(" && ");
    const r = spawnSync(
      "unshare",
      [
        "-m",
        "-u",
        "bash",
        "-c",
        `${binds} && hostname '${host}' && PATH='${this.bin}':"$PATH" SIM_HOST='${host}' SIM_CLUSTER='${this.cluster}' exec bash '${file}'`,
      ],
      // HOME: bash reads ~/.bashrc when its stdin is a socket, as under sshd (and node's pipes are sockets).
      {
        input: stdin,
        encoding: "utf8",
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: join(this.root, "home") },
      },
    );
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** Turns a fault of the fakes on (see host-sim-tools.sh: init-fails, join-fails, api-down, etcd-down-<name>, ...). */
  fault(name: string, value = ""): void {
    writeFileSync(join(this.cluster, "faults", name), value);
  }

  /** Turns a fault off. */
  heal(name: string): void {
    rmSync(join(this.cluster, "faults", name), { force: true });
  }

  /** Every call of a fake tool so far, `<host> <tool> <args>`, in order. */
  calls(): string[] {
    const log = join(this.cluster, "log");
    return existsSync(log)
      ? readFileSync(log, "utf8")
          .split("\n")
          .filter((l) => l !== "")
      : [];
  }

  /** Calls of `tool` made on `host` (`<args>` only). */
  callsOf(host: string, tool: string): string[] {
    const prefix = `${host} ${tool} `;
    return this.calls()
      .filter((c) => c.startsWith(prefix))
      .map((c) => c.slice(prefix.length));
  }

  /** Every config file the fakes were given (`--config` or `-f`), `mode=NNN` then its content. */
  seen(): string {
    const f = join(this.cluster, "seen");
    return existsSync(f) ? readFileSync(f, "utf8") : "";
  }

  /** The cluster's etcd members, by name. */
  members(): SimMember[] {
    return this.entries("members").map(([name, text]) => ({ name, peer: /^peer=(.*)$/m.exec(text)?.[1] ?? "" }));
  }

  /** The cluster's Node objects: name → `Ready` status (`True`, `False`, or `stale` right after a reset). */
  nodes(): Map<string, string> {
    return new Map(this.entries("nodes").map(([name, text]) => [name, /^ready=(.*)$/m.exec(text)?.[1] ?? ""]));
  }

  /** External etcd members answering at `endpoints` (`host:port`), for verify with external etcd. */
  externalEtcd(endpoints: readonly string[]): void {
    mkdirSync(join(this.cluster, "external"), { recursive: true });
    for (const e of endpoints) writeFileSync(join(this.cluster, "external", e), "");
  }

  /** Removes every bootstrap token (as if 24 h had passed) or the uploaded certificates (2 h). */
  expire(what: "tokens" | "certs"): void {
    if (what === "certs") rmSync(join(this.cluster, "certs"), { force: true });
    else for (const t of this.entries("tokens")) rmSync(join(this.cluster, "tokens", t[0]));
  }

  /** Removes the simulation's folder. */
  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }

  private entries(dir: string): [string, string][] {
    const d = join(this.cluster, dir);
    if (!existsSync(d)) return [];
    return readdirSync(d)
      .sort()
      .map((n) => [n, readFileSync(join(d, n), "utf8")]);
  }
}
