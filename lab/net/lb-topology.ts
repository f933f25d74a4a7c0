import { LabLbMode } from "../args";
import { buildTopology, LabHost, LabTopology } from "./topology";

/**
 * The lab layout for `--lb pair` (the LB pair lb1, lb2 in their own namespaces) or `--lb colocated`
 * (`loadBalancerMode: colocated`: no LB hosts; HAProxy and keepalived run on every control plane,
 * so `lbs` are the control planes themselves, the same hosts in the same order: the order of the
 * plan's `loadBalancerHosts`, which gives them their VRRP priorities 250, 210, 170...).
 */
export function buildLabTopology(
  controlPlanes: number,
  lb: LabLbMode,
  config: Readonly<Record<string, unknown>> = {},
  etcdHosts = 0,
): LabTopology {
  if (lb === "pair") return buildTopology(controlPlanes, config, etcdHosts);
  const t = buildTopology(
    controlPlanes,
    {
      "kubeadm-ha:loadBalancerMode": "colocated",
      "kubeadm-ha:loadBalancers": [],
      ...config,
    },
    etcdHosts,
  );
  return { ...t, lbs: t.cps };
}

/** True when HAProxy and keepalived share the control planes (`--lb colocated`). */
export function colocated(t: LabTopology): boolean {
  return t.spec.loadBalancerMode === "colocated";
}

/** True when `h` runs HAProxy and keepalived (an LB of the pair, or any control plane when colocated). */
export function runsLb(t: LabTopology, h: LabHost): boolean {
  return t.lbs.includes(h);
}
