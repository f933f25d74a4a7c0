/** Checks of the VIP and of the VRRP (keepalived) settings that move it between the load balancers. */
import { broadcastOf, contains, Ipv4Cidr, isIpv4, networkOf, parseIpv4Cidr, specialRangeOf } from "../lib/net";
import { AUTO_INTERFACE } from "./keys";
import { show } from "./problems";
import { checkInterfaceName, checkRange, Report } from "./report";
import { RawConfig } from "./schema";
import { HostSpec } from "./types";
import { Networks } from "./validate-networks";

/** The VIP address and its prefix length on the LB interface. */
export interface Vip {
  /** Address only; "" when unset or invalid. */
  readonly address: string;
  /** Prefix length; 32 when none is given. */
  readonly prefixLength: number;
}

/** The advert interval the program accepts (seconds): VRRPv3 counts centiseconds (RFC 5798 5.2.7). */
export const VRRP_ADVERT_INTERVAL = { min: 0.1, max: 10 } as const;

/** `virtualRouterId` and `vrrpAdvertInterval` are in keepalived's ranges. */
export function validateVrrp(c: Pick<RawConfig, "virtualRouterId" | "vrrpAdvertInterval">, report: Report): void {
  checkRange(report, ["virtualRouterId"], c.virtualRouterId, 1, 255);
  const s = c.vrrpAdvertInterval;
  const { min, max } = VRRP_ADVERT_INTERVAL;
  if (!(s >= min && s <= max) || Math.abs(s * 100 - Math.round(s * 100)) > 1e-6) {
    report(
      ["vrrpAdvertInterval"],
      `${show(s)} is not an advert interval: give seconds from ${min} to ${max} in steps of 0.01 ` +
        "(the load balancers speak VRRPv3, which counts centiseconds; keepalived takes sub-second adverts only with v3). " +
        `A dead load balancer loses the VIP after about 3.6 x the interval (0.3: 1.1 s); below ${min} s a busy LB misses adverts ` +
        `and the VIP flaps, above ${max} s a failover takes more than half a minute`,
    );
  }
}

/** `vipInterface` is an interface name, or `auto` (the interface that holds each LB's privateAddress, found on the host). */
export function validateVipInterface(c: Pick<RawConfig, "vipInterface">, report: Report): void {
  checkInterfaceName(
    (path, message) => report(path, `${message}, or "${AUTO_INTERFACE}" to find it on each load balancer`),
    ["vipInterface"],
    c.vipInterface,
  );
}

/** `vip` is an IPv4 address, optionally with the LB network prefix; required on bare metal. */
export function validateVip(c: Pick<RawConfig, "vip" | "platform">, report: Report): Vip {
  if (c.vip === undefined) {
    if (c.platform !== "aws")
      report(
        ["vip"],
        'is required on bare metal: a free address on the load balancers\' network, e.g. "192.168.1.100"',
      );
    return { address: "", prefixLength: 32 };
  }
  const slash = c.vip.indexOf("/");
  const addr = slash < 0 ? c.vip : c.vip.slice(0, slash);
  // parseIpv4Cidr refuses leading zeros and anything after the prefix ("192.168.1.100/24/x").
  const net = slash < 0 ? undefined : parseIpv4Cidr(c.vip);
  if (!isIpv4(addr) || (slash >= 0 && (!net || net.prefix < 8))) {
    report(
      ["vip"],
      `${show(c.vip)} is not a canonical IPv4 address, optionally with a prefix /8-/32 (e.g. "192.168.1.100" or "192.168.1.100/24"; no leading zeros)`,
    );
    return { address: "", prefixLength: 32 };
  }
  const problem = vipAddressProblem(addr, net);
  if (problem) {
    report(["vip"], `${show(c.vip)} ${problem}`);
    return { address: "", prefixLength: 32 };
  }
  return { address: addr, prefixLength: net ? net.prefix : 32 };
}

/** Why a canonical address cannot be the VIP: not a unicast host address (of its prefix, when given). */
function vipAddressProblem(address: string, net: Ipv4Cidr | undefined): string | undefined {
  const special = specialRangeOf(address);
  if (special) return `is ${special.description}; the VIP must be a unicast address on the load balancers' network`;
  // A /31 or /32 has no network or broadcast address (RFC 3021).
  if (net && net.prefix <= 30 && (address === networkOf(net).toString() || address === broadcastOf(net))) {
    const which = address === broadcastOf(net) ? "broadcast" : "network";
    return `is the ${which} address of ${networkOf(net).toString()}/${net.prefix}; the VIP must be a host address of that network`;
  }
  return undefined;
}

/**
 * With a prefix, the VIP lies on the network of every host that may hold it (bare metal: the hosts
 * are given): the load balancers, or the control planes with `loadBalancerMode: colocated`.
 */
export function validateVipOnLbNetwork(
  c: Pick<RawConfig, "vip" | "loadBalancerMode">,
  vip: Vip,
  holders: { readonly loadBalancers: readonly HostSpec[]; readonly controlPlanes: readonly HostSpec[] },
  report: Report,
): void {
  if (!vip.address || vip.prefixLength >= 32) return;
  const lbNet = parseIpv4Cidr(`${vip.address}/${vip.prefixLength}`);
  const colocated = c.loadBalancerMode === "colocated";
  const [list, what] = colocated ? [holders.controlPlanes, "control plane"] : [holders.loadBalancers, "load balancer"];
  list.forEach((lb, i) => {
    if (lbNet && isIpv4(lb.privateAddress) && !contains(lbNet, lb.privateAddress)) {
      report(
        ["vip"],
        `${show(c.vip)} is outside ${what} ${lb.name}'s network (${colocated ? "controlPlanes" : "loadBalancers"}[${i}] is ${lb.privateAddress}); the VIP must be on the subnet of the hosts that hold it`,
      );
    }
  });
}

/** The VIP lies outside the pod and service networks. */
export function validateVipOutsideNetworks(vip: Vip, nets: Networks, report: Report): void {
  if (!vip.address) return;
  for (const [key, net] of [
    ["podNetworkCidr", nets.pod],
    ["serviceCidr", nets.svc],
  ] as const) {
    if (net && contains(net, vip.address))
      report([key], `contains the VIP ${vip.address}; pick ranges that do not overlap the host network`);
  }
}
