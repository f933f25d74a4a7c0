import { ClusterSpec, HostSpec, loadBalancerHosts } from "../../config/types";
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
 * Each load balancer (the pair, or every control plane with `loadBalancerMode: colocated`): on AWS
 * the VIP mover first, then HAProxy and keepalived. They take turns: each step waits for the one
 * before it, so a config change (a control plane added or removed changes every backend and peer
 * list) reloads one keepalived at a time and the VIP always has a holder. A colocated step also
 * waits for its host's node preparation (one apt at a time on a host) and, on removal, stops both
 * daemons there.
 */
export function loadBalancers(ctx: PhaseContext): PlanStep[] {
  const { spec } = ctx;
  const haproxyCfg = serialiseHaproxy(haproxyConfig(spec));
  const colocated = spec.loadBalancerMode === "colocated";
  const hosts = loadBalancerHosts(spec);
  let previous: string | undefined;
  return hosts.flatMap((lb, index) => {
    const gate = stepOf(ctx.before, colocated ? "prepare-node" : "wait-ssh", lb.name).id;
    const mover = spec.aws ? vipMover(spec, spec.aws.region, lb, gate) : undefined;
    const peers = hosts.filter((o) => o !== lb);
    const after = [mover?.id ?? gate, ...(previous ? [previous] : [])];
    const balancer = loadBalancer(spec, { lb, peers, index }, haproxyCfg, after);
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

/** One load balancer, its unicast peers and its place in the list (priority). */
interface Balancer {
  /** The host running HAProxy and keepalived. */
  readonly lb: HostSpec;
  /** The other hosts that may hold the VIP. */
  readonly peers: readonly HostSpec[];
  /** Position among them. */
  readonly index: number;
}

/** HAProxy to every api-server and keepalived holding the VIP (the interface found on the host when `auto`). */
function loadBalancer(
  spec: ClusterSpec,
  { lb, peers, index }: Balancer,
  haproxyCfg: string,
  after: string[],
): PlanStep {
  const colocated = spec.loadBalancerMode === "colocated";
  // A host that leaves (a control plane with colocated, an LB of the pair on bare metal) must not keep
  // a keepalived that claims the VIP: the others drop its adverts (check_unicast_src) and stop sending
  // it theirs, so it would take the VIP for good. On AWS an LB leaves only with its instance.
  const stopsOnRemoval = colocated || spec.platform === "baremetal";
  const keepalivedConf = serialiseKeepalived(
    keepalivedConfig(spec, {
      self: lb,
      peers,
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
      `HAProxy on :${spec.apiPort} to ${spec.controlPlanes.length} api-servers${colocated ? ` on :${spec.apiServerPort}` : ""}, ` +
      `keepalived VRRPv${VRRP_VERSION} for ${spec.vip} (priority ${vrrpPriority(index, peers.length + 1)}, advert ${advertInt(spec.vrrpAdvertInterval)} s)` +
      (colocated ? `; unicast peers: the other ${peers.length} control plane(s)` : "") +
      (stopsOnRemoval ? "; on removal, both stopped and disabled" : ""),
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
    ...(stopsOnRemoval
      ? { deleteScript: fillTemplate("remove-load-balancer", { CHECK_SCRIPT_PATH }), dialAttempts: 4 }
      : {}),
    files: [
      { path: "/etc/haproxy/haproxy.cfg", content: haproxyCfg },
      { path: "/etc/keepalived/keepalived.conf", content: keepalivedConf },
      { path: CHECK_SCRIPT_PATH, content: checkScript },
    ],
  });
}
