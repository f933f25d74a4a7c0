import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSpec } from "../core/config/build-spec";
import { ClusterSpec } from "../core/config/types";
import { stepOf } from "../core/plan/lookup";
import { RENEW_CERTS_PATH } from "../core/plan/phases/certificates";
import { buildPlan } from "../core/plan/steps";
import { overlayHosts, OverlayRun } from "./support/overlay-host";
import { exampleWith, stackConfig } from "./support/stack";
import { isRoot, missingTool } from "./support/tools";

const run = overlayHosts();
const dev = buildSpec(stackConfig("dev"));
const MANIFESTS = "/etc/kubernetes/manifests";
const HELD = "/etc/kubernetes/kubeadm-ha/held-manifests";
const COMPONENTS = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** A date as `kubeadm certs check-expiration` prints it: `Jan 02, 2006 15:04 UTC`. */
function kubeadmDate(daysFromNow: number): string {
  const d = new Date(Date.now() + daysFromNow * 86_400_000);
  const two = (n: number): string => String(n).padStart(2, "0");
  return `${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())}, ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())} UTC`;
}

/** check-expiration's two tables: `rows` are [name, days left, externally managed]. */
function expirationTable(rows: readonly (readonly [string, number, boolean?])[]): string {
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd([27, 25, 16, 24][i] ?? 0)).join("");
  return [
    "[check-expiration] Reading configuration from the cluster...",
    "",
    line(["CERTIFICATE", "EXPIRES", "RESIDUAL TIME", "CERTIFICATE AUTHORITY", "EXTERNALLY MANAGED"]),
    ...rows.map(([name, days, ext]) => line([name, kubeadmDate(days), `${days}d`, "ca", ext ? "yes" : "no"])),
    "",
    line(["CERTIFICATE AUTHORITY", "EXPIRES", "RESIDUAL TIME", "EXTERNALLY MANAGED"]),
    line(["ca", kubeadmDate(3), "3d", "no"]),
    "",
  ].join("\n");
}

/**
 * Fakes: kubeadm prints `$FAKE/table` (`renew all` swaps in `$FAKE/renewed`); crictl shows a
 * component running while its manifest is in place (the kubelet, at once); curl fails for the
 * URLs in `$FAKE/down`; sleep returns at once.
 */
const FAKES = {
  kubeadm: `echo "kubeadm $*" >>"$FAKE/calls"
case "$*" in "certs check-expiration") cat "$FAKE/table" ;; "certs renew all") cp "$FAKE/renewed" "$FAKE/table" ;; esac`,
  crictl: `for c in ${COMPONENTS.join(" ")}; do case "$*" in *"^$c\\$"*) [ -f ${MANIFESTS}/$c.yaml ] && echo "id-$c" || echo "crictl: $c gone" >>"$FAKE/calls" ;; esac; done; true`,
  curl: `for a in "$@"; do grep -qxF "$a" "$FAKE/down" 2>/dev/null && exit 7; done; true`,
  sleep: "true",
};

/** Runs cp1's rendered renewal script (or `host`'s) with the earliest certificate `days` away. */
function renew(o: {
  days: number;
  renewed?: number;
  rows?: (readonly [string, number, boolean?])[];
  down?: string[];
  setup?: string;
  args?: string[];
  spec?: ClusterSpec;
  host?: string;
}): OverlayRun {
  const spec = o.spec ?? dev;
  const rows = o.rows ?? [
    ["admin.conf", o.days],
    ["apiserver", o.days + 1],
    ["etcd-server", o.days + 2],
  ];
  return run({
    script:
      stepOf(buildPlan(spec), "cert-renewal", o.host ?? "cp1").files.find((f) => f.path === RENEW_CERTS_PATH)
        ?.content ?? "",
    args: o.args,
    fakes: FAKES,
    collect: [MANIFESTS, HELD],
    setup: [
      `cat >"$FAKE/table" <<'EOF'\n${expirationTable(rows)}\nEOF`,
      `cat >"$FAKE/renewed" <<'EOF'\n${expirationTable([
        ["admin.conf", o.renewed ?? 364],
        ["apiserver", 365],
      ])}\nEOF`,
      `printf '%s\\n' ${(o.down ?? ["none"]).map((d) => `'${d}'`).join(" ")} >"$FAKE/down"`,
      ...COMPONENTS.map(
        (c) => `install -D -m 0600 /dev/null ${MANIFESTS}/${c}.yaml && echo ${c} >${MANIFESTS}/${c}.yaml`,
      ),
      o.setup ?? "",
    ].join("\n"),
  });
}

const renewed = (r: OverlayRun): boolean => r.calls().includes("kubeadm certs renew all");
const allInPlace = (r: OverlayRun): boolean =>
  COMPONENTS.every((c) => r.file(`${MANIFESTS}/${c}.yaml`) === `${c}\n`) && r.entries(HELD).length === 0;

function cannotRun(): string | undefined {
  const why = missingTool("unshare", "mount");
  if (why) return why;
  if (isRoot) return undefined;
  if (process.env.KUBEADM_HA_REQUIRE_TOOLS === "1")
    throw new Error("running the renewal script needs root (private mount namespace)");
  return "running the renewal script needs root (private mount namespace)";
}

test("renewal: nothing happens while 30 days or more are left; the earliest certificate is logged", (t) => {
  const why = cannotRun();
  if (why) return t.skip(why);
  const r = renew({ days: 45 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /^earliest certificate on cp1: admin\.conf expires \d{4}-\d\d-\d\dT\d\d:\d\d:00Z \((44|45) days left; renewal below 30\)$/m,
  );
  assert.equal(renewed(r), false);
  assert.ok(allInPlace(r));
});

test("renewal below 30 days: renew all, then etcd, api-server, controller-manager, scheduler restarted one at a time", (t) => {
  const why = cannotRun();
  if (why) return t.skip(why);
  const r = renew({ days: 20 });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.equal(renewed(r), true);
  assert.deepEqual(
    r.stdout
      .split("\n")
      .filter((l) => l.startsWith("restarted "))
      .map((l) => l.split(" ")[1]),
    COMPONENTS,
  );
  // Each component was seen gone (its manifest out) before the next one was touched.
  assert.deepEqual(
    r
      .calls()
      .filter((c) => c.startsWith("crictl: "))
      .map((c) => c.split(" ")[1]),
    COMPONENTS,
  );
  assert.ok(allInPlace(r), "every manifest is back, none held");
  assert.match(r.stdout, /^renewed on cp1: the earliest certificate \(admin\.conf\) now expires /m);
  assert.match(r.stdout, /keeps the old client certificate, valid until [A-Z][a-z]{2} \d\d, \d{4} \d\d:\d\d UTC;$/m);
  assert.match(
    r.stdout,
    /^refresh it with: pulumi up --replace '@URN:admin-kubeconfig@'$/m,
    "the admin host says how to refresh the kubeconfig output (the URN is filled in by the program)",
  );
  const cp2 = renew({ days: 20, host: "cp2" });
  assert.equal(cp2.status, 0, cp2.stderr);
  assert.doesNotMatch(cp2.stdout, /pulumi up --replace/);
});

test("renewal with external etcd restarts no etcd; --check never renews", (t) => {
  const why = cannotRun();
  if (why) return t.skip(why);
  const external = buildSpec(exampleWith({ externalEtcdEndpoints: ["https://192.168.1.51:2379"] }));
  const r = renew({ days: 5, spec: external });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(
    r.stdout
      .split("\n")
      .filter((l) => l.startsWith("restarted "))
      .map((l) => l.split(" ")[1]),
    COMPONENTS.slice(1),
  );
  const check = renew({ days: 5, args: ["--check"] });
  assert.equal(check.status, 0, check.stderr);
  assert.equal(renewed(check), false);
  assert.match(
    check.stdout.trim().split("\n").pop() ?? "",
    /^earliest certificate on cp1: .* \((4|5) days left; renewal below 30\)$/,
  );
});

test("renewal: externally managed certificates do not count; a wrong table fails loudly", (t) => {
  const why = cannotRun();
  if (why) return t.skip(why);
  const r = renew({
    days: 200,
    rows: [
      ["apiserver-etcd-client", 3, true],
      ["apiserver", 200],
    ],
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(renewed(r), false, "an externally managed certificate is the operator's to renew");
  const empty = renew({ days: 1, rows: [] });
  assert.notEqual(empty.status, 0);
  assert.match(empty.stderr, /found no certificate expiry in the output of kubeadm certs check-expiration/);
});

test("renewal waits for the other api-servers unless fewer than 7 days are left", (t) => {
  const why = cannotRun();
  if (why) return t.skip(why);
  const down = ["https://192.168.1.103:6443/readyz"];
  const deferred = renew({ days: 20, down });
  assert.equal(deferred.status, 0, deferred.stderr);
  assert.equal(renewed(deferred), false);
  assert.match(deferred.stdout, /deferring the renewal: the api-server on 192\.168\.1\.103 is not ready/);
  const urgent = renew({ days: 6, down });
  assert.equal(urgent.status, 0, urgent.stderr);
  assert.equal(renewed(urgent), true);
  assert.match(urgent.stdout, /not ready, but only [56] days are left: renewing anyway/);
});

test("renewal puts back a manifest a stopped run left held, and never leaves one held when a restart fails", (t) => {
  const why = cannotRun();
  if (why) return t.skip(why);
  const leftover = renew({ days: 100, setup: `install -d ${HELD} && mv ${MANIFESTS}/kube-apiserver.yaml ${HELD}/` });
  assert.equal(leftover.status, 0, leftover.stderr);
  assert.match(leftover.stdout, /^put kube-apiserver\.yaml back into \/etc\/kubernetes\/manifests$/m);
  assert.ok(allInPlace(leftover));
  const stuck = renew({ days: 10, down: ["https://127.0.0.1:6443/readyz"] });
  assert.notEqual(stuck.status, 0);
  assert.match(stuck.stderr, /kube-apiserver is not healthy 300 s after its restart on cp1; stopping here/);
  assert.ok(allInPlace(stuck), "the failed run leaves every manifest in place");
  assert.deepEqual(
    stuck.stdout
      .split("\n")
      .filter((l) => l.startsWith("restarted "))
      .map((l) => l.split(" ")[1]),
    ["etcd"],
  );
});
