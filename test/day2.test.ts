import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildSpec } from "../core/config/build-spec";
import { ConfigError } from "../core/config/problems";
import { ClusterSpec } from "../core/config/types";
import { stepOf, stepsOf } from "../core/plan/lookup";
import { CERT_RENEWAL_UNIT, RENEW_CERTS_PATH } from "../core/plan/phases/certificates";
import { ETCD_RESTORE_PATH, ETCD_SNAPSHOT_UNIT, SAVE_SNAPSHOT_PATH } from "../core/plan/phases/etcd-snapshots";
import { buildPlan, PlanStep } from "../core/plan/steps";
import { renderPlan } from "../core/render/render-plan";
import { overlayHosts } from "./support/overlay-host";
import { exampleWith, hosts, stackConfig } from "./support/stack";
import { check, isRoot, missingTool, tempDirs } from "./support/tools";

const dev = buildSpec(stackConfig("dev"));
const aws = (changes: Record<string, unknown> = {}): ClusterSpec =>
  buildSpec({
    ...stackConfig("aws-example"),
    ...Object.fromEntries(Object.entries(changes).map(([k, v]) => [`kubeadm-ha:${k}`, v])),
  });
const fileOf = (s: PlanStep, path: string): string =>
  s.files.find((f) => f.path === path)?.content ?? assert.fail(`${s.id} installs no ${path}`);
const problemsOf = (config: Record<string, unknown>): string[] => {
  try {
    buildSpec(config);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => `${p.key}: ${p.message}`);
    throw e;
  }
  return [];
};

test("day-two keys: defaults, and every bad value refused at once, naming the key, the value and what is valid", () => {
  assert.deepEqual(dev.etcdSnapshots, { interval: "6h", retention: 7 });
  const problems = problemsOf(
    exampleWith({ etcdSnapshotInterval: "6 h", etcdSnapshotRetention: 0, etcdSnapshotBucket: "acme-backups" }),
  );
  assert.deepEqual(problems, [
    'kubeadm-ha:etcdSnapshotInterval: "6 h" is not a time span such as "6h", "30m" or "1d" (a whole number with m, h or d)',
    "kubeadm-ha:etcdSnapshotRetention: 0 is out of range; valid: 1-100",
    'kubeadm-ha:etcdSnapshotBucket: "acme-backups" is set on platform "baremetal"; snapshots are copied to S3 on platform "aws" only ' +
      "(remove the key, and copy /var/lib/kubeadm-ha/etcd-snapshots off the hosts yourself)",
  ]);
  for (const bad of ["5m", "8d", "0h", "1w", "h"])
    assert.equal(problemsOf(exampleWith({ etcdSnapshotInterval: bad })).length, 1, bad);
  for (const good of ["15m", "30m", "6h", "1d", "7d"])
    assert.equal(buildSpec(exampleWith({ etcdSnapshotInterval: good })).etcdSnapshots.interval, good);
  assert.deepEqual(problemsOf(exampleWith({ etcdSnapshotRetention: 101 })), [
    "kubeadm-ha:etcdSnapshotRetention: 101 is out of range; valid: 1-100",
  ]);
});

test("etcdSnapshotBucket on aws: bucket and optional prefix (default <clusterName>/etcd-snapshots); bad names and external etcd refused", () => {
  assert.deepEqual(aws({ etcdSnapshotBucket: "acme-backups" }).etcdSnapshots.s3, {
    bucket: "acme-backups",
    prefix: "demo/etcd-snapshots",
  });
  assert.deepEqual(aws({ etcdSnapshotBucket: "acme-backups/prod/etcd" }).etcdSnapshots.s3, {
    bucket: "acme-backups",
    prefix: "prod/etcd",
  });
  assert.equal(aws().etcdSnapshots.s3, undefined);
  const awsConfig = (bucket: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    ...stackConfig("aws-example"),
    "kubeadm-ha:etcdSnapshotBucket": bucket,
    ...extra,
  });
  for (const bad of [
    "Acme_Backups",
    "ab",
    "acme-backups/",
    "acme-backups//x",
    "192.168.1.1",
    "acme..backups",
    "acme-backups/../x",
  ]) {
    const problems = problemsOf(awsConfig(bad));
    assert.equal(problems.length, 1, `${bad}: ${problems.join("; ")}`);
    assert.match(
      problems[0],
      new RegExp(
        `^kubeadm-ha:etcdSnapshotBucket: ${JSON.stringify(bad).replace(/[.*()/]/g, "\\$&")} is not an S3 bucket name`,
      ),
    );
  }
  const external = problemsOf(
    awsConfig("acme-backups", {
      "kubeadm-ha:externalEtcdEndpoints": ["https://10.0.0.5:2379", "https://10.0.0.6:2379", "https://10.0.0.7:2379"],
    }),
  );
  assert.ok(
    external.some((p) => /^kubeadm-ha:etcdSnapshotBucket: .*snapshots are taken of stacked etcd only/.test(p)),
    external.join("\n"),
  );
});

test("each control plane gets both day-two steps right after its own init or join; workers and load balancers none", () => {
  const plan = buildPlan(dev);
  for (const [i, cp] of dev.controlPlanes.entries()) {
    const joined = stepOf(plan, i === 0 ? "kubeadm-init" : "kubeadm-join", cp.name).id;
    for (const phase of ["cert-renewal", "etcd-snapshot"] as const) {
      const s = stepOf(plan, phase, cp.name);
      assert.deepEqual(s.after, [joined], s.id);
      assert.equal(s.runsOn, cp.name);
      assert.deepEqual(s.replaceOn, [], `${s.id} is updated in place, never replaced`);
      assert.match(s.deleteScript ?? "", /systemctl disable --now/);
      assert.doesNotMatch(
        `${s.script}\n${s.deleteScript}`,
        /kubeadm reset|rm -rf \/var\/lib\/etcd/,
        `${s.id} never resets a node`,
      );
    }
  }
  const dayTwo = plan.steps.filter((s) => s.phase === "cert-renewal" || s.phase === "etcd-snapshot").map((s) => s.host);
  assert.deepEqual([...new Set(dayTwo)].sort(), ["cp1", "cp2", "cp3"]);
});

test("certificate timers are staggered: one hour apart per control plane, UTC, no random delay, missed runs caught up", () => {
  const five = buildSpec(exampleWith({ controlPlanes: hosts("cp", 5, "192.168.1", 101) }));
  const times = five.controlPlanes.map((cp) => {
    const timer = fileOf(
      stepOf(buildPlan(five), "cert-renewal", cp.name),
      `/etc/systemd/system/${CERT_RENEWAL_UNIT}.timer`,
    );
    assert.match(timer, /^RandomizedDelaySec=0$/m);
    assert.match(timer, /^Persistent=true$/m);
    return /^OnCalendar=\*-\*-\* (\d\d:\d\d:\d\d) UTC$/m.exec(timer)?.[1];
  });
  assert.deepEqual(times, ["01:15:00", "02:15:00", "03:15:00", "04:15:00", "05:15:00"]);
  const service = fileOf(
    stepOf(buildPlan(five), "cert-renewal", "cp1"),
    `/etc/systemd/system/${CERT_RENEWAL_UNIT}.service`,
  );
  assert.match(service, new RegExp(`^ExecStart=${RENEW_CERTS_PATH}$`, "m"));
  assert.match(service, /^TimeoutStartSec=30min$/m, "a run ends well inside its hour");
});

test("snapshot timer and script follow etcdSnapshotInterval, etcdSnapshotRetention and the bucket", () => {
  const spec = buildSpec(exampleWith({ etcdSnapshotInterval: "30m", etcdSnapshotRetention: 12 }));
  const s = stepOf(buildPlan(spec), "etcd-snapshot", "cp2");
  assert.match(fileOf(s, `/etc/systemd/system/${ETCD_SNAPSHOT_UNIT}.timer`), /^OnUnitActiveSec=30m$/m);
  const save = fileOf(s, SAVE_SNAPSHOT_PATH);
  assert.match(save, /^RETENTION='12'$/m);
  assert.match(save, /^S3_URI='none'$/m);
  assert.match(save, /^NODE_NAME='cp2'$/m);
  const onAws = stepOf(buildPlan(aws({ etcdSnapshotBucket: "acme-backups/prod" })), "etcd-snapshot", "cp1");
  assert.match(fileOf(onAws, SAVE_SNAPSHOT_PATH), /^S3_URI='s3:\/\/acme-backups\/prod\/cp1\/'$/m);
  assert.match(onAws.script ?? "", /^NEEDS_AWS_CLI='true'$/m);
  assert.match(s.script ?? "", /^NEEDS_AWS_CLI='false'$/m);
});

test("the restore script is rendered per control plane: its own member name and peer URL, every member, kubeadm's paths", () => {
  const plan = buildPlan(dev);
  const cluster = "cp1=https://192.168.1.101:2380,cp2=https://192.168.1.102:2380,cp3=https://192.168.1.103:2380";
  for (const cp of dev.controlPlanes) {
    const s = stepOf(plan, "etcd-snapshot", cp.name);
    const file = s.files.find((f) => f.path === ETCD_RESTORE_PATH);
    assert.ok(file, `${s.id} lists the restore script`);
    assert.equal(file.mode, "0700");
    assert.match(file.note ?? "", /never by Pulumi/);
    assert.match(file.content, new RegExp(`^MEMBER_NAME='${cp.name}'$`, "m"));
    assert.match(file.content, new RegExp(`^PEER_URL='https://${cp.privateAddress.replace(/\./g, "\\.")}:2380'$`, "m"));
    assert.ok(file.content.includes(`INITIAL_CLUSTER='${cluster}'`));
    assert.match(file.content, /^DATA_DIR='\/var\/lib\/etcd'$/m);
    assert.ok((s.script ?? "").includes(file.content.split("\n")[0]), "the step installs it");
  }
  const tree = renderPlan("dev", dev);
  for (const cp of dev.controlPlanes)
    assert.ok(tree.has(`${cp.name}/files/usr/local/sbin/kubeadm-ha-etcd-restore`), cp.name);
  const planMd = tree.get("PLAN.md") ?? "";
  assert.equal(
    planMd.split("\n").filter((l) => l.includes("`/usr/local/sbin/kubeadm-ha-etcd-restore` (mode 0700)")).length,
    3,
  );
});

test("external etcd: certificate renewal without stacked etcd restarts, no snapshot steps", () => {
  const spec = buildSpec(
    exampleWith({
      externalEtcdEndpoints: ["https://192.168.1.51:2379", "https://192.168.1.52:2379", "https://192.168.1.53:2379"],
    }),
  );
  const plan = buildPlan(spec);
  assert.deepEqual(stepsOf(plan, "etcd-snapshot"), []);
  assert.equal(stepsOf(plan, "cert-renewal").length, 3);
  assert.match(fileOf(stepOf(plan, "cert-renewal", "cp1"), RENEW_CERTS_PATH), /^STACKED_ETCD='false'$/m);
});

test("config edits touch only the day-two steps they are about; adding a worker touches none of them", () => {
  const before = new Map(buildPlan(dev).steps.map((s) => [s.id, JSON.stringify(s)]));
  const changed = (spec: ClusterSpec): string[] =>
    buildPlan(spec)
      .steps.filter((s) => before.has(s.id) && before.get(s.id) !== JSON.stringify(s))
      .map((s) => s.id)
      .sort();
  assert.deepEqual(changed(buildSpec(exampleWith({ etcdSnapshotInterval: "12h", etcdSnapshotRetention: 3 }))), [
    "cp1-etcd-snapshot",
    "cp2-etcd-snapshot",
    "cp3-etcd-snapshot",
  ]);
  const withWorker = buildSpec(
    exampleWith({ workers: [...hosts("worker", 2, "192.168.1", 111), { name: "worker3", address: "192.168.1.113" }] }),
  );
  assert.deepEqual(
    changed(withWorker).filter((id) => /-(cert-renewal|etcd-snapshot)$/.test(id)),
    [],
  );
});

/** Every distinct day-two script: step scripts, delete scripts and installed scripts, over several stacks. */
function dayTwoScripts(): Map<string, string> {
  const specs = [
    dev,
    aws({ etcdSnapshotBucket: "acme-backups" }),
    buildSpec(
      exampleWith({ controlPlanes: hosts("cp", 1, "192.168.1", 101), loadBalancers: hosts("lb", 1, "192.168.1", 98) }),
    ),
    buildSpec(exampleWith({ externalEtcdEndpoints: ["https://192.168.1.51:2379"] })),
  ];
  const unique = new Map<string, string>();
  for (const spec of specs) {
    for (const s of buildPlan(spec).steps.filter((x) => x.phase === "cert-renewal" || x.phase === "etcd-snapshot")) {
      const texts = [
        s.script ?? "",
        s.deleteScript ?? "",
        ...s.files.filter((f) => f.path.startsWith("/usr/local/sbin/")).map((f) => f.content),
      ];
      for (const text of texts) if (text && !unique.has(text)) unique.set(text, `${s.id}-${unique.size}.sh`);
    }
  }
  return unique;
}

test("every day-two script, and every script it installs, passes bash -n and shellcheck", (t) => {
  const why = missingTool("shellcheck");
  if (why) return t.skip(why);
  const dir = tempDirs("kubeadm-ha-day2-sc-")();
  const files = [...dayTwoScripts()].map(([text, name]) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  });
  assert.ok(files.length >= 12, `checked ${files.length} scripts`);
  for (const f of files) assert.equal(check("bash", ["-n", f]).status, 0, f);
  const sc = check("shellcheck", ["--severity=style", ...files]);
  assert.equal(sc.status, 0, sc.output.slice(0, 4000));
});

test("every unit passes systemd-analyze verify, with the scripts it runs installed", (t) => {
  const why = missingTool("systemd-analyze", "unshare");
  if (why) return t.skip(why);
  if (!isRoot) {
    if (process.env.KUBEADM_HA_REQUIRE_TOOLS === "1")
      assert.fail(
        "systemd-analyze verify of the units needs root (a private mount namespace with the scripts installed)",
      );
    return t.skip("needs root (a private mount namespace with the scripts installed)");
  }
  const run = overlayHosts();
  const specs = [
    dev,
    buildSpec(exampleWith({ etcdSnapshotInterval: "15m" })),
    buildSpec(exampleWith({ etcdSnapshotInterval: "7d", controlPlanes: hosts("cp", 5, "192.168.1", 101) })),
  ];
  let verified = 0;
  for (const spec of specs) {
    // One step's files at a time: its units name the scripts it installs by their installed path.
    for (const s of buildPlan(spec).steps.filter((x) => x.phase === "cert-renewal" || x.phase === "etcd-snapshot")) {
      const units = s.files.filter((f) => f.path.startsWith("/etc/systemd/system/")).map((f) => f.path);
      const r = run({
        script: `systemd-analyze verify ${units.join(" ")} 2>&1`,
        setup: s.files
          .map(
            (f) =>
              `install -D -m ${f.mode ?? "0644"} /dev/stdin '${f.path}' <<'KHA_FILE'\n${f.content}${f.content.endsWith("\n") ? "" : "\n"}KHA_FILE`,
          )
          .join("\n"),
      });
      assert.equal(r.status, 0, `${s.id}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout.trim(), "", `${s.id}: systemd-analyze says\n${r.stdout}`);
      verified += units.length;
    }
  }
  assert.equal(verified, 2 * 2 * (3 + 3 + 5), "a service and a timer per step");
});

test("the install steps are idempotent: files 0700/0644 in place, systemd reloaded only when a unit changed, first snapshot checked", (t) => {
  const why = missingTool("unshare");
  if (why) return t.skip(why);
  if (!isRoot) {
    if (process.env.KUBEADM_HA_REQUIRE_TOOLS === "1")
      assert.fail("running the install steps needs root (private mount namespace)");
    return t.skip("needs root (private mount namespace)");
  }
  const run = overlayHosts();
  const snapshot = stepOf(buildPlan(dev), "etcd-snapshot", "cp2");
  const fakes = {
    systemctl: `echo "systemctl $*" >>"$FAKE/calls"; [ "$*" != "start ${ETCD_SNAPSHOT_UNIT}.service" ] || [ ! -e "$FAKE/snapshot-fails" ]`,
    journalctl: `echo "saved /var/lib/kubeadm-ha/etcd-snapshots/etcd-snapshot-cp2-x.db: revision 9"`,
    "apt-get": `echo "apt-get $*" >>"$FAKE/calls"; exit 1`,
  };
  const installedPaths = snapshot.files.map((f) => f.path);
  // Second run on a host the first run set up: the same files, so no reload.
  const twice = `bash "$FAKE/step.sh" && echo SECOND >>"$FAKE/calls" && bash "$FAKE/step.sh"`;
  const r = run({
    script: twice,
    fakes,
    setup: `cat >"$FAKE/step.sh" <<'KHA_STEP'\n${snapshot.script ?? ""}KHA_STEP`,
    collect: installedPaths,
  });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  const [first, second] = r.calls().join("\n").split("\nSECOND\n");
  assert.match(
    first,
    /systemctl daemon-reload\nsystemctl enable --quiet kubeadm-ha-etcd-snapshot\.timer\nsystemctl restart kubeadm-ha-etcd-snapshot\.timer\n/,
  );
  assert.match(first, /systemctl start kubeadm-ha-etcd-snapshot\.service/);
  assert.doesNotMatch(second, /daemon-reload/, "nothing changed: no reload");
  assert.doesNotMatch(r.calls().join("\n"), /apt-get/, "no AWS CLI without a bucket");
  for (const f of snapshot.files) {
    assert.equal(r.file(f.path), f.content, f.path);
    assert.equal(r.mode(f.path), Number.parseInt(f.mode ?? "0644", 8), f.path);
  }
  assert.match(r.stdout, /^saved \/var\/lib\/kubeadm-ha\/etcd-snapshots\//m, "the step shows the first snapshot");
  const failing = run({ script: snapshot.script ?? "", fakes, setup: 'touch "$FAKE/snapshot-fails"' });
  assert.notEqual(failing.status, 0);
  assert.match(failing.stderr, /the first etcd snapshot failed on /);
});
