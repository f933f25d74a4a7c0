import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { LabError } from "./errors";
import { LOCK_FILE } from "../settings";

/**
 * True while `pid` is a lab run: the HA lab (lab/run.ts), the etcd restore drill
 * (lab/etcd-restore/run.ts) or any other lab entry point (a TypeScript file under lab/). Both
 * share the lock and the `kha-lab-` namespaces: a run that took over the other's lock would
 * delete its namespaces at start.
 */
function labAlive(pid: number): boolean {
  try {
    return isLabCommandLine(readFileSync(`/proc/${pid}/cmdline`, "utf8"));
  } catch {
    return false;
  }
}

/** True for the NUL-separated command line of a lab entry point (a TypeScript file under lab/). */
export function isLabCommandLine(cmdline: string): boolean {
  return /(^|[\0/])lab\/[\w./-]*\.ts(\0|$)/.test(cmdline);
}

/**
 * Takes the lab lock. A lock whose process is gone is stale (killed run) and is taken over;
 * a live one means another lab run owns the namespaces, and this run stops before touching them.
 */
export function acquireLock(): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(LOCK_FILE, "wx", 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const owner = Number(readFileSync(LOCK_FILE, "utf8").trim());
      if (owner !== process.pid && labAlive(owner))
        throw new LabError(`another lab run (pid ${owner}) is active; wait for it or stop it`);
      rmSync(LOCK_FILE, { force: true });
    }
  }
  throw new LabError(`cannot take ${LOCK_FILE}`);
}

/** Releases the lock if this process holds it. */
export function releaseLock(): void {
  try {
    if (Number(readFileSync(LOCK_FILE, "utf8").trim()) === process.pid) rmSync(LOCK_FILE);
  } catch {
    // not held
  }
}
