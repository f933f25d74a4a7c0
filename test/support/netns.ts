import { spawnSync } from "node:child_process";

/** How a command run in the namespace ended (the shape `judgeKeepalivedTest` reads). */
export interface NamespaceRun {
  /** Exit status; null when a signal ended it. */
  readonly status: number | null;
  /** The signal that ended it, if any. */
  readonly signal: NodeJS.Signals | null;
  /** stdout and stderr together. */
  readonly output: string;
}

/**
 * Runs `fn` with a throw-away network namespace that has `iface` (a veth end) carrying
 * `address`, so keepalived -t finds its interface. Removed afterwards, also on failure.
 */
export function withInterfaceNamespace<T>(
  address: string,
  fn: (exec: (cmd: string[]) => NamespaceRun) => T,
  iface = "eth0",
): T {
  const ns = `kha-test-${process.pid}`;
  const ip = (...args: string[]): void => {
    const r = spawnSync("ip", args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr}`);
  };
  spawnSync("ip", ["netns", "del", ns], { stdio: "ignore" });
  ip("netns", "add", ns);
  try {
    ip("-n", ns, "link", "add", iface, "type", "veth", "peer", "name", "peer0");
    ip("-n", ns, "addr", "add", `${address}/24`, "dev", iface);
    ip("-n", ns, "link", "set", iface, "up");
    return fn((cmd) => {
      const r = spawnSync("ip", ["netns", "exec", ns, ...cmd], { encoding: "utf8" });
      return { status: r.status, signal: r.signal, output: `${r.stdout}${r.stderr}` };
    });
  } finally {
    spawnSync("ip", ["netns", "del", ns], { stdio: "ignore" });
  }
}
