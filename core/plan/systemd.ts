/** systemd unit files of the day-two timers, as typed sections and their serialiser. Pure. */

/** Where units the program installs live on a host. */
export const UNIT_DIR = "/etc/systemd/system";

/** One `[Section]` of a unit file: its `Key=value` lines, in order (a key may repeat). */
export interface UnitSection {
  /** Section name without brackets, e.g. `Service`. */
  readonly name: string;
  /** Lines as `[key, value]`. */
  readonly entries: readonly (readonly [string, string | number])[];
}

/** A oneshot service and the timer that starts it. */
export interface TimerUnits {
  /** Unit name without suffix, e.g. `kubeadm-ha-etcd-snapshot`. */
  readonly name: string;
  /** Content of `<name>.service`. */
  readonly service: string;
  /** Content of `<name>.timer`. */
  readonly timer: string;
}

/** Serialises a unit file: a comment line, then each section. */
export function serialiseUnit(comment: string, sections: readonly UnitSection[]): string {
  const body = sections.map((s) => [`[${s.name}]`, ...s.entries.map(([k, v]) => `${k}=${v}`)].join("\n"));
  return `# ${comment}\n${body.join("\n\n")}\n`;
}

/** What a day-two timer runs and when. */
export interface TimerInput {
  /** Unit name without suffix. */
  readonly name: string;
  /** One line for both units' `Description=`. */
  readonly description: string;
  /** Absolute path of the script the service runs. */
  readonly script: string;
  /** Upper bound of one run (`TimeoutStartSec=`), e.g. `30min`. */
  readonly timeout: string;
  /** The `[Timer]` lines: when it fires. */
  readonly schedule: readonly (readonly [string, string | number])[];
}

/** A oneshot service that runs `script` as root with a private /tmp, and its timer. */
export function timerUnits(input: TimerInput): TimerUnits {
  const header = `installed by kubeadm-ha (${input.name}); do not edit, a pulumi up rewrites it`;
  const service = serialiseUnit(header, [
    {
      name: "Unit",
      entries: [
        ["Description", input.description],
        ["Wants", "network-online.target"],
        ["After", "network-online.target"],
      ],
    },
    {
      name: "Service",
      entries: [
        ["Type", "oneshot"],
        ["ExecStart", input.script],
        ["TimeoutStartSec", input.timeout],
        // Files it writes are root-only (snapshots 0600, folders 0700).
        ["UMask", "0077"],
        ["PrivateTmp", "true"],
        ["SyslogIdentifier", input.name],
      ],
    },
  ]);
  const timer = serialiseUnit(header, [
    { name: "Unit", entries: [["Description", input.description]] },
    { name: "Timer", entries: input.schedule },
    { name: "Install", entries: [["WantedBy", "timers.target"]] },
  ]);
  return { name: input.name, service, timer };
}
