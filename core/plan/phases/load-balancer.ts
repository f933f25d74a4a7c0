import { ClusterSpec, HostSpec } from "../../config/types";
import { haproxyConfig, serialiseHaproxy } from "../haproxy";
import {
  advertInt,
  CHECK_SCRIPT_PATH,
  INTERFACE_PLACEHOLDER,
  keepalivedConfig,
  NOTIFY_SCRIPT_PATH,
  SCRIPT_USER,
  serialiseKeepalived,
  VRRP_VERSION,
  vrrpPriority,
} from "../keepalived";
import { stepOf } from "../lookup";
import { LATE } from "../placeholders";
import { PlanStep } from "../plan-step";
import { fillTemplate, stepScript } from "../template";
import { PhaseContext, step } from "./context";

/**
 * Each load balancer: on AWS the VIP mover first, then HAProxy and keepalived. The LBs take turns:
 * the second one's step waits for the first, so a config change reloads one keepalived at a time
 * and the VIP always has a holder.
 */
export function loadBalancers(ctx: PhaseContext): PlanStep[] {
  const { spec } = ctx;
  const haproxyCfg = serialiseHaproxy(haproxyConfig(spec));
  let previous: string | undefined;
  return spec.loadBalancers.flatMap((lb, index) => {
    const gate = stepOf(ctx.before, "wait-ssh", lb.name).id;
    const mover = spec.aws ? vipMover(spec, spec.aws.region, lb, gate) : undefined;
    const balancer = loadBalancer(spec, lb, index, haproxyCfg, [mover?.id ?? gate, ...(previous ? [previous] : [])]);
    previous = balancer.id;
    return mover ? [mover, balancer] : [balancer];
  });
}

/** Tries of each EC2 call in a VIP move, 1-8 s apart: about 40 s before it gives up and logs why. */
const MOVE_ATTEMPTS = 8;

/**
 * AWS: the AWS CLI and the script keepalived runs to move the VIP (and the API's Elastic IP) to this
 * LB's ENI, on becoming MASTER and as a tracked check; the VIP leaves the boot-time network config.
 */
function vipMover(spec: ClusterSpec, region: string, lb: HostSpec, after: string): PlanStep {
  const publicIp = spec.aws?.publicApi ? LATE.publicApiAddress : "none";
  const notifyScript = fillTemplate("aws-move-vip", {
    VIP: spec.vip,
    REGION: region,
    PUBLIC_IP: publicIp,
    ATTEMPTS: MOVE_ATTEMPTS,
  });
  return step({
    host: lb.name,
    phase: "aws-vip-mover",
    description: `AWS CLI and the script that moves ${spec.vip} to this ENI; ${spec.vip} out of netplan`,
    run: stepScript("aws-vip-mover", { NOTIFY_SCRIPT: notifyScript, NOTIFY_SCRIPT_PATH, VIP: spec.vip }),
    after: [after],
    files: [{ path: NOTIFY_SCRIPT_PATH, content: notifyScript }],
  });
}

/** HAProxy to every api-server and keepalived holding the VIP (the interface found on the host when `auto`). */
function loadBalancer(spec: ClusterSpec, lb: HostSpec, index: number, haproxyCfg: string, after: string[]): PlanStep {
  const peer = spec.loadBalancers.find((o) => o !== lb);
  const keepalivedConf = serialiseKeepalived(
    keepalivedConfig(spec, {
      self: lb,
      peer,
      index,
      notifyMaster: spec.aws ? NOTIFY_SCRIPT_PATH : undefined,
      vipGuard: spec.aws ? NOTIFY_SCRIPT_PATH : undefined,
    }),
  );
  const checkScript = fillTemplate("check-apiserver-frontend", { API_PORT: spec.apiPort });
  return step({
    host: lb.name,
    phase: "load-balancer",
    description:
      `HAProxy on :${spec.apiPort} to ${spec.controlPlanes.length} api-servers, ` +
      `keepalived VRRPv${VRRP_VERSION} for ${spec.vip} (priority ${vrrpPriority(index)}, advert ${advertInt(spec.vrrpAdvertInterval)} s)`,
    run: stepScript("load-balancer", {
      HAPROXY_CFG: haproxyCfg,
      KEEPALIVED_CONF: keepalivedConf,
      LB_INTERFACE: lb.interface,
      INTERFACE_PLACEHOLDER,
      PRIVATE_ADDRESS: lb.privateAddress,
      CHECK_SCRIPT: checkScript,
      CHECK_SCRIPT_PATH,
      SCRIPT_USER,
    }),
    after,
    files: [
      { path: "/etc/haproxy/haproxy.cfg", content: haproxyCfg },
      { path: "/etc/keepalived/keepalived.conf", content: keepalivedConf },
      { path: CHECK_SCRIPT_PATH, content: checkScript },
    ],
  });
}
