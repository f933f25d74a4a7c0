import { AUTO_INTERFACE } from "../config/keys";
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
/**
 * VRRP version of every load balancer: 3, the only one in which keepalived takes sub-second adverts
 * (RFC 5798 counts centiseconds). It has no authentication: unicast to the listed peers and
 * `check_unicast_src` decide whose adverts count.
 */
export const VRRP_VERSION = 3;
/** The process keepalived follows through the kernel's process events (Debian's unit runs `/usr/sbin/haproxy`). */
export const HAPROXY_PROCESS = "haproxy";
/**
 * Stands for the VIP interface in keepalived.conf when it is `auto`: the load-balancer step puts the
 * interface that holds the host's privateAddress there (core/scripts/load-balancer.sh).
 */
export const INTERFACE_PLACEHOLDER = "@LB_INTERFACE@";

/** Inputs that differ between the load balancers (the pair, or every control plane when colocated). */
export interface KeepalivedHostArgs {
  /** This load balancer. */
  readonly self: HostSpec;
  /** The other load balancers (none with a single one): the unicast peers. */
  readonly peers: readonly HostSpec[];
  /** Position in the list: 0 for the first (priority 101), 1 for the second (100), and so on. */
  readonly index: number;
  /** Script run on becoming MASTER (AWS: moves the VIP through the EC2 API). */
  readonly notifyMaster?: string;
  /**
   * Script tracked with `--check` every 5 s (AWS): while this LB holds the VIP and its ENI does not,
   * it moves the VIP again. It never fails; `weight -1` keeps a timeout from dropping the VIP (nopreempt).
   */
  readonly vipGuard?: string;
}

/**
 * keepalived's VRRP priority of the load balancer at `index` of `count` (the first is preferred when
 * they start together): 101, 100 for the pair; with more (colocated: every control plane) 250, 210,
 * 170, ... down to 10 for 7. When the holder goes, every BACKUP takes the VIP after a timer that
 * differs only by its skew, (256 - priority) x advert_int / 256: 1.2 ms per priority step at 0.3 s,
 * so with steps of 1 two or more took it at once and reset clients' connections (lab, 5 control
 * planes: in most VIP moves); 40 apart (47 ms) none did in 10 moves. The pair has one BACKUP.
 */
export function vrrpPriority(index: number, count = 2): number {
  return count <= 2 ? 101 - index : 250 - 40 * index;
}

/** `advert_int` in keepalived's syntax: seconds, centiseconds at most (0.3, 1, 2.5). */
export function advertInt(seconds: number): string {
  return String(Number(seconds.toFixed(2)));
}

/** The interface keepalived binds on `host`: its own, or the placeholder the load-balancer step fills. */
export function keepalivedInterface(host: HostSpec): string {
  return host.interface === AUTO_INTERFACE ? INTERFACE_PLACEHOLDER : host.interface;
}

/** The typed keepalived.conf of one load balancer. */
export function keepalivedConfig(
  spec: Pick<ClusterSpec, "vip" | "vipPrefixLength" | "virtualRouterId" | "vrrpAdvertInterval">,
  host: KeepalivedHostArgs,
): KeepalivedBlock[] {
  const { self, peers } = host;
  const iface = keepalivedInterface(self);
  return [
    {
      name: "global_defs",
      body: [
        `router_id ${self.name}`,
        `vrrp_version ${VRRP_VERSION}`,
        "enable_script_security",
        `script_user ${SCRIPT_USER}`,
      ],
    },
    {
      // Backstop for an HAProxy that runs but does not listen (the process is followed below).
      name: "vrrp_script chk_apiserver_frontend",
      body: [`script "${CHECK_SCRIPT_PATH}"`, "interval 1", "timeout 2", "fall 2", "rise 2"],
    },
    // Followed through the kernel's process events: when the last HAProxy process exits, this LB enters
    // FAULT at once and sends a priority-0 advert (weight 0 = fault; a reload keeps the master process).
    { name: "vrrp_track_process chk_haproxy", body: [`process ${HAPROXY_PROCESS}`, "quorum 1"] },
    ...(host.vipGuard
      ? [
          {
            name: "vrrp_script chk_vip_on_eni",
            body: [`script "${host.vipGuard} --check"`, "interval 5", "timeout 4", "weight -1"],
          },
        ]
      : []),
    {
      name: "vrrp_instance kube_api_vip",
      body: [
        // All start BACKUP with nopreempt (keepalived ignores nopreempt unless the state is BACKUP): a
        // recovered LB does not take the VIP back (one move, not two).
        "state BACKUP",
        "nopreempt",
        ...(iface === INTERFACE_PLACEHOLDER
          ? [
              `# ${INTERFACE_PLACEHOLDER}: the interface that holds ${self.privateAddress}, found when the load-balancer step ran`,
            ]
          : []),
        `interface ${iface}`,
        `virtual_router_id ${spec.virtualRouterId}`,
        `priority ${vrrpPriority(host.index, host.peers.length + 1)}`,
        `advert_int ${advertInt(spec.vrrpAdvertInterval)}`,
        // Unicast: works where multicast does not (clouds, filtered switches) and names the only peers.
        `unicast_src_ip ${self.privateAddress}`,
        ...(peers.length > 0 ? [{ name: "unicast_peer", body: peers.map((p) => p.privateAddress) }] : []),
        // Drop adverts whose source is not a listed peer: a spoofed master from elsewhere is ignored.
        ...(peers.length > 0 ? ["check_unicast_src"] : []),
        { name: "virtual_ipaddress", body: [`${spec.vip}/${spec.vipPrefixLength} dev ${iface}`] },
        { name: "track_script", body: ["chk_apiserver_frontend", ...(host.vipGuard ? ["chk_vip_on_eni"] : [])] },
        { name: "track_process", body: ["chk_haproxy"] },
        // Also when a MASTER hears a lower-priority advert (split brain healing): claim the VIP again.
        ...(host.notifyMaster
          ? [`notify_master "${host.notifyMaster}"`, `notify_master_rx_lower_pri "${host.notifyMaster}"`]
          : []),
      ],
    },
  ];
}

/** Serialises blocks with keepalived's brace syntax. */
export function serialiseKeepalived(blocks: readonly KeepalivedBlock[]): string {
  const render = (b: KeepalivedBlock, depth: number): string[] => {
    const pad = "    ".repeat(depth);
    const inner = b.body.flatMap((item) =>
      typeof item === "string" ? [`${pad}    ${item}`] : render(item, depth + 1),
    );
    return [`${pad}${b.name} {`, ...inner, `${pad}}`];
  };
  return blocks.map((b) => render(b, 0).join("\n")).join("\n\n") + "\n";
}
