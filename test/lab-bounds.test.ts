import { test } from "node:test";
import assert from "node:assert/strict";
import { labBounds, LabBounds, PROMISE } from "../lab/bounds";
import { listedFile, loadBalancerSteps } from "../lab/lb-files";
import { buildTopology } from "../lab/net/topology";
import { haproxyMs, renderedTimers } from "../lab/rendered-timers";

// The lab's bounds follow the rendered HAProxy and keepalived timers (lab/bounds.ts).

/** The bounds the lab computes for a topology, from its plan's listed LB files. */
function boundsOf(controlPlanes: number, config: Record<string, unknown> = {}): LabBounds {
  const t = buildTopology(controlPlanes, config);
  const steps = [...loadBalancerSteps(t.spec).values()];
  return labBounds(
    renderedTimers(
      listedFile(steps[0], "haproxy.cfg").content,
      steps.map((s) => listedFile(s, "keepalived.conf").content),
    ),
  );
}

test("lab bounds are computed from the rendered HAProxy and keepalived timers", () => {
  assert.equal(haproxyMs("2s"), 2_000);
  assert.equal(haproxyMs("1h"), 3_600_000);
  assert.equal(haproxyMs("250"), 250);
  assert.equal(haproxyMs("500ms"), 500);
  assert.throws(() => haproxyMs("2 s"), /not an HAProxy time/);
  // Today's rendering: inter 1s fastinter 500ms fall 2 rise 2, timeout connect 1s, check 2s, VRRPv3 advert_int 0.3, priorities 101/100.
  const b = boundsOf(3);
  assert.equal(b.markDownMs, 1_800, "refused: inter 1 s + 1 x fastinter 0.5 s + 0.3 s");
  assert.equal(
    b.markDownSilentMs,
    3_800,
    "silent: max(inter 1 + connect 1, check 2) + 1 x (fastinter 0.5 + connect 1) + 0.3 s",
  );
  assert.equal(Math.round(b.vipGracefulMs), 433, "skew 156/256 x 0.3 s + 0.25 s");
  assert.equal(b.vipProcessMs, b.vipGracefulMs, "a lost HAProxy process sends priority 0, as a stop does");
  assert.equal(Math.round(b.vipHardMs), 1_333, "3 x 0.3 s + skew + 0.25 s");
  assert.equal(b.recoveryMs, 12_500, "start 5 s + election 4 s + inter 1 s + fastinter 0.5 s + attempt 2 s");
  assert.equal(b.idleMs, 25_000, "timeout client/server 20 s + 5 s");
  // With the defaults the bounds keep the product's promises (issue 12).
  assert.ok(
    b.vipHardMs < PROMISE.vipHardMs && b.vipGracefulMs < PROMISE.vipGracefulMs && b.vipProcessMs < PROMISE.vipProcessMs,
  );
  assert.ok(b.markDownSilentMs < PROMISE.markDownSilentMs);
  // A slower advert interval moves the VIP bounds with it; HAProxy's bounds stay.
  const slow = boundsOf(3, { "kubeadm-ha:vrrpAdvertInterval": 2 });
  assert.equal(Math.round(slow.vipGracefulMs), 1_469);
  assert.equal(Math.round(slow.vipHardMs), 7_469);
  assert.equal(slow.markDownMs, 1_800);
  const cfg =
    "defaults\n    timeout client 30s\n    timeout server 20s\n    timeout connect 5s\n    timeout tunnel 1h\nbackend b\n    default-server inter 3s fall 3 rise 2\n";
  const t = renderedTimers(cfg, ["advert_int 1\npriority 101\n", "advert_int 1\npriority 100\n"]);
  assert.equal(labBounds(t).markDownMs, 9_300, "no fastinter: inter 3 s + 2 x 3 s + 0.3 s");
  assert.equal(
    labBounds(t).markDownSilentMs,
    18_300,
    "no timeout check: inter bounds each check: (3 + 3) + 2 x (3 + 3) + 0.3 s",
  );
  assert.equal(labBounds(t).idleMs, 35_000, "the larger of client and server timeout + 5 s");
  assert.throws(() => renderedTimers(cfg, ["advert_int 1\n", "advert_int 2\n"]), /different intervals/);
  assert.throws(
    () => renderedTimers(cfg, ["vrrp_version 3\nadvert_int 1\n", "advert_int 1\n"]),
    /different VRRP versions/,
  );
  assert.throws(() => labBounds(renderedTimers(cfg, ["advert_int 0.5\n", "advert_int 0.5\n"])), /needs VRRPv3/);
});
