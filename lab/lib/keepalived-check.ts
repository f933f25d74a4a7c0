/**
 * The one TypeScript judge of `keepalived -t`, used by the lab and the tests. keepalived 2.2.7
 * (Debian 12) ends `-t` on a VALID config that sets `script_user` by sending itself SIGTERM,
 * silently (acassen/keepalived#2587, #2617; fixed in 2.2.8). That exit is accepted only when
 * keepalived printed nothing: any message still means the config is bad. (The production shell
 * copy of this rule is `keepalived_config_ok` in core/scripts/load-balancer.sh.)
 */

/** How `keepalived -t` ended. */
export interface KeepalivedTestRun {
  /** Exit status; null when a signal ended it. */
  readonly status: number | null;
  /** The signal that ended it, if any. */
  readonly signal: NodeJS.Signals | string | null;
  /** stdout and stderr together. */
  readonly output: string;
}

/** What that run means. */
export interface KeepalivedTestVerdict {
  /** The config is accepted. */
  readonly ok: boolean;
  /** Accepted only through the 2.2.7 SIGTERM rule above. */
  readonly knownBug: boolean;
  /** One line for a report or an assertion message. */
  readonly text: string;
}

/** Shell exit status of a process ended by SIGTERM (128 + 15), as a shell or a wrapper reports it. */
export const SIGTERM_EXIT = 143;

/** The command line of the check. */
export function keepalivedTestArgv(confPath: string): string[] {
  return ["keepalived", "-t", "-f", confPath];
}

/** Judges one `keepalived -t` run (see the module comment for the 2.2.7 rule). */
export function judgeKeepalivedTest(run: KeepalivedTestRun): KeepalivedTestVerdict {
  const out = run.output.trim();
  if (run.status === 0) return { ok: true, knownBug: false, text: "keepalived -t: ok" };
  const terminated = run.signal === "SIGTERM" || run.status === SIGTERM_EXIT;
  if (terminated && out === "") {
    return {
      ok: true,
      knownBug: true,
      text: "keepalived -t terminated itself without a finding (keepalived 2.2.7 with script_user, acassen/keepalived#2587/#2617); the running daemon's log is checked instead",
    };
  }
  return {
    ok: false,
    knownBug: false,
    text: `keepalived -t rejected it (exit ${run.status ?? run.signal}): ${out || "no message"}`,
  };
}
