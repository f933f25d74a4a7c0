import { Lab } from "../lab";
import { nowMs } from "../lib/time";
import { LabHost } from "../net/topology";
import { VipMove, vipHolders, watchVipMove } from "../net/vip";
import { Check, Figure } from "../report";
import { WAIT } from "../settings";
import { failuresOutside, openDuring, reasons, summarize } from "./analysis";
import { dualMasters } from "./vrrp-races";

/** Figures of a report row. */
type Figures = Readonly<Record<string, Figure>>;

/** What an LB failover measured, for the drill's own texts and figures. */
export interface Failover<F, B> {
  /** When the fault was injected. */
  readonly t0: number;
  /** How the VIP moved off the active LB. */
  readonly move: VipMove;
  /** What the drill's `fault` and `recover` returned. */
  readonly fault: F;
  readonly back: B;
  /** Hosts holding the VIP once the LB is back. */
  readonly holders: readonly string[];
}

/** A drill's own parts of its two rows: the VIP move, and the requests with the LB back. */
export interface FailoverRows {
  readonly vip: {
    readonly expectation: string;
    /** Said in parentheses after the move's duration. */
    readonly detail: string;
    /** What must hold besides the move within the bound (default true). */
    readonly pass?: boolean;
    /** Figures after `vipMovedMs`, and after `dualMasters`. */
    readonly figures: Figures;
    readonly figuresAfter?: Figures;
  };
  readonly requests: {
    readonly expectation: string;
    /** Said after `N outside `: the window and the requests open in it. */
    readonly window: (open: number) => string;
    /** Said last: the LB back as BACKUP and where the VIP is. */
    readonly back: string;
    /** Name of the figure counting the requests open in the window. */
    readonly openFigure: string;
    /** Figures after `maxLatencyMs`. */
    readonly figures: Figures;
  };
}

/** One LB failover drill: its fault on the active LB, its recovery, its bound and its texts. */
export interface LbFailoverDrill<F, B> {
  /** Row label, e.g. `3 graceful LB stop`. */
  readonly drill: string;
  /** Tag of its request loop. */
  readonly loop: string;
  /** The LB holding the VIP, and the peers it may move to. */
  readonly active: LabHost;
  readonly others: readonly LabHost[];
  /** The VIP must arrive on a peer in less than this (ms). */
  readonly boundMs: number;
  /** Injects the fault on the active LB, at t0 while the loop runs. */
  fault(): F | Promise<F>;
  /** After the VIP moved: brings the LB back until it is BACKUP. */
  recover(t0: number, fault: F): Promise<B>;
  /** End of the window (from t0) in which a failed request is explained. */
  windowEnd(move: VipMove, fault: F): number;
  /** The drill's texts and figures. */
  rows(f: Failover<F, B>): FailoverRows;
}

/**
 * The shared part of the LB drills: with the request loop running, inject the fault at t0 and
 * watch the VIP move to a peer; bring the LB back (it must settle as BACKUP, the VIP staying:
 * nopreempt); then two rows: the move within the bound (and any two MASTERs at once), and no failed
 * request outside the drill's window, none skipped, one VIP holder, the one it moved to.
 */
export async function lbFailover<F, B>(lab: Lab, d: LbFailoverDrill<F, B>): Promise<Check[]> {
  let t0 = 0;
  const { loop, value } = await lab.withLoop(d.loop, async () => {
    t0 = nowMs();
    const fault = await d.fault();
    const move = await watchVipMove(
      lab.topo,
      d.active.name,
      d.others.map((o) => o.name),
      WAIT.vipMs,
    );
    return { fault, move };
  });
  const { fault, move } = value;
  const back = await d.recover(t0, fault);
  const holders = await vipHolders(lab.topo);
  const movedMs = Math.round(move.arrivedAt - t0);
  const races = dualMasters(lab, t0);
  const s = summarize(loop.records);
  const end = d.windowEnd(move, fault);
  const unexplained = failuresOutside(loop.records, t0, end);
  const open = openDuring(loop.records, t0, end).length;
  const r = d.rows({ t0, move, fault, back, holders });
  return [
    {
      drill: d.drill,
      expectation: r.vip.expectation,
      measured: `VIP ${d.active.name} -> ${move.holder} in ${movedMs} ms (${r.vip.detail})${races.length ? `; two MASTERs at once: ${races.join("; ")}` : ""}`,
      pass: movedMs < d.boundMs && (r.vip.pass ?? true),
      figures: {
        from: d.active.name,
        to: move.holder,
        vipMovedMs: movedMs,
        ...r.vip.figures,
        dualMasters: races.length,
        ...r.vip.figuresAfter,
      },
    },
    {
      drill: d.drill,
      expectation: r.requests.expectation,
      measured: `${s.sent} sent, ${s.failed} failed${s.failed ? ` (${reasons(s.failures)})` : ""}, ${unexplained.length} outside ${r.requests.window(open)}; slowest ${s.maxLatencyMs} ms; ${r.requests.back}`,
      pass:
        unexplained.length === 0 && s.skipped === 0 && s.sent > 0 && holders.length === 1 && holders[0] === move.holder,
      figures: {
        sent: s.sent,
        failed: s.failed,
        unexplainedFailures: unexplained.length,
        [r.requests.openFigure]: open,
        maxLatencyMs: s.maxLatencyMs,
        ...r.requests.figures,
      },
    },
  ];
}
