import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildPlan, SecretName } from "../core/plan/steps";
import { buildSpec } from "../core/config/build-spec";
import { stackConfig } from "./support/stack";
import { isRoot, missingTool } from "./support/tools";

const TOKEN = "abcdef.0123456789abcdef";
const HASH = `sha256:${"d".repeat(64)}`;
const plan = buildPlan(buildSpec(stackConfig("dev")));
const script = (id: string): string => plan.steps.find((s) => s.id === id)?.script ?? "";
/** Fake secret values, by name. */
const FAKE: Readonly<Record<SecretName, string>> = {
  bootstrapToken: TOKEN, caCertHash: HASH, certificateKey: "c".repeat(64), keepalivedAuthPass: "Ab3dEf7h",
};
/** The stdin a step gets, in the order its plan entry (checked against the script) gives. */
const stdinOf = (id: string): string => (plan.steps.find((s) => s.id === id)?.stdin ?? []).map((n) => `${FAKE[n]}\n`).join("");

/**
 * Runs a rendered script for real, as root, in a private mount namespace whose /etc and /var/log
 * are empty temp folders, with fake kubeadm/kubectl that record the config file they were given.
 */
function runWithFakes(body: string, stdin: string, fakeExit: number): { status: number; stderr: string; probe: string; leftovers: string[] } {
  const dir = mkdtempSync(join(tmpdir(), "kubeadm-ha-secret-files-"));
  try {
    for (const d of ["etc", "log", "bin", "probe"]) mkdirSync(join(dir, d));
    const fake = `#!/bin/bash
cfg=""; prev=""
for a in "$@"; do { [ "$prev" = --config ] || [ "$prev" = -f ]; } && cfg=$a; prev=$a; done
{ echo "mode=$(stat -c %a "$cfg")"; cat "$cfg"; } >>"${join(dir, "probe", "seen")}"
echo "error: rejected token $(grep -o '[a-z0-9]\\{6\\}\\.[a-z0-9]\\{16\\}' "$cfg" | head -n 1)"
exit ${fakeExit}
`;
    for (const tool of ["kubeadm", "kubectl"]) {
      writeFileSync(join(dir, "bin", tool), fake);
      chmodSync(join(dir, "bin", tool), 0o755);
    }
    writeFileSync(join(dir, "script.sh"), body);
    const r = spawnSync("unshare", ["-m", "bash", "-c",
      `mount --bind "${dir}/etc" /etc && mount --bind "${dir}/log" /var/log && PATH="${dir}/bin:$PATH" exec bash "${dir}/script.sh"`],
    { input: stdin, encoding: "utf8" });
    const configDir = join(dir, "etc", "kubernetes", "kubeadm-ha");
    const seen = join(dir, "probe", "seen");
    return {
      status: r.status ?? -1,
      stderr: r.stderr,
      probe: existsSync(seen) ? readFileSync(seen, "utf8") : "",
      leftovers: existsSync(configDir) ? readdirSync(configDir) : ["<no config dir>"],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function cannotRun(): string | undefined {
  const why = missingTool("unshare", "mount");
  if (why) return why;
  if (isRoot) return undefined;
  if (process.env.KUBEADM_HA_REQUIRE_TOOLS === "1") throw new Error("running the secret-handling scripts needs root (mount namespace)");
  return "running the secret-handling scripts needs root (mount namespace)";
}

test("join: the config with the token and CA hash exists only while kubeadm runs, 0600, then is removed", (t) => {
  const why = cannotRun();
  if (why) return t.skip(why);
  const r = runWithFakes(script("worker1-kubeadm-join"), stdinOf("worker1-kubeadm-join"), 0);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.probe, /^mode=600\n/);
  assert.match(r.probe, new RegExp(`token: "${TOKEN.replace(".", "\\.")}"`));
  assert.match(r.probe, new RegExp(`- "${HASH}"`));
  assert.doesNotMatch(r.probe, /@BOOTSTRAP_TOKEN@|@CA_CERT_HASH@/);
  assert.deepEqual(r.leftovers, [], "no secret config file is left behind");
});

test("control-plane join: the three secrets, fed in the plan's order, all land in the 0600 config", (t) => {
  const why = cannotRun();
  if (why) return t.skip(why);
  const r = runWithFakes(script("cp2-kubeadm-join"), stdinOf("cp2-kubeadm-join"), 0);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.probe, /^mode=600\n/);
  for (const value of [TOKEN, HASH, FAKE.certificateKey]) assert.ok(r.probe.includes(value), value);
  assert.doesNotMatch(r.probe, /@[A-Z_]+@/);
  assert.deepEqual(r.leftovers, []);
});

test("a failing kubeadm: the script fails, its error masks the token, and the config is still removed", (t) => {
  const why = cannotRun();
  if (why) return t.skip(why);
  const r = runWithFakes(script("cp1-kubeadm-init"), stdinOf("cp1-kubeadm-init"), 1);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /kubeadm-ha: 'kubeadm init' failed/);
  assert.match(r.stderr, /rejected token <redacted>/);
  assert.ok(!r.stderr.includes(TOKEN), "the token never reaches the error output");
  assert.deepEqual(r.leftovers, []);
});

test("token refresh: the bootstrap-token manifest is applied from a 0600 file that is then removed", (t) => {
  const why = cannotRun();
  if (why) return t.skip(why);
  const r = runWithFakes(script("worker1-join-material"), stdinOf("worker1-join-material"), 0);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.probe, /^mode=600\n/);
  assert.match(r.probe, /name: bootstrap-token-abcdef\n/);
  assert.match(r.probe, /token-secret: "0123456789abcdef"/);
  assert.deepEqual(r.leftovers, []);
});

test("a malformed secret on stdin is refused without being echoed", (t) => {
  const why = cannotRun();
  if (why) return t.skip(why);
  const r = runWithFakes(script("worker1-kubeadm-join"), "NOT-A-TOKEN-SECRETVALUE\n", 0);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /BOOTSTRAP_TOKEN on stdin is missing or malformed \(value not shown\)/);
  assert.ok(!r.stderr.includes("SECRETVALUE"));
  assert.equal(r.probe, "", "kubeadm never ran");
});
