/** Checks of how the program reaches the hosts (SSH user, key, port, bastion) and of the ports it opens. */
import { isDnsName, isIpv4, looksLikeIpv4, specialRangeOf } from "../lib/net";
import { hostKeyProblem } from "../lib/ssh-host-key";
import { SECRET_SET } from "./normalize";
import { show } from "./problems";
import { checkRange, Report } from "./report";
import { RawConfig } from "./schema";

/** `sshPrivateKey` is set (its value never reaches the spec). */
export function validateSshKey(c: Pick<RawConfig, "sshPrivateKey">, report: Report): void {
  if (c.sshPrivateKey !== SECRET_SET) {
    report(
      ["sshPrivateKey"],
      "is required: run `pulumi config set --secret kubeadm-ha:sshPrivateKey < ~/.ssh/id_ed25519`",
    );
  }
}

// What shadow-utils' useradd accepts, less the trailing "$" of machine accounts and a leading
// digit, "." or "-" (which ssh would read as an option); at most 32 characters (utmp's ut_user).
const USER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;

/** Reports `user` at `path` unless it is a login name. */
function checkUserName(report: Report, path: PropertyKey[], user: string): void {
  if (!USER_NAME.test(user)) {
    report(
      path,
      `${show(user)} is not a user name (1-32 of A-Z a-z 0-9 _ . -, starting with a letter or _), e.g. "ubuntu"`,
    );
  }
}

/** `sshUser` is a login name. */
export function validateSshUser(c: Pick<RawConfig, "sshUser">, report: Report): void {
  checkUserName(report, ["sshUser"], c.sshUser);
}

/**
 * Why an SSH target (a host's `address`, the bastion's `host`) cannot be dialled as written, or
 * undefined when it is a canonical IPv4 address or a DNS name. Special blocks are the caller's call.
 */
export function sshTargetProblem(value: string): string | undefined {
  if (looksLikeIpv4(value) && !isIpv4(value)) {
    return `${show(value)} is not a canonical IPv4 address: four decimal numbers 0-255 without leading zeros (some tools read "010" as octal 8)`;
  }
  if (!isIpv4(value) && !isDnsName(value)) return `${show(value)} is neither an IPv4 address nor a DNS name`;
  return undefined;
}

/** `bastion`, when set: a host name or address, a login name, a TCP port and a well-formed host key. */
export function validateBastion(c: Pick<RawConfig, "bastion">, report: Report): void {
  const bastion = c.bastion;
  if (!bastion) return;
  if (bastion.host.trim() === "") {
    report(["bastion", "host"], "is empty; give the jump host's address or DNS name");
  } else {
    const problem = sshTargetProblem(bastion.host);
    const special = specialRangeOf(bastion.host);
    // Loopback stays allowed: a jump host reached through a local port forward is `127.0.0.1`.
    if (problem) report(["bastion", "host"], problem);
    else if (special && special.range !== "loopback")
      report(["bastion", "host"], `${show(bastion.host)} is ${special.description}, not a host SSH can reach`);
  }
  if (bastion.user !== undefined) checkUserName(report, ["bastion", "user"], bastion.user);
  if (bastion.port !== undefined) checkRange(report, ["bastion", "port"], bastion.port, 1, 65535);
  if (bastion.hostKey !== undefined) {
    const problem = hostKeyProblem(bastion.hostKey);
    if (problem) report(["bastion", "hostKey"], `${show(bastion.hostKey)} ${problem}`);
  }
}

/**
 * Ports the api-server (on control planes) and HAProxy (on the LBs) cannot take: another listener
 * holds them on the same host. Sources: k8s.io/kubernetes pkg/cluster/ports (10249, 10250, 10256,
 * 10257, 10259), the kubelet's healthzPort 10248, kubeadm's etcd manifest (2379, 2380, metrics 2381
 * on 127.0.0.1: a wildcard bind conflicts with it too).
 */
export const TAKEN_PORTS: ReadonlyMap<number, string> = new Map([
  [22, "SSH's port: HAProxy binds it on the load balancers at boot and locks SSH out"],
  [2379, "etcd's client port on the control planes"],
  [2380, "etcd's peer port on the control planes"],
  [2381, "etcd's metrics port on the control planes (127.0.0.1)"],
  [10248, "the kubelet's health port (127.0.0.1)"],
  [10249, "kube-proxy's metrics port (127.0.0.1)"],
  [10250, "the kubelet's API port on every node"],
  [10256, "kube-proxy's health port on every node"],
  [10257, "kube-controller-manager's port on the control planes"],
  [10259, "kube-scheduler's port on the control planes"],
]);

// The default --service-node-port-range: a NodePort Service given the api-server's port would
// capture the traffic sent to that port on every node.
export const NODE_PORTS = { min: 30000, max: 32767 } as const;

/** `apiPort` and `sshPort` are TCP ports, and `apiPort` is free on the hosts that bind it. */
export function validatePorts(c: Pick<RawConfig, "apiPort" | "sshPort">, report: Report): void {
  checkRange(report, ["apiPort"], c.apiPort, 1, 65535);
  checkRange(report, ["sshPort"], c.sshPort, 1, 65535);
  const taken =
    c.apiPort === c.sshPort
      ? "the SSH port (sshPort): HAProxy binds it on the load balancers at boot and locks SSH out"
      : TAKEN_PORTS.get(c.apiPort);
  if (taken) {
    report(
      ["apiPort"],
      `${c.apiPort} is ${taken}; the api-server or HAProxy could not bind it. Pick a free port (6443 is the default)`,
    );
  } else if (c.apiPort >= NODE_PORTS.min && c.apiPort <= NODE_PORTS.max) {
    report(
      ["apiPort"],
      `${c.apiPort} is in the NodePort range ${NODE_PORTS.min}-${NODE_PORTS.max}: a NodePort Service could take it on every node. Pick a port outside it (6443 is the default)`,
    );
  }
}
