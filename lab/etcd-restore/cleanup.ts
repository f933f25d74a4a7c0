import { liveDaemons } from "../lib/daemon";
import { messageOf } from "../lib/errors";
import { releaseLock } from "../lib/lock";
import { deleteNamespace, listLabNamespaces } from "../net/netns";
import { DRILL_NS_PREFIX } from "./settings";

/**
 * Removes what this drill started: its etcd processes and its `kha-lab-er-*` namespaces, nothing
 * else (another lab run may own the other `kha-lab-*` namespaces by now), then releases the lab
 * lock if this process still holds it. Synchronous, safe to repeat; returns what it did.
 */
export function removeDrill(): string[] {
  const did: string[] = [];
  for (const d of liveDaemons()) d.signal("SIGKILL");
  for (const ns of listLabNamespaces()
    .filter((n) => n.startsWith(DRILL_NS_PREFIX))
    .sort((a, b) => Number(a.endsWith("-br")) - Number(b.endsWith("-br")))) {
    try {
      deleteNamespace(ns);
      did.push(`deleted namespace ${ns}`);
    } catch (e) {
      did.push(`could not delete ${ns}: ${messageOf(e)}`);
    }
  }
  releaseLock();
  return did;
}

/** Runs {@link removeDrill} once: at the end, on error, and on SIGINT/SIGTERM/SIGHUP. */
export class DrillCleanup {
  private done = false;

  constructor(private readonly say: (line: string) => void) {}

  /** Installs the exit and signal handlers. */
  install(): void {
    process.on("exit", () => this.run("exit"));
    const codes: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
    for (const [sig, code] of Object.entries(codes) as [NodeJS.Signals, number][]) {
      process.on(sig, () => {
        this.run(sig);
        process.exit(code);
      });
    }
  }

  /** Removes the drill (first call only). */
  run(reason: string): void {
    if (this.done) return;
    this.done = true;
    const did = removeDrill();
    this.say(`etcd restore drill: cleanup (${reason}): ${did.length > 0 ? did.join("; ") : "nothing left"}`);
  }
}
