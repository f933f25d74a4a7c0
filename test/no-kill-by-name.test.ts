import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { NS_PREFIX } from "../lab/settings";
import { ROOT } from "./support/stack";
import { tempDirs } from "./support/tools";

// Issue 17: CI, the lab and the tests never stop a process they did not start. Words are built
// from parts so that this file, which is scanned with the others, does not match itself.
const w = (...parts: string[]): string => parts.join("");

/** Ways of stopping processes by name (or by what they hold) rather than by a pid one started. */
const KILL_BY_NAME: readonly { readonly what: string; readonly pattern: RegExp }[] = [
  { what: w("p", "kill"), pattern: new RegExp(`\\b${w("p", "kill")}\\b`) },
  { what: w("kill", "all"), pattern: new RegExp(`\\b${w("kill", "all")}`) },
  { what: w("pid", "of"), pattern: new RegExp(`\\b${w("pid", "of")}\\b`) },
  { what: w("p", "grep"), pattern: new RegExp(`\\b${w("p", "grep")}\\b`) },
  { what: "kill of pids found with ps", pattern: new RegExp(`\\bkill\\b.*${w("\\$", "\\(")}\\s*ps\\b`) },
  { what: w("xa", "rgs kill"), pattern: new RegExp(`\\b${w("xa", "rgs")}\\s+(-\\S+\\s+)*kill\\b`) },
  { what: w("fu", "ser -k"), pattern: new RegExp(`\\b${w("fu", "ser")}\\b.*\\s-\\w*k`) },
];

/** The folders whose files must not stop processes by name. */
const SCANNED = [".ci", "lab", "test", "core/scripts"];

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** `file:line: what` for each kill-by-name in `text`. */
function killsByName(file: string, text: string): string[] {
  return text
    .split("\n")
    .flatMap((line, i) =>
      KILL_BY_NAME.filter((k) => k.pattern.test(line)).map((k) => `${file}:${i + 1}: ${k.what}: ${line.trim()}`),
    );
}

test("the matcher catches each way of killing by name and passes pid-based kills", () => {
  const bad = [
    `${w("p", "kill")} -x haproxy`,
    `${w("kill", "all")} keepalived`,
    `kill $(${w("pid", "of")} etcd)`,
    `kill -9 $(${w("p", "grep")} -f lab/run.ts)`,
    w("kill $", "(ps -eo pid,comm | awk '/etcd/{print $1}')"),
    `ps aux | grep etcd | awk '{print $2}' | ${w("xa", "rgs")} -r kill`,
    `${w("fu", "ser")} -k 6443/tcp`,
    `runSync("${w("p", "kill")}", ["-x", "etcd"])`,
  ];
  for (const line of bad) assert.notDeepEqual(killsByName("x", line), [], line);
  const fine = [
    "kill -- -$(cat JOB/pid)",
    "process.kill(-pid, sig)",
    "ip netns pids kha-lab-cp1",
    "systemctl stop haproxy",
    "service etcd stop",
  ];
  for (const line of fine) assert.deepEqual(killsByName("x", line), [], line);
});

test(`no kill by name in ${SCANNED.join(", ")} (this file included)`, () => {
  const files = SCANNED.flatMap((d) => filesUnder(join(ROOT, d)));
  assert.ok(files.includes(join(ROOT, "test", "no-kill-by-name.test.ts")), "the scan covers this file too");
  assert.ok(files.includes(join(ROOT, ".ci", "run")));
  const hits = files.flatMap((f) => killsByName(relative(ROOT, f), readFileSync(f, "utf8")));
  assert.deepEqual(hits, []);
});

/** The body of `export function NAME` in `source` (up to the first line that is a lone `}`). */
function functionBody(source: string, name: string): string {
  const start = source.indexOf(`export function ${name}`);
  assert.ok(start >= 0, `${name} not found`);
  return source.slice(start, source.indexOf("\n}\n", start));
}

test("the lab signals only processes it started or that run in its own namespaces", () => {
  const labFiles = filesUnder(join(ROOT, "lab"));
  const sends = labFiles
    .filter((f) => f.endsWith(".ts"))
    .flatMap((f) =>
      readFileSync(f, "utf8")
        .split("\n")
        .filter((l) => /\.kill\(|["'`]kill["'`]/.test(l))
        .map((l) => `${relative(ROOT, f)}: ${l.trim()}`),
    );
  // Exactly these: a daemon's process group or itself (pid of the child it spawned), and pids found in a lab namespace.
  assert.deepEqual(sends.sort(), [
    "lab/lib/daemon.ts: process.kill(target, sig);",
    "lab/net/netns.ts: process.kill(pid, signal);",
  ]);
  const daemon = readFileSync(join(ROOT, "lab", "lib", "daemon.ts"), "utf8");
  assert.match(
    functionBody(daemon, "startDaemon"),
    /const argv = inNs\(o\.ns, o\.argv\);[\s\S]*const pid = child\.pid;/,
    "a daemon's pid is the child the lab spawned in a lab namespace",
  );
  const targets = [...daemon.matchAll(/\bsend\((-?\w+), /g)].map((m) => m[1]);
  assert.deepEqual([...new Set(targets)].sort(), ["-pid", "pid"], "signals go to that child or its group only");
  const netns = readFileSync(join(ROOT, "lab", "net", "netns.ts"), "utf8");
  assert.match(functionBody(netns, "signalNamespace"), /const pids = pidsIn\(ns\);/, "pids come from the namespace");
  assert.match(
    functionBody(netns, "pidsIn"),
    /assertLabNs\(ns\);\n\s+const r = runSync\("ip", \["netns", "pids", ns\]\);/,
  );
  assert.match(functionBody(netns, "assertLabNs"), /ns\.startsWith\(NS_PREFIX\)/);
  assert.equal(NS_PREFIX, "kha-lab-");
  const shell = labFiles.filter((f) => f.endsWith(".sh")).filter((f) => /\bkill\b/.test(readFileSync(f, "utf8")));
  assert.deepEqual(shell, [], "the lab's shell files send no signal");
});

/** Fake tools for running .ci/run without installing or testing anything; each call is logged. */
function fakeTools(dir: string): { bin: string; log: string } {
  const bin = join(dir, "bin");
  const log = join(dir, "calls.log");
  mkdirSync(bin);
  const fake = (name: string, body: string): void => {
    writeFileSync(join(bin, name), `#!/bin/sh\necho "${name} $*" >>"${log}"\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  fake("dpkg-query", "exit 1"); // every package missing
  // apt-get records what policy-rc.d answers while it runs; FAKE_APT=fail|slow change its end.
  fake(
    "apt-get",
    `"$KUBEADM_HA_POLICY_RC_D" haproxy start; echo "policy-rc.d answers $?" >>"${log}"
[ "$FAKE_APT" = slow ] && sleep 2
[ "$FAKE_APT" = fail ] && [ "$1" = install ] && exit 100
exit 0`,
  );
  fake("npm", "exit 0");
  fake("systemctl", "exit 0"); // is-active: running
  fake("service", "exit 0"); // status: running
  return { bin, log };
}

/** Runs .ci/run with the fakes first on PATH and policy-rc.d at `policy`. */
function runCi(
  dir: string,
  policy: string,
  env: Record<string, string> = {},
  timeoutMs?: number,
): { status: number | null; log: string[] } {
  const { bin, log } = fakeTools(dir);
  const r = spawnSync("bash", [join(ROOT, ".ci", "run")], {
    encoding: "utf8",
    timeout: timeoutMs,
    killSignal: "SIGTERM",
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}`, KUBEADM_HA_POLICY_RC_D: policy, ...env },
  });
  return {
    status: r.status ?? (r.signal === "SIGTERM" ? 143 : null),
    log: existsSync(log)
      ? readFileSync(log, "utf8")
          .split("\n")
          .filter((l) => l)
      : [],
  };
}

const tempDir = tempDirs("kubeadm-ha-ci-run-");
const OTHER_POLICY = "#!/bin/sh\n# someone else's\nexit 0\n";

test(".ci/run holds services with policy-rc.d during apt-get install only, and stops units via their manager", () => {
  const dir = tempDir();
  const policy = join(dir, "policy-rc.d");
  const r = runCi(dir, policy);
  assert.equal(r.status, 0, r.log.join("\n"));
  const apt = r.log.filter((l) => l.startsWith("apt-get"));
  assert.deepEqual(
    apt.map((l) => l.split(" ")[1]),
    ["update", "install"],
  );
  assert.deepEqual(
    r.log.filter((l) => l.startsWith("policy-rc.d")),
    ["policy-rc.d answers 101", "policy-rc.d answers 101"],
  );
  assert.equal(existsSync(policy), false, "policy-rc.d removed after the install");
  // Only the three packaged units, only through systemctl or service, only status checks and stops.
  const managed = r.log.filter((l) => /^(systemctl|service) /.test(l));
  const manager =
    existsSync("/run/systemd/system") || ["haproxy", "keepalived", "etcd"].some((u) => existsSync(`/etc/init.d/${u}`));
  assert.equal(managed.length > 0, manager, "units are asked about when a service manager knows them");
  for (const l of managed)
    assert.match(
      l,
      /^(systemctl (is-active --quiet|stop) (haproxy|keepalived|etcd)|service (haproxy|keepalived|etcd) (status|stop))$/,
    );
  assert.deepEqual(
    r.log.filter((l) => l.startsWith("npm")),
    ["npm ci --ignore-scripts --no-audit --no-fund", "npm test"],
  );
});

test(".ci/run puts an existing policy-rc.d back, also when apt-get fails or the run is stopped", () => {
  for (const env of [{ FAKE_APT: "fail" }, { FAKE_APT: "slow" }]) {
    const dir = tempDir();
    const policy = join(dir, "policy-rc.d");
    writeFileSync(policy, OTHER_POLICY, { mode: 0o755 });
    const r = runCi(dir, policy, env, env.FAKE_APT === "slow" ? 500 : undefined);
    assert.notEqual(r.status, 0, env.FAKE_APT);
    assert.deepEqual(r.log.filter((l) => l.startsWith("policy-rc.d")).slice(0, 1), ["policy-rc.d answers 101"]);
    assert.equal(readFileSync(policy, "utf8"), OTHER_POLICY, `${env.FAKE_APT}: the previous policy-rc.d is back`);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith("policy-rc.d.")),
      [],
      "no saved copy left",
    );
    assert.deepEqual(
      r.log.filter((l) => l.startsWith("npm")),
      [],
      "tests do not run after a failed install",
    );
  }
});

test(".ci/run undoes the policy-rc.d of a killed run before holding services again", () => {
  const dir = tempDir();
  const policy = join(dir, "policy-rc.d");
  writeFileSync(`${policy}.kubeadm-ha-ci-saved`, OTHER_POLICY, { mode: 0o755 });
  writeFileSync(policy, "#!/bin/sh\n# kubeadm-ha .ci/run: no service starts during apt-get install\nexit 101\n", {
    mode: 0o755,
  });
  const r = runCi(dir, policy);
  assert.equal(r.status, 0, r.log.join("\n"));
  assert.equal(readFileSync(policy, "utf8"), OTHER_POLICY);
  assert.equal(existsSync(`${policy}.kubeadm-ha-ci-saved`), false);
});
