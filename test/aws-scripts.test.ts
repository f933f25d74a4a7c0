import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { buildPlan } from "../core/plan/steps";
import { fillTemplate } from "../core/plan/template";
import { buildSpec } from "../core/config/build-spec";
import { FakeHost, fakeHostUnavailable, fakeHosts } from "./support/fake-host";
import { stackWith } from "./support/stack";
import { judgeKeepalivedTest, keepalivedTestArgv } from "../lab/lib/keepalived-check";
import { INTERFACE_PLACEHOLDER, SCRIPT_USER } from "../core/plan/keepalived";
import { withInterfaceNamespace } from "./support/netns";
import { check, isRoot, missingTool, tempFile } from "./support/tools";

const newHost = fakeHosts();
const VIP = "10.0.0.100";
const PUBLIC = "198.51.100.7";
const MAC = "0a:00:00:00:00:01";

/** The rendered VIP mover step of lb1, and the move script it installs, public API or not. */
function moverOf(publicApi: boolean): { step: string; moveScript: string } {
  const plan = buildPlan(buildSpec(stackWith("aws-example", { publicApi })));
  const mover = plan.steps.find((s) => s.id === "lb1-aws-vip-mover");
  if (!mover?.script) throw new Error("no VIP mover step for lb1");
  // The Pulumi layer fills the Elastic IP in once it exists.
  return { step: mover.script, moveScript: (mover.files[0]?.content ?? "").replace("@PUBLIC_API_ADDRESS@", PUBLIC) };
}

/** Runs a real program from this machine under its name (the fake host PATH has only fakes); the system's, not a shim's. */
const real = (name: string): string => {
  const system = ["/usr/bin", "/bin"].map((dir) => join(dir, name)).find((path) => existsSync(path));
  return `exec ${system ?? spawnSync("bash", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim()} "$@"`;
};

/**
 * A fake EC2 instance: IMDSv2 (`curl`) answers from state files and needs the session token; the
 * AWS CLI fails `aws-fail` times with the CLI's own throttling error, then assigns/associates and
 * updates what IMDS shows (unless `imds-stale`); `sleep` only records how long it was asked to wait.
 */
function ec2Host(): FakeHost {
  const host = newHost();
  host.fake(
    "curl",
    `url=""; for a in "$@"; do case "$a" in http://*) url=$a ;; esac; done
fail=$(cat "$FAKE_STATE/imds-fail" 2>/dev/null || echo 0)
if [ "$fail" -gt 0 ]; then echo $((fail - 1)) >"$FAKE_STATE/imds-fail"; echo "curl: (28) Connection timed out after 2001 milliseconds" >&2; exit 28; fi
path=\${url#http://169.254.169.254/latest/}
if [ "$path" != api/token ] && [[ " $* " != *"X-aws-ec2-metadata-token: TOKEN"* ]]; then echo "curl: (22) The requested URL returned error: 401" >&2; exit 22; fi
macs=meta-data/network/interfaces/macs/${MAC}
case "$path" in
api/token) echo TOKEN ;;
meta-data/mac) echo ${MAC} ;;
"$macs/interface-id") echo eni-0lb1 ;;
"$macs/local-ipv4s") cat "$FAKE_STATE/local-ipv4s" ;;
"$macs/ipv4-associations/"*) f="$FAKE_STATE/assoc-\${path##*/}"; if [ -f "$f" ]; then cat "$f"; else echo "curl: (22) The requested URL returned error: 404" >&2; exit 22; fi ;;
*) echo "curl: (22) The requested URL returned error: 404" >&2; exit 22 ;;
esac`,
  );
  host.fake(
    "aws",
    `fail=$(cat "$FAKE_STATE/aws-fail" 2>/dev/null || echo 0)
if [ "$fail" -gt 0 ]; then echo $((fail - 1)) >"$FAKE_STATE/aws-fail"; echo "An error occurred (RequestLimitExceeded) when calling the $2 operation (reached max retries: 2): Request limit exceeded." >&2; exit 254; fi
declare -A arg; prev=""; for a in "$@"; do [[ "$prev" == --* ]] && arg[$prev]=$a; prev=$a; done
case "$2" in
assign-private-ip-addresses) [ -e "$FAKE_STATE/imds-stale" ] || echo "\${arg[--private-ip-addresses]}" >>"$FAKE_STATE/local-ipv4s" ;;
describe-addresses) cat "$FAKE_STATE/address" ;;
associate-address) echo "\${arg[--private-ip-address]}" >"$FAKE_STATE/assoc-${PUBLIC}" ;;
esac`,
  );
  host.fake("sleep", ":");
  host.fake("logger", `echo "$*" >>"$FAKE_STATE/log"`);
  host.fake("ip", `cat "$FAKE_STATE/ip-addr" 2>/dev/null || true`);
  for (const tool of ["flock", "setsid", "python3", "dirname"]) host.fake(tool, real(tool));
  host.setState("local-ipv4s", "10.0.0.10\n");
  return host;
}

/** Runs the move script as keepalived does: an executable file, with `args`. */
function runMove(host: FakeHost, script: string, args = ""): { status: number; stderr: string } {
  const file = join(host.root, "aws_move_vip.sh");
  writeFileSync(file, script);
  chmodSync(file, 0o755);
  return host.runUnmounted(`exec '${file}' ${args}\n`);
}

const calls = (host: FakeHost, program: string): string[] => host.calls().filter((c) => c.startsWith(`${program} `));

test("VIP move: retries a throttled EC2 call with back-off, logs the CLI's error, and succeeds once IMDS shows the VIP", () => {
  const host = ec2Host();
  host.setState("aws-fail", "3");
  const r = runMove(host, moverOf(false).moveScript);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(calls(host, "aws").length, 4, "three failures, then the assignment");
  assert.match(
    calls(host, "aws")[3],
    /^aws ec2 assign-private-ip-addresses --region eu-west-1 --network-interface-id eni-0lb1 --private-ip-addresses 10\.0\.0\.100 --allow-reassignment$/,
  );
  assert.deepEqual(calls(host, "sleep"), ["sleep 1", "sleep 2", "sleep 4"], "waits double between tries");
  const log = host.readState("log") ?? "";
  assert.match(
    log,
    /try 1\/8 of aws ec2 failed: An error occurred \(RequestLimitExceeded\)/,
    "the CLI's own error is logged",
  );
  assert.match(log, /VIP 10\.0\.0\.100 is on eni-0lb1\n/);
});

test("VIP move: IMDS calls are retried too, and a move that never shows in IMDS is a failure, not a silent success", () => {
  const flaky = ec2Host();
  flaky.setState("imds-fail", "2");
  const ok = runMove(flaky, moverOf(false).moveScript);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(flaky.readState("log") ?? "", /try 1\/5 of imds_token 2 failed: curl: \(28\) Connection timed out/);

  const stale = ec2Host();
  stale.setState("imds-stale", "");
  const r = runMove(stale, moverOf(false).moveScript);
  assert.equal(r.status, 1);
  assert.match(
    stale.readState("log") ?? "",
    /assigned 10\.0\.0\.100 to eni-0lb1, but the instance metadata does not show it after 30 s/,
  );
});

test("VIP move: gives up after its attempts with the reason logged, so keepalived's check tries again", () => {
  const host = ec2Host();
  host.setState("aws-fail", "100");
  const r = runMove(host, moverOf(false).moveScript);
  assert.equal(r.status, 1);
  assert.equal(calls(host, "aws").length, 8);
  assert.deepEqual(calls(host, "sleep"), ["sleep 1", "sleep 2", "sleep 4", "sleep 8", "sleep 8", "sleep 8", "sleep 8"]);
  assert.match(host.readState("log") ?? "", /could not assign 10\.0\.0\.100 to eni-0lb1/);
});

test("VIP move with a public API: the Elastic IP is associated with the VIP on this ENI when it is elsewhere or loose", () => {
  const host = ec2Host();
  host.setState("address", `eipalloc-0demo\teni-0lb2\t${VIP}\n`);
  const r = runMove(host, moverOf(true).moveScript);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    calls(host, "aws").join("\n"),
    /aws ec2 describe-addresses --region eu-west-1 --public-ips 198\.51\.100\.7 /,
  );
  assert.match(
    calls(host, "aws").join("\n"),
    /aws ec2 associate-address --region eu-west-1 --allocation-id eipalloc-0demo --network-interface-id eni-0lb1 --private-ip-address 10\.0\.0\.100 --allow-reassociation/,
  );
  assert.match(host.readState("log") ?? "", /VIP 10\.0\.0\.100 is on eni-0lb1 with 198\.51\.100\.7/);

  const already = ec2Host();
  already.setState("address", `eipalloc-0demo\teni-0lb1\t${VIP}\n`);
  already.setState(`assoc-${PUBLIC}`, `${VIP}\n`);
  assert.equal(runMove(already, moverOf(true).moveScript).status, 0);
  assert.ok(!calls(already, "aws").some((c) => c.includes("associate-address")), "nothing to re-associate");
});

test("the tracked check: nothing on a BACKUP or when the ENI holds the VIP; on a MASTER whose ENI lacks it, the move runs again", async () => {
  const script = moverOf(false).moveScript;
  const backup = ec2Host();
  backup.setState("ip-addr", "2: ens5    inet 10.0.0.10/20 brd 10.0.15.255 scope global ens5\n");
  assert.equal(runMove(backup, script, "--check").status, 0);
  assert.deepEqual(calls(backup, "aws"), []);

  const holding = ec2Host();
  holding.setState(
    "ip-addr",
    `2: ens5    inet 10.0.0.10/20 scope global ens5\n2: ens5    inet ${VIP}/20 scope global secondary ens5\n`,
  );
  holding.setState("local-ipv4s", `10.0.0.10\n${VIP}\n`);
  assert.equal(runMove(holding, script, "--check").status, 0);
  assert.deepEqual(calls(holding, "aws"), []);

  const lost = ec2Host();
  lost.setState("ip-addr", `2: ens5    inet ${VIP}/20 scope global secondary ens5\n`);
  lost.setState("aws-fail", "1");
  const r = runMove(lost, script, "--check");
  assert.equal(r.status, 0, "the check itself never fails: keepalived would drop the VIP");
  for (let i = 0; i < 100 && !/is on eni-0lb1/.test(lost.readState("log") ?? ""); i++)
    await new Promise((done) => setTimeout(done, 100));
  assert.match(
    lost.readState("log") ?? "",
    /this LB holds 10\.0\.0\.100 but its ENI does not \(IMDS\): moving it again/,
  );
  assert.match(lost.readState("log") ?? "", /VIP 10\.0\.0\.100 is on eni-0lb1/);
  assert.equal(calls(lost, "aws").length, 2, "a failed try, then the assignment");
});

test("the VIP mover step keeps the VIP out of the boot-time netplan, once, and stops cloud-init from adding it back", (t) => {
  const why = fakeHostUnavailable();
  if (why) return t.skip(why);
  const host = ec2Host();
  const netplan =
    "# This file is generated from information provided by the datasource.\nnetwork:\n  ethernets:\n    ens5:\n      addresses:\n      - 10.0.0.100/20\n      - 10.0.0.50/20\n      dhcp4: true\n      match:\n        macaddress: 0a:00:00:00:00:01\n      set-name: ens5\n  version: 2\n";
  host.write("/etc/netplan/50-cloud-init.yaml", netplan);
  host.fake("netplan", ":");
  const { step } = moverOf(true);
  const first = host.run(step);
  assert.equal(first.status, 0, first.stderr);
  const after = host.read("/etc/netplan/50-cloud-init.yaml") ?? "";
  assert.match(after, /^# This file is generated/);
  assert.doesNotMatch(after, /10\.0\.0\.100/);
  assert.match(after, /- 10\.0\.0\.50\/20/, "other addresses stay");
  assert.match(
    host.read("/etc/cloud/cloud.cfg.d/99-kubeadm-ha-vip.cfg") ?? "",
    /apply_full_imds_network_config: false/,
  );
  assert.match(host.read("/etc/keepalived/aws_move_vip.sh") ?? "", /^VIP='10\.0\.0\.100'$/m);
  assert.deepEqual(calls(host, "netplan"), ["netplan generate"], "never `netplan apply`: the live VIP is keepalived's");
  const again = host.run(step);
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual(calls(host, "netplan"), ["netplan generate"], "a re-run changes nothing");
});

test("the AWS scripts pass shellcheck, including the rollout gate that is not a plan step", (t) => {
  const why = missingTool("shellcheck");
  if (why) return t.skip(why);
  const dir = newHost().root;
  const files = {
    "move.sh": moverOf(true).moveScript,
    "mover-step.sh": moverOf(false).step,
    "instance-ready.sh": fillTemplate("aws-instance-ready", {
      NODE_NAME: "cp2",
      ROLE: "controlPlane",
      API_PORT: 6443,
      INSTANCE_TYPE: "t3.medium",
      ATTEMPTS: 60,
    }),
  };
  const paths = Object.entries(files).map(([name, text]) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  });
  const r = check("shellcheck", ["--severity=style", ...paths]);
  assert.equal(r.status, 0, r.output);
});

test("keepalived -t accepts the AWS LB config with its tracked VIP check (in a namespace that has its interface)", (t) => {
  const why = missingTool("keepalived", "ip") ?? (isRoot ? undefined : "keepalived -t needs root (network namespace)");
  if (why) {
    if (process.env.KUBEADM_HA_REQUIRE_TOOLS === "1") assert.fail(why);
    return t.skip(why);
  }
  const spec = buildSpec(stackWith("aws-example", {}));
  const step = buildPlan(spec).steps.find((s) => s.id === "lb1-load-balancer");
  // With vipInterface auto the load-balancer step fills in the interface it finds; Nitro instances call it ens5.
  const conf = (step?.files.find((f) => f.path.endsWith("keepalived.conf"))?.content ?? "").replaceAll(
    INTERFACE_PLACEHOLDER,
    "ens5",
  );
  const iface = /^\s+interface (\S+)$/m.exec(conf)?.[1] ?? "missing";
  assert.match(conf, /chk_vip_on_eni/);
  if (spawnSync("id", [SCRIPT_USER], { stdio: "ignore" }).status !== 0)
    spawnSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SCRIPT_USER]);
  const verdict = withInterfaceNamespace(
    spec.loadBalancers[0].privateAddress,
    (exec) => judgeKeepalivedTest(exec(keepalivedTestArgv(tempFile("keepalived.conf", conf)))),
    iface,
  );
  assert.ok(verdict.ok, verdict.text);
});
