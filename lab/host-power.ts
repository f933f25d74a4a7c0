import { Lab } from "./lab";
import { dropAddress, setCable } from "./net/netns";
import { runsLb } from "./net/lb-topology";
import { LabHost } from "./net/topology";
import { NET } from "./settings";

/**
 * `h` loses power: its cable is pulled and every process on it SIGKILLed at the same instant (a
 * load balancer of the pair, or a colocated control plane with its etcd member, stand-in, HAProxy
 * and keepalived). A machine that is off holds no address, so the VIP a SIGKILLed keepalived left
 * on its eth0 is removed once everything is gone (with the cable out nobody could reach it anyway).
 * Resolves with how many processes there were and when the last was gone.
 */
export async function powerLoss(lab: Lab, h: LabHost): Promise<{ processes: number; goneAt: number }> {
  await setCable(lab.topo, h, false);
  const off = await lab.powerOff(h);
  await dropAddress(h, `${lab.vip}/${NET.prefix}`);
  return off;
}

/**
 * Boots `h` again after a power loss or a kill of its processes: where a load balancer runs, the
 * VIP address is gone (a reboot does not keep it) and the cable is back; then its daemons start:
 * etcd (on its existing data dir) and the stand-in on a control plane, HAProxy and keepalived where
 * the LB runs (colocated: both).
 */
export async function boot(lab: Lab, h: LabHost): Promise<void> {
  const lb = runsLb(lab.topo, h);
  if (lb) {
    await dropAddress(h, `${lab.vip}/${NET.prefix}`);
    await setCable(lab.topo, h, true);
  }
  if (lab.topo.cps.includes(h)) lab.startControlPlane(h);
  if (lab.topo.etcds.includes(h)) lab.startEtcdHost(h);
  if (lb) lab.startLb(h);
}
