import { broadcastOf, contains, isIpv4, networkOf, parseIpv4Cidr } from "../lib/net";
import { show } from "./problems";
import { keyPath, Report } from "./report";
import { HostSpec } from "./types";
import { HostLists, ROLE_KEYS } from "./validate-hosts";
import { Networks } from "./validate-networks";
import { Vip } from "./validate-vip";

/**
 * No two hosts of any role share a name or an address, no host's SSH or cluster address is the
 * VIP, no cluster address is the network or broadcast address of the VIP's prefix, and no host
 * address lies in the pod or service network. Problems are reported host by host, in role order,
 * in one pass (linear in the number of hosts). On aws the hosts come from the layout, not from
 * keys the stack may set: a clash is reported at `vip`, the one input that can cause it.
 */
export function validateHostClashes(
  hosts: HostLists,
  vip: Vip,
  nets: Networks,
  report: Report,
  platform: "baremetal" | "aws" = "baremetal",
): void {
  const seen = new Map<string, string>();
  const lbNet = vip.address && vip.prefixLength <= 30 ? parseIpv4Cidr(`${vip.address}/${vip.prefixLength}`) : undefined;
  const edges = lbNet ? [networkOf(lbNet).toString(), broadcastOf(lbNet)] : [];
  for (const role of ["loadBalancer", "controlPlane", "worker", "etcd"] as const) {
    const list = hosts[ROLE_KEYS[role] as keyof HostLists];
    list.forEach((h, index) => {
      const at = (field: string): PropertyKey[] => (platform === "aws" ? ["vip"] : [ROLE_KEYS[role], index, field]);
      const here = keyPath([ROLE_KEYS[role], index]);
      checkUnique(h, here, seen, at, report);
      if (vip.address && (h.address === vip.address || h.privateAddress === vip.address)) {
        report(
          at(h.address === vip.address ? "address" : "privateAddress"),
          platform === "aws"
            ? `${show(vip.address)} is the address the aws layout gives ${h.name}; pick a free address of the first subnet`
            : `${show(vip.address)} equals the VIP; the VIP must be a free address that no host owns (SSH to it would reach whichever load balancer holds it)`,
        );
      } else if (lbNet && edges.includes(h.privateAddress) && contains(lbNet, h.privateAddress)) {
        report(
          at(h.privateAddress === h.address ? "address" : "privateAddress"),
          `${show(h.privateAddress)} is the ${h.privateAddress === edges[0] ? "network" : "broadcast"} address of the VIP's network ${networkOf(lbNet).toString()}/${lbNet.prefix}, not a host address`,
        );
      }
      for (const [key, net] of [
        ["podNetworkCidr", nets.pod],
        ["serviceCidr", nets.svc],
      ] as const) {
        if (net && isIpv4(h.privateAddress) && contains(net, h.privateAddress)) {
          report(
            [key],
            `contains host ${h.name}'s address ${h.privateAddress}; pod, service and host networks must not overlap`,
          );
        }
      }
    });
  }
}

/** Records the host's name and addresses; reports one that an earlier host already uses. */
function checkUnique(
  h: HostSpec,
  here: string,
  seen: Map<string, string>,
  at: (field: string) => PropertyKey[],
  report: Report,
): void {
  // DNS names are case-insensitive: CP1.example and cp1.example are one machine.
  const values = [
    ["name", h.name],
    ["address", h.address],
    ...(h.privateAddress !== h.address ? [["address", h.privateAddress] as const] : []),
  ] as const;
  for (const [kind, value] of values) {
    const id = `${kind}:${value.toLowerCase()}`;
    const first = seen.get(id);
    if (first !== undefined && first !== here)
      report(at(kind), `${show(value)} is already used by ${first}; every host needs its own ${kind}`);
    else seen.set(id, here);
  }
}
