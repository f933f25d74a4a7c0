import { ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { inNs } from "../net/netns";
import { LabError } from "./errors";
import { LogBook } from "./logbook";
import { withTimeout } from "./time";

/** How to start a daemon inside a lab namespace. */
export interface DaemonOptions {
  /** Label for logs and errors, e.g. `haproxy@lb1`. */
  readonly name: string;
  /** Lab namespace to run in. */
  readonly ns: string;
  /** Command and arguments (run through `ip netns exec`, which execs it: the pid is the daemon's). */
  readonly argv: readonly string[];
  /** Log file (stdout and stderr, stamped). */
  readonly logFile: string;
  /** Keep a pipe to stdin (the client agent reads commands there). */
  readonly stdin?: boolean;
  /** Working directory. */
  readonly cwd?: string;
  /** Called for each stdout line, besides logging it. */
  readonly onStdout?: (line: string) => void;
}

/** A process the lab started in a namespace. */
export interface Daemon {
  readonly name: string;
  readonly ns: string;
  readonly pid: number;
  readonly log: LogBook;
  /** Its stdin, when requested. */
  readonly stdin: Writable | null;
  /** Resolves with the exit code (null when killed by a signal) once it ends. */
  readonly exited: Promise<number | null>;
  /** True until it has exited. */
  running(): boolean;
  /** Sends a signal to its process group (keepalived's children included). */
  signal(sig: NodeJS.Signals): void;
  /** Sends a signal to its main process only, as a unit's `ExecReload=kill -HUP $MAINPID` does. */
  reload(sig: NodeJS.Signals): void;
  /** Sends SIGTERM, waits up to `ms`, then SIGKILL. */
  stop(ms: number): Promise<void>;
}

const live = new Set<Daemon>();

/** Daemons started and not yet exited, for the cleanup path. */
export function liveDaemons(): Daemon[] {
  return [...live];
}

/** Starts `argv` in lab namespace `ns` (detached, own process group) with stamped logs. */
export function startDaemon(o: DaemonOptions): Daemon {
  const argv = inNs(o.ns, o.argv);
  const child: ChildProcess = spawn(argv[0], argv.slice(1), {
    cwd: o.cwd,
    detached: true,
    stdio: [o.stdin ? "pipe" : "ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new LabError(`cannot start ${o.name}`);
  const pid = child.pid;
  const log = new LogBook(o.logFile);
  log.note(`started: ${o.argv.join(" ")} (pid ${pid})`);
  let alive = true;
  const exited = new Promise<number | null>((resolve) => {
    child.on("exit", (code, sig) => {
      alive = false;
      live.delete(daemon);
      log.note(`exited: code ${code} signal ${sig}`);
      resolve(code);
    });
  });
  createInterface({ input: child.stdout! }).on("line", (l) => {
    log.add("stdout", l);
    o.onStdout?.(l);
  });
  createInterface({ input: child.stderr! }).on("line", (l) => log.add("stderr", l));
  child.stdin?.on("error", () => undefined);
  // Only ever the child spawned above: its process group (-pid) or itself (pid).
  const send = (target: number, sig: NodeJS.Signals): boolean => {
    try {
      process.kill(target, sig);
      return true;
    } catch {
      return false; // gone already
    }
  };
  // The whole process group, as systemd's default KillMode=control-group does on `systemctl stop`.
  const signal = (sig: NodeJS.Signals): void => {
    if (!send(-pid, sig)) send(pid, sig);
  };
  const daemon: Daemon = {
    name: o.name,
    ns: o.ns,
    pid,
    log,
    stdin: child.stdin,
    exited,
    running: () => alive,
    signal,
    reload: (sig: NodeJS.Signals) => void send(pid, sig),
    stop: async (ms: number) => {
      if (!alive) return;
      signal("SIGTERM");
      try {
        await withTimeout(`${o.name} to exit`, exited, ms);
      } catch {
        signal("SIGKILL");
        await withTimeout(`${o.name} to exit after SIGKILL`, exited, 2_000).catch(() => undefined);
      }
    },
  };
  live.add(daemon);
  return daemon;
}
