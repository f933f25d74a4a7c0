import { liveDaemons } from "./daemon";
import { messageOf } from "./errors";
import { undoHostChanges } from "./host-files";
import { releaseLock } from "./lock";
import { restorePolicyRcD } from "./packages";
import { deleteNamespace, listLabNamespaces } from "../net/netns";
import { NS_PREFIX } from "../settings";

/**
 * Kills the daemons this process started (by process group), then every process in each lab
 * namespace whose name starts with `prefix` (by pid, from `ip netns pids`) and deletes those
 * namespaces, the bridge (`<prefix>br`) last. Synchronous, safe to repeat; returns what it did.
 */
export function removeNamespaces(prefix: string): string[] {
  const did: string[] = [];
  for (const d of liveDaemons()) d.signal("SIGKILL");
  const bridge = `${prefix}br`;
  const names = listLabNamespaces()
    .filter((n) => n.startsWith(prefix))
    .sort((a, b) => Number(a === bridge) - Number(b === bridge));
  for (const ns of names) {
    try {
      deleteNamespace(ns);
      did.push(`deleted namespace ${ns}`);
    } catch (e) {
      did.push(`could not delete ${ns}: ${messageOf(e)}`);
    }
  }
  return did;
}

/**
 * Removes everything a lab run leaves: its daemons and every lab namespace
 * ({@link removeNamespaces}), the host changes listed in the marker and a policy-rc.d left by an
 * interrupted package install. Synchronous, so it also works from an `exit` handler; safe to repeat.
 * Returns what it did.
 */
export function teardown(): string[] {
  const did = removeNamespaces(NS_PREFIX);
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

/** What a {@link Cleanup} removes and how it speaks. */
export interface CleanupOptions {
  /** Start of its lines, e.g. `lab` in `lab: cleanup (exit): ...`. */
  readonly label: string;
  /** Removes what the run left (synchronous, safe to repeat); returns what it did. */
  readonly remove: () => string[];
  /** Also says `<label>: SIGTERM, cleaning up` when a signal arrives. */
  readonly announceSignals: boolean;
}

/** The HA lab's cleanup: {@link teardown}, announced signals. */
const LAB_CLEANUP: CleanupOptions = { label: "lab", remove: teardown, announceSignals: true };

/**
 * Runs its `remove` ({@link teardown} for the HA lab) once, on normal end, on error, and on
 * SIGINT/SIGTERM/SIGHUP, then releases the lock.
 */
export class Cleanup {
  private done = false;

  constructor(
    private readonly say: (line: string) => void,
    private readonly o: CleanupOptions = LAB_CLEANUP,
  ) {}

  /** Installs the exit and signal handlers. */
  install(): void {
    process.on("exit", () => this.run("exit"));
    const codes: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
    for (const [sig, code] of Object.entries(codes) as [NodeJS.Signals, number][]) {
      process.on(sig, () => {
        if (this.o.announceSignals) this.say(`${this.o.label}: ${sig}, cleaning up`);
        this.run(sig);
        process.exit(code);
      });
    }
  }

  /** Removes what the run left (first call only). */
  run(reason: string): void {
    if (this.done) return;
    this.done = true;
    const did = this.o.remove();
    this.say(`${this.o.label}: cleanup (${reason}): ${did.length > 0 ? did.join("; ") : "nothing left"}`);
    releaseLock();
  }
}
