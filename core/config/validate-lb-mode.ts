/**
 * Checks of `loadBalancerMode` on bare metal: a mode that runs there, and for `colocated` (HAProxy
 * and keepalived on the control planes) no `loadBalancers`, a warning for a single control plane,
 * and a free port for the api-servers, which move to `apiPort + 1` (HAProxy holds `apiPort`).
 */
import { show } from "./problems";
import { Report, Warn } from "./report";
import { RawConfig } from "./schema";
import { NODE_PORTS, TAKEN_PORTS } from "./validate-ssh";

/** Modes that run on bare metal. */
export const BARE_METAL_MODES = ["keepalived", "colocated"] as const;

/**
 * How far the api-servers move from `apiPort` with `colocated`: HAProxy keeps `apiPort` (the
 * endpoint clients and kubeconfigs know), the api-server's kubeadm `bindPort` takes the next port.
 * kubeadm's HA guide (kubernetes/kubeadm docs/ha-considerations.md) likewise runs HAProxy on the
 * control planes on another port than the api-server.
 */
export const COLOCATED_PORT_OFFSET = 1;

/** The port the api-servers bind: `apiPort`, or `apiPort + 1` when HAProxy shares their hosts. */
export function apiServerPortOf(apiPort: number, mode: string): number {
  return mode === "colocated" ? apiPort + COLOCATED_PORT_OFFSET : apiPort;
}

/** The message for `loadBalancers` listed with `loadBalancerMode: colocated`. */
export function colocatedLoadBalancersMessage(count: number): string {
  return (
    `has ${count} host(s), but loadBalancerMode is "colocated": HAProxy and keepalived run on the control planes, ` +
    `so leave loadBalancers out (or set loadBalancerMode to "keepalived" for a separate pair)`
  );
}

/** Why `port` cannot be bound on a control plane (or undefined when it can). */
function portTaken(port: number, sshPort: number): string | undefined {
  if (port > 65535) return "not a TCP port (above 65535)";
  if (port === sshPort) return "the SSH port (sshPort)";
  const taken = TAKEN_PORTS.get(port);
  if (taken) return taken;
  if (port >= NODE_PORTS.min && port <= NODE_PORTS.max)
    return `in the NodePort range ${NODE_PORTS.min}-${NODE_PORTS.max}`;
  return undefined;
}

/** `loadBalancerMode` on bare metal, and what `colocated` asks of the other keys. */
export function validateBareMetalMode(
  c: Pick<RawConfig, "loadBalancerMode" | "loadBalancers" | "controlPlanes" | "apiPort" | "sshPort">,
  report: Report,
  warn: Warn,
): void {
  const mode = c.loadBalancerMode;
  if (mode === "nlb") {
    report(
      ["loadBalancerMode"],
      `"nlb" is an AWS Network Load Balancer (platform aws only); valid on bare metal: "keepalived" (the loadBalancers pair), "colocated" (HAProxy and keepalived on the control planes)`,
    );
    return;
  }
  if (!(BARE_METAL_MODES as readonly string[]).includes(mode)) {
    report(["loadBalancerMode"], `${show(mode)} is not a mode; valid on bare metal: "keepalived", "colocated"`);
    return;
  }
  if (mode !== "colocated") return;
  // More than 2 are refused by the size bounds first (validate-counts.ts), with the same message.
  const lbs = c.loadBalancers?.length ?? 0;
  if (lbs > 0 && lbs <= 2) report(["loadBalancers"], colocatedLoadBalancersMessage(lbs));
  if (c.controlPlanes?.length === 1)
    warn(
      "loadBalancerMode colocated with 1 control plane: HAProxy and keepalived run on that host alone, so the VIP has no standby; use 3 or 5 control planes",
    );
  // apiPort itself is checked by validatePorts; only a port it leaves free is moved on.
  if (c.apiPort < 1 || portTaken(c.apiPort, c.sshPort)) return;
  const port = apiServerPortOf(c.apiPort, mode);
  const taken = portTaken(port, c.sshPort);
  if (taken) {
    report(
      ["apiPort"],
      `${c.apiPort}: with loadBalancerMode "colocated" HAProxy holds ${c.apiPort} on the control planes and the api-servers bind apiPort + 1 = ${port}, which is ${taken}. ` +
        "Pick another apiPort (6443 is the default: api-servers on 6444)",
    );
  }
}
