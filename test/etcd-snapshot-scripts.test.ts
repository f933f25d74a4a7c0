import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { buildSpec } from "../core/config/build-spec";
import { ClusterSpec } from "../core/config/types";
import { stepOf } from "../core/plan/lookup";
import { ETCD_RESTORE_PATH, SAVE_SNAPSHOT_PATH } from "../core/plan/phases/etcd-snapshots";
import { buildPlan } from "../core/plan/steps";
import { overlayHosts, OverlayRun, OverlayRunOptions } from "./support/overlay-host";
import { exampleWith, stackConfig } from "./support/stack";
import { isRoot, missingTool } from "./support/tools";

const DIR = "/var/lib/kubeadm-ha/etcd-snapshots";
const TOOLS = "/usr/local/lib/kubeadm-ha/etcd";
const run = overlayHosts();
const installed = (spec: ClusterSpec, host: string, path: string): string =>
  stepOf(buildPlan(spec), "etcd-snapshot", host).files.find((f) => f.path === path)?.content ??
  assert.fail(`no ${path}`);

/**
 * A fake etcdctl/etcdutl: `snapshot save F` writes a fake database (`$FAKE/mode`: save-fails,
 * corrupt), `snapshot status F` reads one back as etcd's JSON, `snapshot restore F --data-dir D`
 * makes D/member, `snapshot restore --help` lists the revision-bump flags unless `$FAKE/old`.
 */
const FAKE_ETCD = `echo "$(basename "$0") $*" >>"$FAKE/calls"
mode=$(cat "$FAKE/mode" 2>/dev/null || echo ok)
args=("$@")
for ((i = 0; i < \${#args[@]}; i++)); do
  case "\${args[$i]}" in
  version) echo "$(basename "$0") version: \${VERSION:-3.5.16}"; exit 0 ;;
  --help) [ -e "$FAKE/old" ] || echo "  --bump-revision uint  --mark-compacted"; exit 0 ;;
  save)
    [ "$mode" = save-fails ] && { echo "Error: context deadline exceeded" >&2; exit 1; }
    if [ "$mode" = corrupt ]; then printf 'junk' >"\${args[$((i + 1))]}"; else echo "fake-etcd-db $RANDOM" >"\${args[$((i + 1))]}"; fi
    exit 0 ;;
  status)
    grep -q '^fake-etcd-db' "\${args[$((i + 1))]}" || { echo "Error: invalid database" >&2; exit 1; }
    echo '{"hash":123,"revision":42,"totalKey":7,"totalSize":4096}'; exit 0 ;;
  --data-dir) mkdir -p "\${args[$((i + 1))]}/member/snap" && echo restored >"\${args[$((i + 1))]}/member/snap/db"; exit 0 ;;
  esac
done`;
/** A fake crictl: with `$FAKE/container`, one etcd container whose pid is the namespace's holder shell. */
const FAKE_CRICTL = `echo "crictl $*" >>"$FAKE/calls"
if [ -e "$FAKE/container" ]; then case "$*" in *" ps "*) echo c0ffee ;; *" inspect "*) cat "$FAKE/holder-pid" ;; esac; fi`;
const toolsSetup = (tools = ["etcdctl"]): string =>
  tools.map((t) => `install -D -m 0755 "$FAKE/bin/fake-etcd" ${TOOLS}/${t}`).join("\n");
const seed = (names: string[]): string =>
  [
    `install -d -m 0700 ${DIR}`,
    ...names.map((n) => `echo "fake-etcd-db old" >${DIR}/${n} && chmod 0600 ${DIR}/${n}`),
  ].join("\n");
const oldNames = [1, 2, 3, 4].map((d) => `etcd-snapshot-cp1-2020010${d}T000000Z.db`);

function cannotRun(): string | undefined {
  const why = missingTool("unshare", "mount", "sha256sum");
  if (why) return why;
  if (isRoot) return undefined;
  if (process.env.KUBEADM_HA_REQUIRE_TOOLS === "1")
    throw new Error("running the snapshot scripts needs root (private mount namespace)");
  return "running the snapshot scripts needs root (private mount namespace)";
}

/** Runs cp1's rendered snapshot script of `spec` with the fakes. */
function save(spec: ClusterSpec, o: Partial<OverlayRunOptions> = {}): OverlayRun {
  return run({
    script: installed(spec, "cp1", SAVE_SNAPSHOT_PATH),
    collect: [DIR, TOOLS],
    ...o,
    fakes: { "fake-etcd": FAKE_ETCD, crictl: FAKE_CRICTL, ...o.fakes },
    setup: `${toolsSetup()}\n${o.setup ?? ""}`,
  });
}

test("snapshot: saved through the member's own endpoint with kubeadm's client certificate, verified, 0600 in a 0700 folder, logged", (t) => {
  const why = cannotRun();
  if (why) return t.skip(why);
  const r = save(buildSpec(stackConfig("dev")));
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /^saved \/var\/lib\/kubeadm-ha\/etcd-snapshots\/etcd-snapshot-cp1-\d{8}T\d{6}Z\.db: revision 42, 7 keys, \d+ bytes, sha256 [0-9a-f]{16}$/m,
  );
  assert.match(r.stdout, /^kept 1 snapshot\(s\) in .* \(retention 7\), removed 0$/m);
  const saveCall = r.calls().find((c) => / snapshot save /.test(c)) ?? "";
  assert.match(saveCall, /--endpoints https:\/\/127\.0\.0\.1:2379 /);
  assert.match(
    saveCall,
    /--cert \/etc\/kubernetes\/pki\/etcd\/healthcheck-client\.crt --key \/etc\/kubernetes\/pki\/etcd\/healthcheck-client\.key/,
  );
  assert.equal(r.mode(DIR), 0o700);
  const name = /etcd-snapshot-cp1-\d{8}T\d{6}Z\.db/.exec(r.stdout)?.[0] ?? "";
  assert.equal(r.mode(`${DIR}/${name}`), 0o600);
});

test("snapshot on an etcd host (etcdHosts): its member through 127.0.0.1 with its healthcheck-client certificate, kept locally", (t) => {
  const why = cannotRun();
  if (why) return t.skip(why);
  const r = run({
    script: installed(buildSpec(stackConfig("etcd-example")), "etcd2", SAVE_SNAPSHOT_PATH),
    collect: [DIR, TOOLS],
    fakes: { "fake-etcd": FAKE_ETCD, crictl: FAKE_CRICTL },
    setup: toolsSetup(),
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /^saved \/var\/lib\/kubeadm-ha\/etcd-snapshots\/etcd-snapshot-etcd2-\d{8}T\d{6}Z\.db: revision 42/m,
  );
  assert.doesNotMatch(r.stdout, /copied/);
  const saveCall = r.calls().find((c) => / snapshot save /.test(c)) ?? "";
  assert.match(saveCall, /--endpoints https:\/\/127\.0\.0\.1:2379 /);
  assert.match(saveCall, /--cert \/etc\/kubernetes\/pki\/etcd\/healthcheck-client\.crt /);
  assert.throws(
    () => installed(buildSpec(stackConfig("etcd-example")), "etcd2", ETCD_RESTORE_PATH),
    /no \/usr\/local\/sbin/,
  );
});

test("snapshot retention keeps the newest N, and only after the new one is verified", (t) => {
  const why = cannotRun();
  if (why) return t.skip(why);
  const spec = buildSpec(exampleWith({ etcdSnapshotRetention: 3 }));
  const ok = save(spec, { setup: seed(oldNames) });
  assert.equal(ok.status, 0, ok.stderr);
  const kept = ok.entries(DIR);
  assert.deepEqual(kept.slice(0, 2), [oldNames[2], oldNames[3]]);
  assert.match(kept[2] ?? "", /^etcd-snapshot-cp1-\d{8}T\d{6}Z\.db$/);
  assert.equal(kept.length, 3);
  assert.match(ok.stdout, /kept 3 snapshot\(s\) .* removed 2$/m);
  for (const mode of ["save-fails", "corrupt"]) {
    const failed = save(spec, { setup: `${seed(oldNames)}\necho ${mode} >"$FAKE/mode"` });
    assert.notEqual(failed.status, 0, mode);
    assert.deepEqual(
      failed.entries(DIR),
      oldNames,
      `${mode}: every older snapshot kept, nothing new, no partial file left`,
    );
    assert.deepEqual(
      failed.stdout.split("\n").filter((l) => /^(saved|kept) /.test(l)),
      [],
      mode,
    );
  }
  const corrupt = save(spec, { setup: 'echo corrupt >"$FAKE/mode"' });
  assert.match(corrupt.stderr, /does not pass 'snapshot status'; older snapshots are kept/);
});

test("snapshot: etcdctl/etcdutl are copied out of the running etcd container, and etcdutl verifies when the image has it", (t) => {
  const why = cannotRun();
  if (why) return t.skip(why);
  const image = `install -D -m 0755 "$FAKE/bin/fake-etcd" /usr/local/bin/etcdctl && install -D -m 0755 "$FAKE/bin/fake-etcd" /usr/local/bin/etcdutl
sed -i 's/VERSION:-3.5.16/VERSION:-3.5.21/' /usr/local/bin/etcdctl /usr/local/bin/etcdutl
touch "$FAKE/container"`;
  const r = save(buildSpec(stackConfig("dev")), { setup: image });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^copied etcdctl from the etcd container: etcdctl version: 3\.5\.21$/m);
  assert.match(r.stdout, /^copied etcdutl from the etcd container: etcdutl version: 3\.5\.21$/m);
  assert.match(r.file(`${TOOLS}/etcdutl`) ?? "", /3\.5\.21/);
  assert.ok(
    r
      .calls()
      .some((c) =>
        /^crictl --runtime-endpoint unix:\/\/\/run\/containerd\/containerd\.sock ps --name \^etcd\$ --state running -q$/.test(
          c,
        ),
      ),
  );
  assert.ok(
    r.calls().some((c) => /^etcdutl snapshot status /.test(c)),
    "etcdutl verifies",
  );
  const none = run({
    script: installed(buildSpec(stackConfig("dev")), "cp1", SAVE_SNAPSHOT_PATH),
    fakes: { crictl: FAKE_CRICTL },
  });
  assert.notEqual(none.status, 0);
  assert.match(
    none.stderr,
    /no etcdctl in \/usr\/local\/lib\/kubeadm-ha\/etcd and no running etcd container to copy it from/,
  );
});

test("snapshot on aws: copied to the bucket under the host's prefix; a failed copy fails the run and keeps the local snapshot", (t) => {
  const why = cannotRun();
  if (why) return t.skip(why);
  const spec = buildSpec({ ...stackConfig("aws-example"), "kubeadm-ha:etcdSnapshotBucket": "acme-backups" });
  const host = spec.controlPlanes[0].name;
  const awsFake = `echo "aws $*" >>"$FAKE/calls"; [ ! -e "$FAKE/s3-down" ]`;
  const script = installed(spec, host, SAVE_SNAPSHOT_PATH);
  const ok = run({
    script,
    fakes: { "fake-etcd": FAKE_ETCD, crictl: FAKE_CRICTL, aws: awsFake },
    setup: toolsSetup(),
    collect: [DIR],
  });
  assert.equal(ok.status, 0, ok.stderr);
  assert.ok(
    ok
      .calls()
      .some((c) =>
        new RegExp(
          `^aws s3 cp --only-show-errors ${DIR}/(etcd-snapshot-${host}-\\S+\\.db) s3://acme-backups/demo/etcd-snapshots/${host}/\\1$`,
        ).test(c),
      ),
    ok.calls().join("\n"),
  );
  const down = run({
    script,
    fakes: { "fake-etcd": FAKE_ETCD, crictl: FAKE_CRICTL, aws: awsFake },
    setup: `${toolsSetup()}\ntouch "$FAKE/s3-down"`,
    collect: [DIR],
  });
  assert.notEqual(down.status, 0);
  assert.match(
    down.stderr,
    /copying .* to s3:\/\/acme-backups\/demo\/etcd-snapshots\/.* failed; the local snapshot is kept/,
  );
  assert.match(down.stdout, /^saved /m);
});

/** Runs cp2's rendered restore script with `args`, a snapshot at /root/snap.db and the fakes. */
function restore(args: string[], setup = "", tools = ["etcdctl"]): OverlayRun {
  const crictl = `echo "crictl $*" >>"$FAKE/calls"
for c in etcd kube-apiserver; do case "$*" in *"^$c\\$"*) [ -f /etc/kubernetes/manifests/$c.yaml ] && echo "id-$c" ;; esac; done; true`;
  return run({
    script: installed(buildSpec(stackConfig("dev")), "cp2", ETCD_RESTORE_PATH),
    args,
    fakes: { "fake-etcd": FAKE_ETCD, crictl, sleep: "true" },
    setup: `${toolsSetup(tools)}\necho "fake-etcd-db 7" >/root/snap.db\ninstall -d /var/lib/etcd/member/wal && echo old >/var/lib/etcd/member/wal/0.wal\n${setup}`,
    collect: ["/var/lib/etcd", "/etc/kubernetes"],
  });
}

test("restore: cp2 is restored as cp2 of the rendered cluster, new token per snapshot, revisions bumped, old data kept aside", (t) => {
  const why = cannotRun();
  if (why) return t.skip(why);
  const r = restore(["restore", "/root/snap.db"]);
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  const token = `kubeadm-ha-restore-${createHash("sha256").update("fake-etcd-db 7\n").digest("hex").slice(0, 16)}`;
  const call = r.calls().find((c) => / snapshot restore \/root\/snap\.db /.test(c)) ?? "";
  assert.equal(
    call,
    "etcdctl snapshot restore /root/snap.db --name cp2 " +
      "--initial-cluster cp1=https://192.168.1.101:2380,cp2=https://192.168.1.102:2380,cp3=https://192.168.1.103:2380 " +
      `--initial-cluster-token ${token} --initial-advertise-peer-urls https://192.168.1.102:2380 --data-dir /var/lib/etcd/.restoring ` +
      "--bump-revision 1000000000 --mark-compacted",
  );
  assert.equal(r.file("/var/lib/etcd/member/snap/db"), "restored\n");
  const aside = /kept in (\/var\/lib\/etcd\/\.before-restore-\d{8}T\d{6}Z)/.exec(r.stdout)?.[1] ?? "";
  assert.equal(r.file(`${aside}/member/wal/0.wal`), "old\n", "the previous member data is moved aside, not deleted");
  assert.equal(r.mode("/var/lib/etcd/.restoring"), undefined, "no staging left");
  const old = restore(["restore", "/root/snap.db"], 'touch "$FAKE/old"', ["etcdctl", "etcdutl"]);
  assert.equal(old.status, 0, old.stderr);
  assert.ok(
    old.calls().some((c) => /^etcdutl snapshot restore /.test(c) && !/--bump-revision/.test(c)),
    "etcdutl, and no bump where it is unknown (etcd < 3.5.10)",
  );
});

test("restore refuses while etcd may run: its manifest in place, or anything on 2379/2380; stop holds api-server then etcd", (t) => {
  const why = cannotRun();
  if (why) return t.skip(why);
  const manifest = restore(["restore", "/root/snap.db"], "install -D /dev/null /etc/kubernetes/manifests/etcd.yaml");
  assert.notEqual(manifest.status, 0);
  assert.match(manifest.stderr, /etcd's static pod is still in place: run '\S+ stop' on every control plane first/);
  const listening = restore(
    ["restore", "/root/snap.db"],
    `ip link set lo up
(timeout 5 node -e "require('net').createServer().listen(2380, '127.0.0.1')" &) ; for i in $(seq 50); do ss -Hltn | grep -q ':2380' && break; sleep 0.1; done`,
  );
  assert.notEqual(listening.status, 0);
  assert.match(listening.stderr, /something still listens on port 2379 or 2380/);
  for (const refused of [manifest, listening])
    assert.ok(!refused.calls().some((c) => /snapshot restore \/root/.test(c)), "nothing restored");
  const stop = restore(
    ["stop"],
    "for c in etcd kube-apiserver kube-scheduler; do install -D /dev/null /etc/kubernetes/manifests/$c.yaml; done",
  );
  assert.equal(stop.status, 0, stop.stderr);
  assert.deepEqual(
    stop.stdout
      .split("\n")
      .filter((l) => / stopped /.test(l))
      .map((l) => l.split(": ")[1].split(" ")[0]),
    ["kube-apiserver", "etcd"],
  );
  assert.equal(stop.file("/etc/kubernetes/kubeadm-ha/restore-held/etcd.yaml"), "");
  assert.equal(stop.file("/etc/kubernetes/manifests/kube-scheduler.yaml"), "", "the rest of the control plane stays");
});
