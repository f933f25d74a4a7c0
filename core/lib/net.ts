import * as ipaddr from "ipaddr.js";

/** An IPv4 network parsed from CIDR notation. */
export interface Ipv4Cidr {
  /** Network address as written (may have host bits). */
  readonly address: ipaddr.IPv4;
  /** Prefix length 0-32. */
  readonly prefix: number;
}

/**
 * True for a canonical dotted-quad IPv4 address such as `192.168.1.10`: four decimal octets 0-255
 * without leading zeros. `010.0.0.1` is refused: ipaddr.js and glibc read `010` as octal 8, Go and
 * AWS as decimal 10, so the same text would name two machines.
 */
export function isIpv4(text: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(text);
}

// A prefix length written without leading zeros: 0-32.
const PREFIX = /^(0|[1-9]\d?)$/;

/** Parses a canonical `a.b.c.d/n` (see {@link isIpv4}); undefined otherwise (trailing text included). */
export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const address = text.slice(0, slash);
  const prefix = text.slice(slash + 1);
  if (!isIpv4(address) || !PREFIX.test(prefix) || Number(prefix) > 32) return undefined;
  return { address: ipaddr.IPv4.parse(address), prefix: Number(prefix) };
}

/**
 * True for text a resolver would read as an IPv4 address in some form (`10.1`, `0x7f.1`,
 * `2130706433`, `010.0.0.1`): inet_aton(3) accepts one to four parts, decimal, octal or hex.
 * Such text is either a canonical address ({@link isIpv4}) or a mistake, never a host name.
 */
export function looksLikeIpv4(text: string): boolean {
  return /^(?:0x[0-9a-f]*|\d+)(?:\.(?:0x[0-9a-f]*|\d+)){0,3}\.?$/i.test(text);
}

// RFC 1123 label: letters, digits and inner hyphens, 1-63 characters.
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * True for a DNS host name: dot-separated RFC 1123 labels, at most 253 characters, whose last
 * label is not all digits (RFC 3696 section 2: a top-level domain is never numeric, so such text
 * would be read as an address).
 */
export function isDnsName(text: string): boolean {
  if (text.length === 0 || text.length > 253) return false;
  const labels = text.split(".");
  return labels.every((l) => LABEL.test(l)) && !/^\d+$/.test(labels[labels.length - 1]);
}

/** True for `localhost` and names under `.localhost`, which resolve to the loopback (RFC 6761 section 6.3). */
export function isLocalhostName(text: string): boolean {
  return /^(?:.+\.)?localhost$/i.test(text);
}

/** A block of IPv4 addresses that cannot be a host's own address on a network. */
export type SpecialRange = "this-network" | "loopback" | "link-local" | "multicast" | "reserved";

// Each block with how a message names it (RFC 6890 special-purpose registry).
const SPECIAL: readonly (readonly [SpecialRange, string, number, string])[] = [
  ["this-network", "0.0.0.0", 8, 'in 0.0.0.0/8 ("this network"; 0.0.0.0 reaches the local machine)'],
  ["loopback", "127.0.0.0", 8, "a loopback address (127.0.0.0/8, the local machine)"],
  ["link-local", "169.254.0.0", 16, "a link-local address (169.254.0.0/16)"],
  ["multicast", "224.0.0.0", 4, "a multicast address (224.0.0.0/4)"],
  ["reserved", "240.0.0.0", 4, "in the reserved block 240.0.0.0/4 (255.255.255.255 is broadcast)"],
];

const SPECIAL_BASES = SPECIAL.map(([, base]) => ipaddr.IPv4.parse(base));

/** The special block a canonical IPv4 address lies in, with its description; undefined for an ordinary unicast address. */
export function specialRangeOf(address: string): { range: SpecialRange; description: string } | undefined {
  if (!isIpv4(address)) return undefined;
  const ip = ipaddr.IPv4.parse(address);
  const hit = SPECIAL.find(([, , prefix], i) => ip.match(SPECIAL_BASES[i], prefix));
  return hit && { range: hit[0], description: hit[3] };
}

/** True when `address` lies in `cidr`. */
export function contains(cidr: Ipv4Cidr, address: string): boolean {
  return ipaddr.IPv4.parse(address).match(cidr.address, cidr.prefix);
}

/** True when two networks share any address. */
export function overlaps(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  const shorter = Math.min(a.prefix, b.prefix);
  return a.address.match(b.address, shorter);
}

function toNumber(ip: ipaddr.IPv4): number {
  const [a, b, c, d] = ip.octets;
  return (((a << 24) >>> 0) + (b << 16) + (c << 8) + d) >>> 0;
}

function fromNumber(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** The address `offset` after `base` (IPv4 arithmetic). */
export function addressAt(base: ipaddr.IPv4, offset: number): string {
  return fromNumber((toNumber(base) + offset) >>> 0);
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
}

/** Network address of `cidr` (host bits cleared). */
export function networkOf(cidr: Ipv4Cidr): ipaddr.IPv4 {
  return ipaddr.IPv4.parse(fromNumber((toNumber(cidr.address) & maskOf(cidr.prefix)) >>> 0));
}

/** Last address of `cidr` (host bits set): its broadcast address when the prefix is /30 or shorter. */
export function broadcastOf(cidr: Ipv4Cidr): string {
  return fromNumber((toNumber(cidr.address) | ~maskOf(cidr.prefix)) >>> 0);
}

/** True when the address of `cidr` has bits set past the prefix (`10.96.0.1/12`). */
export function hasHostBits(cidr: Ipv4Cidr): boolean {
  return networkOf(cidr).toString() !== cidr.address.toString();
}

/** Number of addresses in a network of this prefix length. */
export function addressCount(prefix: number): number {
  return 2 ** (32 - prefix);
}

/** The `index`-th subnet of `newPrefix` inside `cidr`, in CIDR notation. */
export function subnetAt(cidr: Ipv4Cidr, newPrefix: number, index: number): string {
  return `${addressAt(networkOf(cidr), index * 2 ** (32 - newPrefix))}/${newPrefix}`;
}
