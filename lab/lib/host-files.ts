import { chmodSync, existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { LabError } from "./errors";
import { runSync } from "./sh";
import { WORK_DIR } from "../settings";

/**
 * The only changes the lab makes outside its work folder and namespaces: keepalived with
 * `enable_script_security` refuses a check script in a path others can write, so the rendered
 * script goes to its real path, and it runs as the real `script_user`. What the lab created is
 * written to a marker file BEFORE it is created, so a later run can undo it after a crash.
 */
interface HostChanges {
  /** Check script the lab wrote, with the content it wrote. */
  script?: { path: string; content: string };
  /** Folders the lab created, deepest last. */
  dirs: string[];
  /** System user the lab created. */
  user?: string;
}

const MARKER = join(WORK_DIR, "host-changes.json");

function readMarker(): HostChanges {
  try {
    return JSON.parse(readFileSync(MARKER, "utf8")) as HostChanges;
  } catch {
    return { dirs: [] };
  }
}

function writeMarker(c: HostChanges): void {
  mkdirSync(WORK_DIR, { recursive: true });
  writeFileSync(MARKER, JSON.stringify(c, null, 2));
}

/**
 * Installs the check script at `path` (root-owned, 0755). An existing file with the same content
 * is used as is; one with other content is a real installation and is left alone (error).
 */
export function installCheckScript(path: string, content: string): void {
  if (existsSync(path)) {
    if (readFileSync(path, "utf8") === content) return;
    throw new LabError(`${path} exists with other content (a real load balancer install?); the lab will not overwrite it`);
  }
  const changes = readMarker();
  const missing: string[] = [];
  for (let d = dirname(path); !existsSync(d); d = dirname(d)) missing.unshift(d);
  writeMarker({ ...changes, script: { path, content }, dirs: [...changes.dirs, ...missing] });
  for (const d of missing) mkdirSync(d, { mode: 0o755 });
  writeFileSync(path, content, { mode: 0o755 });
  chmodSync(path, 0o755);
}

/** Creates system user `name` (no home, no login) unless it exists. */
export function ensureSystemUser(name: string): void {
  if (runSync("id", ["-u", name]).code === 0) return;
  writeMarker({ ...readMarker(), user: name });
  const r = runSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name]);
  if (r.code !== 0) throw new LabError(`useradd ${name} failed: ${r.stderr.trim()}`);
}

/** Undoes what the marker lists (this run's or a killed run's); returns what it did. */
export function undoHostChanges(): string[] {
  const c = readMarker();
  const done: string[] = [];
  if (c.script && existsSync(c.script.path) && readFileSync(c.script.path, "utf8") === c.script.content) {
    rmSync(c.script.path);
    done.push(`removed ${c.script.path}`);
  }
  for (const d of [...c.dirs].reverse()) {
    try {
      rmdirSync(d);
      done.push(`removed ${d}`);
    } catch {
      // not empty or gone: keep
    }
  }
  if (c.user && runSync("id", ["-u", c.user]).code === 0) {
    const r = runSync("userdel", [c.user]);
    done.push(r.code === 0 ? `removed user ${c.user}` : `could not remove user ${c.user}: ${r.stderr.trim()}`);
  }
  rmSync(MARKER, { force: true });
  return done;
}
