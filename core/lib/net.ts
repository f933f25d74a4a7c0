import * as ipaddr from "ipaddr.js";

/** An IPv4 network parsed from CIDR notation. */
export interface Ipv4Cidr {
  /** Network address as written (may have host bits). */
  readonly address: ipaddr.IPv4;
  /** Prefix length 0-32. */
  readonly prefix: number;
}

/** True for a dotted-quad IPv4 address such as `192.168.1.10`. */
export function isIpv4(text: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(text);
}

/** Parses `a.b.c.d/n`; undefined when it is not IPv4 CIDR notation. */
export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
  if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(text)) return undefined;
  try {
    const [address, prefix] = ipaddr.IPv4.parseCIDR(text);
    return { address, prefix };
  } catch {
    return undefined;
  }
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

/** The address `offset` after `base` (IPv4 arithmetic). */
export function addressAt(base: ipaddr.IPv4, offset: number): string {
  const [a, b, c, d] = base.octets;
  const n = (((a << 24) >>> 0) + (b << 16) + (c << 8) + d + offset) >>> 0;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** Network address of `cidr` (host bits cleared). */
export function networkOf(cidr: Ipv4Cidr): ipaddr.IPv4 {
  const mask = cidr.prefix === 0 ? 0 : (~0 << (32 - cidr.prefix)) >>> 0;
  const [a, b, c, d] = cidr.address.octets;
  const n = ((((a << 24) >>> 0) + (b << 16) + (c << 8) + d) & mask) >>> 0;
  return ipaddr.IPv4.parse([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join("."));
}

/** The `index`-th subnet of `newPrefix` inside `cidr`, in CIDR notation. */
export function subnetAt(cidr: Ipv4Cidr, newPrefix: number, index: number): string {
  return `${addressAt(networkOf(cidr), index * 2 ** (32 - newPrefix))}/${newPrefix}`;
}
