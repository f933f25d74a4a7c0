import { liveDaemons } from "./daemon";
import { messageOf } from "./errors";
import { undoHostChanges } from "./host-files";
import { releaseLock } from "./lock";
import { restorePolicyRcD } from "./packages";
import { deleteNamespace, listLabNamespaces } from "../net/netns";
import { NS_PREFIX } from "../settings";

/**
 * Removes everything a lab run leaves: its daemons (by process group), every process in a lab
 * namespace (by pid, from `ip netns pids`), the namespaces (bridge last), the host changes
 * listed in the marker and a policy-rc.d left by an interrupted package install. Synchronous, so it
 * also works from an `exit` handler; safe to repeat.
 * Returns what it did.
 */
export function teardown(): string[] {
  const did: string[] = [];
  for (const d of liveDaemons()) d.signal("SIGKILL");
  const names = listLabNamespaces().sort((a, b) => Number(a === `${NS_PREFIX}br`) - Number(b === `${NS_PREFIX}br`));
  for (const ns of names) {
    try {
      deleteNamespace(ns);
      did.push(`deleted namespace ${ns}`);
    } catch (e) {
      did.push(`could not delete ${ns}: ${messageOf(e)}`);
    }
  }
  try {
    did.push(...undoHostChanges());
    // A run killed while apt-get installed left its policy-rc.d in place.
    const policy = restorePolicyRcD();
    if (policy) did.push(policy);
  } catch (e) {
    did.push(`could not undo host changes: ${messageOf(e)}`);
  }
  return did;
}

/**
 * Runs {@link teardown} once, on normal end, on error, and on SIGINT/SIGTERM/SIGHUP, then releases
 * the lock.
 */
export class Cleanup {
  private done = false;

  constructor(private readonly say: (line: string) => void) {}

  /** Installs the exit and signal handlers. */
  install(): void {
    process.on("exit", () => this.run("exit"));
    const codes: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
    for (const [sig, code] of Object.entries(codes) as [NodeJS.Signals, number][]) {
      process.on(sig, () => {
        this.say(`lab: ${sig}, cleaning up`);
        this.run(sig);
        process.exit(code);
      });
    }
  }

  /** Tears the lab down (first call only). */
  run(reason: string): void {
    if (this.done) return;
    this.done = true;
    const did = teardown();
    this.say(`lab: cleanup (${reason}): ${did.length > 0 ? did.join("; ") : "nothing left"}`);
    releaseLock();
  }
}
