import { chmodSync, existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { LabError } from "./errors";
import { runSync } from "./sh";
import { WORK_DIR } from "../settings";

/**
 * The only changes the lab makes outside its work folder and namespaces: keepalived with
 * `enable_script_security` refuses a check script in a path others can write, so the rendered
 * script goes to its real path, and it runs as the real `script_user`; HAProxy's workers need the
 * rendered `user`/`group` and `chroot` folder (Debian's haproxy package makes them; the lab makes
 * only what is missing). What the lab created is written to a marker file BEFORE it is created, so
 * a later run can undo it after a crash.
 */
interface HostChanges {
  /** Check script the lab wrote, with the content it wrote. */
  script?: { path: string; content: string };
  /** Folders the lab created, deepest last. */
  dirs: string[];
  /** System users the lab created (each with its own group, removed with it). */
  users: string[];
}

const MARKER = join(WORK_DIR, "host-changes.json");

function readMarker(): HostChanges {
  try {
    const m = JSON.parse(readFileSync(MARKER, "utf8")) as Partial<HostChanges> & { user?: string };
    // A marker of an earlier lab version named one user.
    return { script: m.script, dirs: m.dirs ?? [], users: [...(m.users ?? []), ...(m.user ? [m.user] : [])] };
  } catch {
    return { dirs: [], users: [] };
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
    throw new LabError(
      `${path} exists with other content (a real load balancer install?); the lab will not overwrite it`,
    );
  }
  const changes = readMarker();
  const missing: string[] = [];
  for (let d = dirname(path); !existsSync(d); d = dirname(d)) missing.unshift(d);
  writeMarker({ ...changes, script: { path, content }, dirs: [...changes.dirs, ...missing] });
  for (const d of missing) mkdirSync(d, { mode: 0o755 });
  writeFileSync(path, content, { mode: 0o755 });
  chmodSync(path, 0o755);
}

/** Creates system user `name` (no home, no login) with its own group `name` unless the user exists. */
export function ensureSystemUser(name: string): void {
  if (runSync("id", ["-u", name]).code === 0) return;
  const changes = readMarker();
  writeMarker({ ...changes, users: [...changes.users, name] });
  const r = runSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group", name]);
  if (r.code !== 0) throw new LabError(`useradd ${name} failed: ${r.stderr.trim()}`);
}

/** Creates folder `path` (root, 0755) and its missing parents unless it exists. */
export function ensureDir(path: string): void {
  const missing: string[] = [];
  for (let d = path; !existsSync(d); d = dirname(d)) missing.unshift(d);
  if (missing.length === 0) return;
  const changes = readMarker();
  writeMarker({ ...changes, dirs: [...changes.dirs, ...missing] });
  for (const d of missing) mkdirSync(d, { mode: 0o755 });
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
  for (const user of c.users) {
    if (runSync("id", ["-u", user]).code !== 0) continue;
    const r = runSync("userdel", [user]);
    done.push(r.code === 0 ? `removed user ${user}` : `could not remove user ${user}: ${r.stderr.trim()}`);
  }
  rmSync(MARKER, { force: true });
  return done;
}
