import { contains, isIpv4 } from "../lib/net";
import { show } from "./problems";
import { keyPath, Report } from "./report";
import { HostLists, ROLE_KEYS } from "./validate-hosts";
import { Networks } from "./validate-networks";
import { Vip } from "./validate-vip";

/**
 * No two hosts of any role share a name or an address, no host owns the VIP, and no host address
 * lies in the pod or service network. Problems are reported host by host, in role order.
 */
export function validateHostClashes(hosts: HostLists, vip: Vip, nets: Networks, report: Report): void {
  const { loadBalancers, controlPlanes, workers } = hosts;
  const seen = new Map<string, string>();
  [...loadBalancers, ...controlPlanes, ...workers].forEach((h) => {
    const index = (h.role === "loadBalancer" ? loadBalancers : h.role === "controlPlane" ? controlPlanes : workers).indexOf(h);
    const here = keyPath([ROLE_KEYS[h.role], index]);
    for (const [kind, value] of [["name", h.name], ["address", h.address], ["address", h.privateAddress]] as const) {
      const id = `${kind}:${value}`;
      const first = seen.get(id);
      if (first !== undefined && first !== here) report([ROLE_KEYS[h.role], index, kind === "name" ? "name" : "address"], `${show(value)} is already used by ${first}; every host needs its own ${kind}`);
      else seen.set(id, here);
    }
    if (vip.address && h.privateAddress === vip.address) report([ROLE_KEYS[h.role], index, "address"], `${show(vip.address)} equals the VIP; the VIP must be a free address that no host owns`);
    for (const [key, net] of [["podNetworkCidr", nets.pod], ["serviceCidr", nets.svc]] as const) {
      if (net && isIpv4(h.privateAddress) && contains(net, h.privateAddress)) {
        report([key], `contains host ${h.name}'s address ${h.privateAddress}; pod, service and host networks must not overlap`);
      }
    }
  });
}
