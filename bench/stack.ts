import { exampleWith } from "../test/support/stack";

/** One cluster size the bench measures. */
export interface BenchSize {
  /** Number of control planes (odd). */
  readonly controlPlanes: number;
  /** Number of workers. */
  readonly workers: number;
}

/** The sizes of issue 14, smallest first: control planes + workers, two load balancers each. */
export const SIZES: readonly BenchSize[] = [
  { controlPlanes: 3, workers: 2 },
  { controlPlanes: 3, workers: 50 },
  { controlPlanes: 3, workers: 500 },
  { controlPlanes: 3, workers: 2000 },
  { controlPlanes: 5, workers: 500 },
];

/** `3+500`: how the bench, its JSON and the README name a size. */
export function sizeLabel(size: BenchSize): string {
  return `${size.controlPlanes}+${size.workers}`;
}

/** Parses `3+500` back into a size; undefined when it is not `<odd control planes>+<workers>`. */
export function parseSize(label: string): BenchSize | undefined {
  const m = /^(\d+)\+(\d+)$/.exec(label);
  if (!m) return undefined;
  const size = { controlPlanes: Number(m[1]), workers: Number(m[2]) };
  return size.controlPlanes % 2 === 1 ? size : undefined;
}

/**
 * The n-th generated host address (from 0) of address block `block`, in 198.18.0.0/15 (RFC 2544's
 * benchmarking range, never a real network): 250 hosts per /24, `.1` to `.250`.
 */
function address(block: number, n: number): string {
  const third = block + Math.floor(n / 250);
  return `198.${18 + Math.floor(third / 256)}.${third % 256}.${1 + (n % 250)}`;
}

/** `count` hosts `<prefix>1..count` in address block `block` (a /24 per 250 hosts). */
function generated(prefix: string, count: number, block: number): { name: string; address: string }[] {
  return Array.from({ length: count }, (_, i) => ({ name: `${prefix}${i + 1}`, address: address(block, i) }));
}

/** Names of the Kubernetes nodes of a generated stack: control planes, then workers. */
export function nodeNames(size: BenchSize): string[] {
  return [...generated("cp", size.controlPlanes, 1), ...generated("worker", size.workers, 2)].map((h) => h.name);
}

/**
 * A bare-metal stack config of `size` (the dev stack's settings otherwise): LBs in 198.18.0.0/24,
 * control planes in 198.18.1.0/24, workers from 198.18.2.0 on, and a pod network with a /24 per
 * node to spare (10.128.0.0/12 holds 4,096).
 */
export function benchConfig(size: BenchSize): Record<string, unknown> {
  return exampleWith({
    vip: "198.18.0.100/24",
    loadBalancers: generated("lb", 2, 0),
    controlPlanes: generated("cp", size.controlPlanes, 1),
    workers: generated("worker", size.workers, 2),
    podNetworkCidr: "10.128.0.0/12",
  });
}
