import { Lab } from "../lab";

/**
 * The moments since `since` when two load balancers were MASTER at once and one had to step down:
 * keepalived logs `Master received advert from <peer> with higher priority` on the one that yields.
 * With more than one BACKUP (colocated, 3 or more control planes) their takeover timers differ only
 * by the skew of their priorities ((256 - priority) x advert_int / 256: 1.2 ms per priority step at
 * 0.3 s), so with close priorities two may take the VIP together; while both hold it, the client's
 * ARP entry may flip between them and connections opened on one are reset by the other (hence the
 * plan's colocated priorities 40 apart). Returned as `<host>: <line>`.
 */
export function dualMasters(lab: Lab, since: number): string[] {
  return lab.topo.lbs.flatMap((lb) => {
    const ka = lab.keepalived.get(lb.name);
    if (!ka) return [];
    return ka.log
      .all(/Master received advert from \S+ with higher priority/, since)
      .map(
        (l) =>
          `${lb.name}: ${/Master received advert from \S+ with higher priority \d+, ours \d+/.exec(l.text)?.[0] ?? l.text}`,
      );
  });
}
