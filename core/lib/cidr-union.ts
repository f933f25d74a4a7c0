/**
 * Pure maths on lists of IPv4 CIDRs that allow traffic in: what their union covers, and which
 * entries repeat. Parsing is `parseIpv4Cidr` (core/lib/net.ts); entries it refuses are skipped here.
 */
import { networkOf, parseIpv4Cidr } from "./net";

/** Number of IPv4 addresses (2^32). */
export const IPV4_SPACE = 2 ** 32;

/** A half-open range of IPv4 addresses as numbers: [start, end). */
interface Span {
  readonly start: number;
  readonly end: number;
}

function spanOf(text: string): Span | undefined {
  const cidr = parseIpv4Cidr(text);
  if (!cidr) return undefined;
  const [a, b, c, d] = networkOf(cidr).octets;
  const start = a * 2 ** 24 + b * 2 ** 16 + c * 2 ** 8 + d;
  return { start, end: start + 2 ** (32 - cidr.prefix) };
}

/**
 * How many distinct addresses the union of `cidrs` holds (overlaps counted once). O(n log n):
 * sort by start, then merge. Entries that are not IPv4 CIDRs are ignored (report them elsewhere).
 */
export function unionSize(cidrs: readonly string[]): number {
  const spans = cidrs
    .map(spanOf)
    .filter((s): s is Span => s !== undefined)
    .sort((x, y) => x.start - y.start);
  let total = 0;
  let reach = 0; // end of the merged run so far
  for (const s of spans) {
    if (s.end <= reach) continue;
    total += s.end - Math.max(s.start, reach);
    reach = s.end;
  }
  return total;
}

/** True when the union of `cidrs` is the whole IPv4 space (`0.0.0.0/1` + `128.0.0.0/1` is, too). */
export function coversAllIpv4(cidrs: readonly string[]): boolean {
  return unionSize(cidrs) === IPV4_SPACE;
}

/** An entry that names the same network as an earlier one. */
export interface RepeatedCidr {
  /** Index of the repeat in the list. */
  readonly index: number;
  /** Index of the first entry with the same network. */
  readonly firstIndex: number;
}

/**
 * The list without repeats (first occurrence kept, order kept) and where each repeat was. Two
 * entries repeat when they parse to the same network and prefix (`10.0.0.0/8` twice); text that
 * is not a CIDR is compared as written. Linear in the list length.
 */
export function dedupeCidrs(cidrs: readonly string[]): { unique: string[]; repeats: RepeatedCidr[] } {
  const first = new Map<string, number>();
  const unique: string[] = [];
  const repeats: RepeatedCidr[] = [];
  cidrs.forEach((text, index) => {
    const cidr = parseIpv4Cidr(text);
    const key = cidr ? `${networkOf(cidr).toString()}/${cidr.prefix}` : text;
    const seen = first.get(key);
    if (seen === undefined) {
      first.set(key, index);
      unique.push(text);
    } else {
      repeats.push({ index, firstIndex: seen });
    }
  });
  return { unique, repeats };
}
