/** Checks of the VIP and of the VRRP (keepalived) settings that move it between the load balancers. */
import { contains, isIpv4, parseIpv4Cidr } from "../lib/net";
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

/** `virtualRouterId` and `vrrpAdvertInterval` are in keepalived's ranges. */
export function validateVrrp(c: Pick<RawConfig, "virtualRouterId" | "vrrpAdvertInterval">, report: Report): void {
  checkRange(report, ["virtualRouterId"], c.virtualRouterId, 1, 255);
  checkRange(report, ["vrrpAdvertInterval"], c.vrrpAdvertInterval, 1, 10);
}

/** `vipInterface` can be an interface name. */
export function validateVipInterface(c: Pick<RawConfig, "vipInterface">, report: Report): void {
  checkInterfaceName(report, ["vipInterface"], c.vipInterface);
}

/** `vip` is an IPv4 address, optionally with the LB network prefix; required on bare metal. */
export function validateVip(c: Pick<RawConfig, "vip" | "platform">, report: Report): Vip {
  if (c.vip === undefined) {
    if (c.platform !== "aws") report(["vip"], "is required on bare metal: a free address on the load balancers' network, e.g. \"192.168.1.100\"");
    return { address: "", prefixLength: 32 };
  }
  const [addr, prefix] = c.vip.split("/");
  if (!isIpv4(addr) || (prefix !== undefined && !(/^\d+$/.test(prefix) && Number(prefix) >= 8 && Number(prefix) <= 32))) {
    report(["vip"], `${show(c.vip)} is not an IPv4 address, optionally with a prefix /8-/32 (e.g. "192.168.1.100" or "192.168.1.100/24")`);
    return { address: "", prefixLength: 32 };
  }
  return { address: addr, prefixLength: prefix === undefined ? 32 : Number(prefix) };
}

/** With a prefix, the VIP lies on every load balancer's network (bare metal: the hosts are given). */
export function validateVipOnLbNetwork(c: Pick<RawConfig, "vip">, vip: Vip, loadBalancers: readonly HostSpec[], report: Report): void {
  if (!vip.address || vip.prefixLength >= 32) return;
  const lbNet = parseIpv4Cidr(`${vip.address}/${vip.prefixLength}`);
  loadBalancers.forEach((lb, i) => {
    if (lbNet && isIpv4(lb.privateAddress) && !contains(lbNet, lb.privateAddress)) {
      report(["vip"], `${show(c.vip)} is outside load balancer ${lb.name}'s network (loadBalancers[${i}] is ${lb.privateAddress}); the VIP must be on the LB hosts' subnet`);
    }
  });
}

/** The VIP lies outside the pod and service networks. */
export function validateVipOutsideNetworks(vip: Vip, nets: Networks, report: Report): void {
  if (!vip.address) return;
  for (const [key, net] of [["podNetworkCidr", nets.pod], ["serviceCidr", nets.svc]] as const) {
    if (net && contains(net, vip.address)) report([key], `contains the VIP ${vip.address}; pick ranges that do not overlap the host network`);
  }
}
