/**
 * Checks of existing subnets (`vpcId` + `subnetIds`) against what was looked up in the account, and
 * of the fixed host addresses against the addresses other interfaces already hold. Pure: the facts
 * come from components/aws/lookups.ts before validation.
 */
import { addressAt, contains, networkOf, parseIpv4Cidr } from "../lib/net";
// config → plan import: the smallest subnet follows from the layout's fixed host offsets.
import { AwsLayout, MIN_SUBNET_PREFIX } from "../plan/aws-layout";
import { AddressInUse, AwsSubnet, ExistingSubnet, RunningHost } from "./aws";
import { show } from "./problems";
import { Report } from "./report";
import { allHosts } from "./types";

/** What the subnet checks need of the config. */
export interface ExistingSubnetInput {
  /** `vpcId`. */
  readonly vpcId: string;
  /** `subnetIds`, in order. */
  readonly subnetIds: readonly string[];
  /** Whether SSH goes through a bastion (then private subnets with a NAT route are fine). */
  readonly bastion: boolean;
}

/**
 * Each listed subnet exists in `vpcId`, is listed once, sits in its own AZ, is /{@link MIN_SUBNET_PREFIX}
 * or larger and (without a bastion) routes to an internet gateway. Returns the subnets in order.
 */
export function checkExistingSubnets(
  input: ExistingSubnetInput,
  existing: readonly ExistingSubnet[] | undefined,
  report: Report,
): AwsSubnet[] {
  const zones = new Map<string, number>();
  return input.subnetIds.map((id, i) => {
    const found = existing?.find((e) => e.id === id);
    const net = parseIpv4Cidr(found?.cidr ?? "");
    const first = input.subnetIds.indexOf(id);
    if (first !== i)
      report(["subnetIds", i], `${show(id)} is listed twice (also subnetIds[${first}]); list one subnet per AZ`);
    else if (!found || !net)
      report(["subnetIds", i], `${show(id)} was not found in ${input.vpcId} (check the id and the region)`);
    else if (found.vpcId !== undefined && found.vpcId !== input.vpcId)
      report(["subnetIds", i], `${show(id)} belongs to ${found.vpcId}, not to vpcId ${input.vpcId}`);
    else if (net.prefix > MIN_SUBNET_PREFIX)
      report(
        ["subnetIds", i],
        `${show(id)} is ${found.cidr}; subnets need /${MIN_SUBNET_PREFIX} or larger for the fixed host addresses`,
      );
    else if (found.availabilityZone !== undefined && zones.has(found.availabilityZone)) {
      report(
        ["subnetIds", i],
        `${show(id)} is in ${found.availabilityZone} like subnetIds[${zones.get(found.availabilityZone)}]; list one subnet per AZ (control planes are spread over them)`,
      );
    } else if (found.routesToInternetGateway === false && !input.bastion) {
      report(
        ["subnetIds", i],
        `${show(id)} has no route 0.0.0.0/0 to an internet gateway: instances are reached on their public IPs and download packages; use public subnets (or set bastion and give the subnets a NAT route)`,
      );
    }
    if (found?.availabilityZone !== undefined && !zones.has(found.availabilityZone))
      zones.set(found.availabilityZone, i);
    return { id, cidr: found?.cidr ?? "", azIndex: i };
  });
}

/** The fixed addresses of the layout that another interface in the VPC already holds. */
export function checkAddressesInUse(
  layout: AwsLayout,
  inUse: readonly AddressInUse[] | undefined,
  report: Report,
): void {
  if (!inUse || inUse.length === 0) return;
  const held = new Map(inUse.map((a) => [a.address, a.by]));
  const fixed: [string, string, number][] = [
    ...allHosts(layout).map((h): [string, string, number] => [h.privateAddress, h.name, layout.subnetOf[h.name]]),
    [layout.vip, "the VIP", 0],
  ];
  for (const [address, what, subnet] of fixed) {
    const by = held.get(address);
    if (by) {
      report(
        ["subnetIds", subnet],
        `${address} (${what}) is already held by ${by}; the cluster uses fixed addresses in its subnets ` +
          `(.10/.11 load balancers, .20+ control planes, .40+ etcd hosts, .128+ workers, .100 the VIP): free them or use other subnets`,
      );
    }
  }
}

/**
 * A `vip` given on aws: a secondary IP of the LB subnet (the first), so inside it, and not one of
 * the five addresses AWS reserves in every subnet (network, .1 router, .2 DNS, .3, broadcast).
 */
export function checkAwsVip(vip: string, firstSubnet: AwsSubnet, report: Report): void {
  const net = parseIpv4Cidr(firstSubnet.cidr);
  if (!net) return;
  const base = networkOf(net);
  const size = 2 ** (32 - net.prefix);
  const reserved = [0, 1, 2, 3, size - 1].map((offset) => addressAt(base, offset));
  if (!contains(net, vip)) {
    report(
      ["vip"],
      `${show(vip)} is outside the load balancers' subnet ${firstSubnet.cidr}: the VIP is a secondary IP of that subnet (leave vip unset for its .100)`,
    );
  } else if (reserved.includes(vip)) {
    report(
      ["vip"],
      `${show(vip)} is one of the addresses AWS reserves in ${firstSubnet.cidr} (${reserved.join(", ")}); pick another, or leave vip unset for the subnet's .100`,
    );
  }
}

/**
 * Running hosts keep their address: a host that this config places elsewhere (another subnet or
 * VPC CIDR) would be a new instance, reset and joined again, several at once. Refused, naming the
 * keys that place hosts; reported at `key` (`subnetIds` or `vpcCidr`/`availabilityZoneCount`).
 */
export function checkRunningHostsStay(
  layout: AwsLayout,
  running: readonly RunningHost[] | undefined,
  keys: readonly string[],
  report: Report,
): void {
  const placed = new Map(allHosts(layout).map((h) => [h.name, h.privateAddress]));
  const moved = (running ?? []).filter((r) => placed.has(r.name) && placed.get(r.name) !== r.privateAddress);
  if (moved.length === 0) return;
  const list = moved.map((r) => `${r.name} ${r.privateAddress} → ${placed.get(r.name)}`).join(", ");
  report(
    [keys[0]],
    `moves running hosts to other addresses (${list}): each would be replaced by a new instance (reset, then joined again), ` +
      `several at once. Keep ${keys.join(", ")} as they were for this stack; for another network, build a new stack`,
  );
}

/**
 * `etcdCount` between 0 and 3+ on a running cluster would move etcd between the control planes
 * (stacked) and the etcd instances: a control plane with a stacked member refuses the etcd client
 * files, and 0 would remove every member. Refused before anything is created.
 */
export function checkEtcdTopologyStays(
  layout: AwsLayout,
  running: readonly RunningHost[] | undefined,
  report: Report,
): void {
  const names = (running ?? []).map((r) => r.name);
  const runningEtcd = names.filter((n) => /^etcd\d+$/.test(n));
  const runningCps = names.filter((n) => /^cp\d+$/.test(n));
  if (layout.etcdHosts.length > 0 && runningEtcd.length === 0 && runningCps.length > 0)
    report(
      ["etcdCount"],
      `${layout.etcdHosts.length} etcd instances for a running cluster whose etcd is stacked on its control planes (${runningCps.join(", ")}): moving etcd off them is not supported; leave etcdCount at 0, or build a new stack`,
    );
  else if (layout.etcdHosts.length === 0 && runningEtcd.length > 0)
    report(
      ["etcdCount"],
      `0 would remove every etcd member of the running cluster (${runningEtcd.join(", ")}) and with them its data; keep etcdCount at 3, 5 or 7, or build a new stack`,
    );
}
