import { ClusterSpec, HostSpec } from "../../config/types";
import { haproxyConfig, serialiseHaproxy } from "../haproxy";
import { CHECK_SCRIPT_PATH, keepalivedConfig, NOTIFY_SCRIPT_PATH, SCRIPT_USER, serialiseKeepalived } from "../keepalived";
import { stepOf } from "../lookup";
import { SECRETS } from "../placeholders";
import { PlanStep } from "../plan-step";
import { fillTemplate, stepScript } from "../template";
import { PhaseContext, step } from "./context";

/** Each load balancer, in parallel: on AWS the VIP mover first, then HAProxy and keepalived. */
export function loadBalancers(ctx: PhaseContext): PlanStep[] {
  const { spec } = ctx;
  const haproxyCfg = serialiseHaproxy(haproxyConfig(spec));
  return spec.loadBalancers.flatMap((lb, index) => {
    const gate = stepOf(ctx.before, "wait-ssh", lb.name).id;
    const mover = spec.aws ? vipMover(spec, spec.aws.region, lb, gate) : undefined;
    const balancer = loadBalancer(spec, lb, index, haproxyCfg, mover?.id ?? gate);
    return mover ? [mover, balancer] : [balancer];
  });
}

/** AWS: the AWS CLI and the notify script keepalived runs to move the VIP to this LB's ENI. */
function vipMover(spec: ClusterSpec, region: string, lb: HostSpec, after: string): PlanStep {
  const notifyScript = fillTemplate("aws-move-vip", { VIP: spec.vip, REGION: region });
  return step({
    host: lb.name, phase: "aws-vip-mover", description: `AWS CLI and the notify script that moves ${spec.vip} to this ENI`,
    run: stepScript("aws-vip-mover", { NOTIFY_SCRIPT: notifyScript, NOTIFY_SCRIPT_PATH }),
    after: [after],
    files: [{ path: NOTIFY_SCRIPT_PATH, content: notifyScript }],
  });
}

/** HAProxy to every api-server and keepalived holding the VIP; the VRRP password comes on stdin. */
function loadBalancer(spec: ClusterSpec, lb: HostSpec, index: number, haproxyCfg: string, after: string): PlanStep {
  const peer = spec.loadBalancers.find((o) => o !== lb);
  const authPass = SECRETS.keepalivedAuthPass.placeholder;
  const keepalivedConf = serialiseKeepalived(keepalivedConfig(spec, {
    self: lb, peer, index, authPass, notifyMaster: spec.aws ? NOTIFY_SCRIPT_PATH : undefined,
  }));
  const checkScript = fillTemplate("check-apiserver-frontend", { API_PORT: spec.apiPort });
  return step({
    host: lb.name, phase: "load-balancer",
    description: `HAProxy on :${spec.apiPort} to ${spec.controlPlanes.length} api-servers, `
      + `keepalived VRRP for ${spec.vip} (priority ${101 - index})`,
    run: stepScript("load-balancer", {
      HAPROXY_CFG: haproxyCfg, KEEPALIVED_CONF: keepalivedConf, AUTH_PASS_PLACEHOLDER: authPass,
      CHECK_SCRIPT: checkScript, CHECK_SCRIPT_PATH, SCRIPT_USER,
    }, ["keepalivedAuthPass"]),
    after: [after],
    files: [
      { path: "/etc/haproxy/haproxy.cfg", content: haproxyCfg },
      { path: "/etc/keepalived/keepalived.conf", content: keepalivedConf },
      { path: CHECK_SCRIPT_PATH, content: checkScript },
    ],
  });
}
