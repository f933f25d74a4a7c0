import { ClusterSpec, HostSpec } from "../config/types";

/** A keepalived config block: `name { ... }` with nested blocks or plain lines. */
export interface KeepalivedBlock {
  /** Block keyword and argument, e.g. `vrrp_instance kube_api_vip`. */
  readonly name: string;
  /** Lines or nested blocks, in order. */
  readonly body: readonly (string | KeepalivedBlock)[];
}

/** Where the install script puts the check script that keepalived tracks. */
export const CHECK_SCRIPT_PATH = "/etc/keepalived/check_apiserver_frontend.sh";
/** Unprivileged user that runs the check script (`enable_script_security`). */
export const SCRIPT_USER = "keepalived_script";
/** Where the AWS VIP mover (notify script) is installed. */
export const NOTIFY_SCRIPT_PATH = "/etc/keepalived/aws_move_vip.sh";

/** Inputs that differ between the two load balancers. */
export interface KeepalivedHostArgs {
  /** This load balancer. */
  readonly self: HostSpec;
  /** The other load balancer, absent with a single LB. */
  readonly peer?: HostSpec;
  /** 0 for the first LB (priority 101), 1 for the second (100). */
  readonly index: number;
  /** The 8-character VRRP password, or the placeholder. */
  readonly authPass: string;
  /** Script run on becoming MASTER (AWS: moves the VIP through the EC2 API). */
  readonly notifyMaster?: string;
}

/** The typed keepalived.conf of one load balancer. */
export function keepalivedConfig(
  spec: Pick<ClusterSpec, "vip" | "vipPrefixLength" | "virtualRouterId" | "vrrpAdvertInterval">,
  host: KeepalivedHostArgs,
): KeepalivedBlock[] {
  const { self, peer } = host;
  return [
    { name: "global_defs", body: [`router_id ${self.name}`, "enable_script_security", `script_user ${SCRIPT_USER}`] },
    {
      name: "vrrp_script chk_apiserver_frontend",
      body: [`script "${CHECK_SCRIPT_PATH}"`, "interval 1", "timeout 2", "fall 2", "rise 2"],
    },
    {
      name: "vrrp_instance kube_api_vip",
      body: [
        // Both start BACKUP with nopreempt: a recovered LB does not take the VIP back (one move, not two).
        "state BACKUP",
        "nopreempt",
        `interface ${self.interface}`,
        `virtual_router_id ${spec.virtualRouterId}`,
        `priority ${101 - host.index}`,
        `advert_int ${spec.vrrpAdvertInterval}`,
        // Unicast: works where multicast does not (clouds, filtered switches) and names the only peer.
        `unicast_src_ip ${self.privateAddress}`,
        ...(peer ? [{ name: "unicast_peer", body: [peer.privateAddress] }] : []),
        // Drop adverts whose source is not the listed peer: a spoofed master from elsewhere is ignored.
        ...(peer ? ["check_unicast_src"] : []),
        { name: "authentication", body: ["auth_type PASS", `auth_pass ${host.authPass}`] },
        { name: "virtual_ipaddress", body: [`${spec.vip}/${spec.vipPrefixLength} dev ${self.interface}`] },
        { name: "track_script", body: ["chk_apiserver_frontend"] },
        // Also when a MASTER hears a lower-priority advert (split brain healing): claim the VIP again.
        ...(host.notifyMaster ? [`notify_master "${host.notifyMaster}"`, `notify_master_rx_lower_pri "${host.notifyMaster}"`] : []),
      ],
    },
  ];
}

/** Serialises blocks with keepalived's brace syntax. */
export function serialiseKeepalived(blocks: readonly KeepalivedBlock[]): string {
  const render = (b: KeepalivedBlock, depth: number): string[] => {
    const pad = "    ".repeat(depth);
    const inner = b.body.flatMap((item) => (typeof item === "string" ? [`${pad}    ${item}`] : render(item, depth + 1)));
    return [`${pad}${b.name} {`, ...inner, `${pad}}`];
  };
  return blocks.map((b) => render(b, 0).join("\n")).join("\n\n") + "\n";
}
