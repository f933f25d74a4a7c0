import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { CommandResult, runAsync } from "../lib/sh";
import { inMountSandbox } from "../lib/step-sandbox";
import { LIMITS } from "./settings";

/** The shell side: overlays, the member's folders bound at kubeadm's paths, then the script. */
const SANDBOX_SCRIPT = join(__dirname, "sandbox.sh");

/** A rendered host script to run as on one control plane. */
export interface HostScript {
  /** Lab namespace of the member (its 127.0.0.1 is the member's etcd). */
  readonly ns: string;
  /** The member's folder (holds etc/kubernetes, var/lib/etcd, var/lib/kubeadm-ha, usr/local/lib/kubeadm-ha). */
  readonly root: string;
  /** A name for the copy of the script written beside the member folder. */
  readonly name: string;
  /** The script, exactly as the plan renders it. */
  readonly content: string;
  /** Its arguments. */
  readonly args?: readonly string[];
}

/** Runs a rendered script in the member's namespace and sandbox (lab/etcd-restore/sandbox.sh); the event loop keeps running. */
export function runHostScript(s: HostScript): Promise<CommandResult> {
  const file = join(s.root, "..", `${s.name}.sh`);
  writeFileSync(file, s.content, { mode: 0o700 });
  const [cmd, ...args] = inMountSandbox(s.ns, SANDBOX_SCRIPT, [s.root, file, ...(s.args ?? [])]);
  return runAsync(cmd, args, LIMITS.scriptMs);
}
