import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDirs } from "./tools";

/** A host script run on a throw-away copy of this machine's /etc, /var and /usr. */
export interface OverlayRunOptions {
  /** The script, as rendered. */
  readonly script: string;
  /** Its arguments. */
  readonly args?: readonly string[];
  /** Fake commands by name, first on PATH (bash bodies; `$FAKE` is the run's scratch folder). */
  readonly fakes?: Readonly<Record<string, string>>;
  /** Bash run inside the namespace before the script (what the host already has); `$FAKE` as above. */
  readonly setup?: string;
  /** Paths on the host to copy out afterwards (files or folders, modes kept). */
  readonly collect?: readonly string[];
}

/** What the script did, and the collected paths. */
export interface OverlayRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Scratch folder of the run: fakes may leave notes there (`$FAKE/calls`). */
  readonly scratch: string;
  /** Content of a collected file (undefined when the script left none there). */
  file(path: string): string | undefined;
  /** Permission bits of a collected path (undefined when absent). */
  mode(path: string): number | undefined;
  /** Names in a collected folder, sorted (hidden ones too); empty when absent. */
  entries(path: string): string[];
  /** Lines of `$FAKE/calls`, where the fakes log themselves. */
  calls(): string[];
}

/**
 * A runner of host scripts: as root, in a private mount namespace and a fresh network namespace
 * (nothing listens there), where /etc, /var and /usr are copy-on-write overlays on a tmpfs, so the
 * script works on its real paths and nothing reaches this machine. PATH is systemd's, after the
 * fakes; `$FAKE` names the scratch folder. The scratch folders go when the test file ends. Needs root, `unshare` and overlayfs.
 */
export function overlayHosts(): (o: OverlayRunOptions) => OverlayRun {
  const dirs = tempDirs("kubeadm-ha-overlay-host-");
  return (o) => runOnOverlay(dirs(), o);
}

function runOnOverlay(scratch: string, o: OverlayRunOptions): OverlayRun {
  const bin = join(scratch, "bin");
  mkdirSync(bin);
  for (const [name, body] of Object.entries(o.fakes ?? {})) {
    writeFileSync(join(bin, name), `#!/bin/bash\nFAKE=${scratch}\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  writeFileSync(join(scratch, "script.sh"), o.script);
  writeFileSync(join(scratch, "setup.sh"), `set -e\nFAKE=${scratch}\n${o.setup ?? ""}\n`);
  const collect = (o.collect ?? [])
    .map((p) => `if [ -e '${p}' ]; then cp -a --parents '${p}' "$FAKE/out"; fi`)
    .join("\n");
  const prelude = `set -e
FAKE=${scratch}
mount --make-rprivate /
mkdir -p "$FAKE/layers" "$FAKE/out"
mount -t tmpfs -o mode=0700 kha-test-overlay "$FAKE/layers"
for dir in /etc /var /usr; do
  mkdir -p "$FAKE/layers$dir/u" "$FAKE/layers$dir/w"
  mount -t overlay kha-test-overlay -o "lowerdir=$dir,upperdir=$FAKE/layers$dir/u,workdir=$FAKE/layers$dir/w" "$dir"
done
echo $$ >"$FAKE/holder-pid"
bash "$FAKE/setup.sh"
set +e
env -i PATH="$FAKE/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" LANG=C.UTF-8 FAKE="$FAKE" bash "$FAKE/script.sh" "$@"
status=$?
${collect}
exit $status
`;
  const r = spawnSync(
    "unshare",
    ["--mount", "--net", "--propagation", "private", "bash", "-c", prelude, "overlay-host", ...(o.args ?? [])],
    {
      encoding: "utf8",
      timeout: 60_000,
    },
  );
  const out = (p: string): string => join(scratch, "out", p);
  const callsFile = join(scratch, "calls");
  return {
    status: r.status ?? -1,
    stdout: r.stdout ?? "",
    stderr: `${r.stderr ?? ""}${r.error ? String(r.error) : ""}`,
    scratch,
    file: (p) => (existsSync(out(p)) && statSync(out(p)).isFile() ? readFileSync(out(p), "utf8") : undefined),
    mode: (p) => (existsSync(out(p)) ? statSync(out(p)).mode & 0o777 : undefined),
    entries: (p) => (existsSync(out(p)) && statSync(out(p)).isDirectory() ? readdirSync(out(p)).sort() : []),
    calls: () =>
      existsSync(callsFile)
        ? readFileSync(callsFile, "utf8")
            .split("\n")
            .filter((l) => l !== "")
        : [],
  };
}
