import { contains, isIpv4, overlaps, parseIpv4Cidr } from "../lib/net";
import { awsLayout, AwsLayout, ExistingSubnet } from "./aws";
import { CONFIG_NAMESPACE, findKey } from "./keys";
import { LATE } from "../plan/placeholders";
import { normalizeConfig, SECRET_SET } from "./normalize";
import { ConfigError, Problem, show } from "./problems";
import { keyPath, parseShape, RawConfig, RawHost } from "./schema";
import { ClusterSpec, HostSpec, quorumOf, Role } from "./types";

/** Oldest and newest Kubernetes minor this program knows how to configure. */
export const SUPPORTED_MINORS = { min: 28, max: 35 } as const;

// DNS-1123 subdomain, which is what Kubernetes accepts as a Node name.
const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const INTERFACE_NAME = /^[A-Za-z0-9_.:-]{1,15}$/;
const ROLE_KEYS: Record<Role, string> = { loadBalancer: "loadBalancers", controlPlane: "controlPlanes", worker: "workers" };

/** Facts looked up before validation (never resources). */
export interface SpecContext {
  /** CIDRs of the existing subnets named by `subnetIds` (aws with `vpcId`). */
  readonly existingSubnets?: readonly ExistingSubnet[];
}

/**
 * Reads a config map (see {@link normalizeConfig}) into a {@link ClusterSpec}. Throws one
 * {@link ConfigError} that lists every problem; nothing is created before this returns.
 */
export function buildSpec(entries: Record<string, unknown>, context: SpecContext = {}): ClusterSpec {
  const normalized = normalizeConfig(entries);
  const shape = parseShape(normalized.values);
  const problems = [...normalized.problems, ...shape.problems];
  // A shape error must not hide the rest: check the other keys on a copy with the bad parts neutralised.
  const config = shape.config ?? parseShape(neutralise(normalized.values, shape.problems.map((p) => p.key))).config;
  if (!config) throw new ConfigError(problems);
  const region = typeof entries["aws:region"] === "string" ? entries["aws:region"] : undefined;
  const result = checkSemantics(config, { ...context, region, vipInterfaceSet: entries[`${CONFIG_NAMESPACE}:vipInterface`] !== undefined });
  const reported = new Set(problems.map((p) => p.key));
  problems.push(...result.problems.filter((p) => ![...reported].some((k) => p.key === k || p.key.startsWith(`${k}.`) || p.key.startsWith(`${k}[`))));
  if (problems.length > 0 || !result.spec) throw new ConfigError(problems);
  return result.spec;
}

/** Replaces values named by shape problems: top-level keys get their default, host fields "". */
function neutralise(values: Record<string, unknown>, badKeys: readonly string[]): Record<string, unknown> {
  const copy = structuredClone(values);
  for (const key of badKeys) {
    const m = /^[^:]+:(\w+)(?:\[(\d+)\](?:\.(\w+))?)?$/.exec(key);
    if (!m) continue;
    const [, top, index, field] = m;
    if (index === undefined) {
      copy[top] = findKey(top)?.default;
    } else if (Array.isArray(copy[top])) {
      const entry = (copy[top] as Record<string, unknown>[])[Number(index)];
      if (entry === null || typeof entry !== "object") continue;
      if (field) entry[field] = "";
      for (const k of Object.keys(entry)) if (!["name", "address", "privateAddress", "interface", "hostKey"].includes(k)) delete entry[k];
      for (const k of ["name", "address"]) if (typeof entry[k] !== "string") entry[k] = "";
    }
  }
  return copy;
}

function checkSemantics(c: RawConfig, context: SpecContext & { region?: string; vipInterfaceSet: boolean }): { spec?: ClusterSpec; problems: Problem[] } {
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const bad = (path: PropertyKey[], message: string): void => {
    problems.push({ key: keyPath(path), message });
  };

  const isAws = c.platform === "aws";
  if (c.platform !== "baremetal" && !isAws) bad(["platform"], `${show(c.platform)} is not a platform; valid: "baremetal", "aws"`);
  if (c.cni !== "flannel" && c.cni !== "calico" && c.cni !== "none") {
    bad(["cni"], `${show(c.cni)} is not a supported CNI; valid: "flannel", "calico", "none"`);
  }
  if (c.sshPrivateKey !== SECRET_SET) {
    bad(["sshPrivateKey"], "is required: run `pulumi config set --secret kubeadm-ha:sshPrivateKey < ~/.ssh/id_ed25519`");
  }

  const version = /^(\d+)\.(\d+)\.(\d+)$/.exec(c.kubernetesVersion);
  let minor = 0;
  if (!version) {
    bad(["kubernetesVersion"], `${show(c.kubernetesVersion)} is not a version X.Y.Z (e.g. "1.32.3", no leading "v")`);
  } else {
    minor = Number(version[2]);
    if (version[1] !== "1" || minor < SUPPORTED_MINORS.min || minor > SUPPORTED_MINORS.max) {
      bad(["kubernetesVersion"], `${show(c.kubernetesVersion)} is outside the supported range 1.${SUPPORTED_MINORS.min}.0 to 1.${SUPPORTED_MINORS.max}.x (kubeadm config v1beta3 below 1.31, v1beta4 from 1.31)`);
    }
  }

  checkRange(bad, ["apiPort"], c.apiPort, 1, 65535);
  checkRange(bad, ["sshPort"], c.sshPort, 1, 65535);
  checkRange(bad, ["virtualRouterId"], c.virtualRouterId, 1, 255);
  checkRange(bad, ["vrrpAdvertInterval"], c.vrrpAdvertInterval, 1, 10);
  if (c.bastion?.port !== undefined) checkRange(bad, ["bastion", "port"], c.bastion.port, 1, 65535);
  if (c.bastion && c.bastion.host.trim() === "") bad(["bastion", "host"], "is empty; give the jump host's address");
  if (!INTERFACE_NAME.test(c.vipInterface)) bad(["vipInterface"], `${show(c.vipInterface)} is not an interface name (1-15 of A-Z a-z 0-9 _ . : -)`);

  const pod = parseIpv4Cidr(c.podNetworkCidr);
  const svc = parseIpv4Cidr(c.serviceCidr);
  if (!pod) bad(["podNetworkCidr"], `${show(c.podNetworkCidr)} is not an IPv4 CIDR such as "10.244.0.0/16"`);
  if (!svc) bad(["serviceCidr"], `${show(c.serviceCidr)} is not an IPv4 CIDR such as "10.96.0.0/12"`);
  if (pod && svc && overlaps(pod, svc)) bad(["serviceCidr"], `${show(c.serviceCidr)} overlaps podNetworkCidr ${show(c.podNetworkCidr)}; pick disjoint ranges`);

  // VIP, optionally with the LB network prefix.
  let vip = "";
  let vipPrefixLength = 32;
  if (c.vip === undefined) {
    if (!isAws) bad(["vip"], "is required on bare metal: a free address on the load balancers' network, e.g. \"192.168.1.100\"");
  } else {
    const [addr, prefix] = c.vip.split("/");
    if (!isIpv4(addr) || (prefix !== undefined && !(/^\d+$/.test(prefix) && Number(prefix) >= 8 && Number(prefix) <= 32))) {
      bad(["vip"], `${show(c.vip)} is not an IPv4 address, optionally with a prefix /8-/32 (e.g. "192.168.1.100" or "192.168.1.100/24")`);
    } else {
      vip = addr;
      vipPrefixLength = prefix === undefined ? 32 : Number(prefix);
    }
  }

  const hosts = (role: Role, list: RawHost[] | undefined): HostSpec[] => (list ?? []).map((h, i) => {
    const path = [ROLE_KEYS[role], i];
    if (!NODE_NAME.test(h.name) || h.name.length > 63) {
      bad([...path, "name"], `${show(h.name)} is not a valid Kubernetes node name (lowercase a-z, 0-9, "-" and ".", start and end alphanumeric, at most 63 characters)`);
    }
    if (!isIpv4(h.address) && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(h.address)) {
      bad([...path, "address"], `${show(h.address)} is neither an IPv4 address nor a DNS name`);
    }
    const privateAddress = h.privateAddress ?? h.address;
    if (!isIpv4(privateAddress)) {
      bad([...path, h.privateAddress === undefined ? "address" : "privateAddress"],
        `${show(privateAddress)} is not an IPv4 address; the cluster address must be one (set privateAddress when address is a DNS name)`);
    }
    const iface = h.interface ?? c.vipInterface;
    if (!INTERFACE_NAME.test(iface)) bad([...path, "interface"], `${show(iface)} is not an interface name (1-15 of A-Z a-z 0-9 _ . : -)`);
    return { name: h.name, address: h.address, privateAddress, interface: iface, hostKey: h.hostKey, role };
  });
  let layout: AwsLayout | undefined;
  if (isAws) {
    layout = awsLayout(c, context.region, context.vipInterfaceSet, context.existingSubnets, bad);
    if (layout) {
      vip = layout.vip;
      vipPrefixLength = layout.vipPrefixLength;
    }
  }
  const loadBalancers = layout?.loadBalancers ?? (isAws ? [] : hosts("loadBalancer", c.loadBalancers));
  const controlPlanes = layout?.controlPlanes ?? (isAws ? [] : hosts("controlPlane", c.controlPlanes));
  const workers = layout?.workers ?? (isAws ? [] : hosts("worker", c.workers));

  // On aws, awsLayout checked counts and modes: the program creates the hosts.
  if (!isAws) checkBareMetalCounts(controlPlanes.length, loadBalancers.length, bad, warnings);

  // Names and addresses must be unique across every role.
  const all = [...loadBalancers, ...controlPlanes, ...workers];
  const seen = new Map<string, string>();
  all.forEach((h) => {
    const index = (h.role === "loadBalancer" ? loadBalancers : h.role === "controlPlane" ? controlPlanes : workers).indexOf(h);
    const here = keyPath([ROLE_KEYS[h.role], index]);
    for (const [kind, value] of [["name", h.name], ["address", h.address], ["address", h.privateAddress]] as const) {
      const id = `${kind}:${value}`;
      const first = seen.get(id);
      if (first !== undefined && first !== here) bad([ROLE_KEYS[h.role], index, kind === "name" ? "name" : "address"], `${show(value)} is already used by ${first}; every host needs its own ${kind}`);
      else seen.set(id, here);
    }
    if (vip && h.privateAddress === vip) bad([ROLE_KEYS[h.role], index, "address"], `${show(vip)} equals the VIP; the VIP must be a free address that no host owns`);
    for (const [key, net] of [["podNetworkCidr", pod], ["serviceCidr", svc]] as const) {
      if (net && isIpv4(h.privateAddress) && contains(net, h.privateAddress)) {
        bad([key], `contains host ${h.name}'s address ${h.privateAddress}; pod, service and host networks must not overlap`);
      }
    }
  });
  if (vip && vipPrefixLength < 32 && !isAws) {
    const lbNet = parseIpv4Cidr(`${vip}/${vipPrefixLength}`);
    loadBalancers.forEach((lb, i) => {
      if (lbNet && isIpv4(lb.privateAddress) && !contains(lbNet, lb.privateAddress)) {
        bad(["vip"], `${show(c.vip)} is outside load balancer ${lb.name}'s network (loadBalancers[${i}] is ${lb.privateAddress}); the VIP must be on the LB hosts' subnet`);
      }
    });
  }
  if (vip) {
    for (const [key, net] of [["podNetworkCidr", pod], ["serviceCidr", svc]] as const) {
      if (net && contains(net, vip)) bad([key], `contains the VIP ${vip}; pick ranges that do not overlap the host network`);
    }
  }

  // Each node gets a /24 of the pod network (kube-controller-manager default), so the CIDR must hold them all.
  const nodeCount = controlPlanes.length + workers.length;
  if (pod && c.cni !== "none" && pod.prefix > 24) {
    bad(["podNetworkCidr"], `${show(c.podNetworkCidr)} is smaller than one node's /24 pod range; ${c.cni} needs /24 or larger (e.g. "10.244.0.0/16")`);
  } else if (pod && 2 ** (24 - pod.prefix) < nodeCount) {
    bad(["podNetworkCidr"], `${show(c.podNetworkCidr)} has room for ${2 ** (24 - pod.prefix)} node /24 ranges but the cluster has ${nodeCount} nodes; use a shorter prefix`);
  }

  const endpoints = c.externalEtcdEndpoints;
  endpoints.forEach((e, i) => {
    if (!/^https:\/\/[A-Za-z0-9.-]+:\d+$/.test(e)) bad(["externalEtcdEndpoints", i], `${show(e)} is not an etcd client URL such as "https://10.0.0.20:2379"`);
  });
  if (endpoints.length > 0 && endpoints.length % 2 === 0) {
    warnings.push(`externalEtcdEndpoints has ${endpoints.length} members: an even count tolerates no more failures than ${endpoints.length - 1}`);
  }

  if (problems.length > 0 || !version || (isAws && !layout)) return { problems };
  return {
    problems,
    spec: {
      platform: isAws ? "aws" : "baremetal",
      aws: layout?.aws,
      kubernetesVersion: c.kubernetesVersion,
      kubernetesMinor: `1.${minor}`,
      kubeadmApiVersion: minor >= 31 ? "kubeadm.k8s.io/v1beta4" : "kubeadm.k8s.io/v1beta3",
      podNetworkCidr: c.podNetworkCidr,
      serviceCidr: c.serviceCidr,
      apiPort: c.apiPort,
      cni: c.cni as ClusterSpec["cni"],
      ssh: {
        user: c.sshUser,
        port: c.sshPort,
        bastion: c.bastion && { host: c.bastion.host, user: c.bastion.user ?? c.sshUser, port: c.bastion.port ?? 22 },
      },
      vip,
      vipPrefixLength,
      virtualRouterId: c.virtualRouterId,
      vrrpAdvertInterval: c.vrrpAdvertInterval,
      // An NLB's DNS name exists only once it is created: a late value the Pulumi layer fills in.
      controlPlaneEndpoint: `${layout?.aws.loadBalancerMode === "nlb" ? LATE.controlPlaneHost : vip}:${c.apiPort}`,
      loadBalancers,
      controlPlanes,
      workers,
      etcd: endpoints.length > 0 ? { mode: "external", endpoints } : { mode: "stacked" },
      warnings,
    },
  };
}

/** Odd control-plane count (quorum), exactly two LBs; one of either is allowed with a warning. */
function checkBareMetalCounts(cpCount: number, lbCount: number, bad: (path: PropertyKey[], message: string) => void, warnings: string[]): void {
  if (cpCount === 0) {
    bad(["controlPlanes"], "is empty; give an odd number of hosts (3 or 5 for HA, 1 for a test cluster)");
  } else if (cpCount % 2 === 0) {
    const q = quorumOf(cpCount);
    bad(["controlPlanes"], `has ${cpCount} hosts; etcd quorum is floor(N/2)+1 = ${q.quorum}, so ${cpCount} tolerate ${q.toleratedFailures} failure(s), no more than ${cpCount - 1}: use ${cpCount - 1} or ${cpCount + 1}`);
  } else if (cpCount === 1) {
    warnings.push("controlPlanes has 1 host: this cluster is NOT highly available (losing it loses the API and etcd); use 3 or 5");
  }
  if (lbCount === 1) {
    warnings.push("loadBalancers has 1 host: the VIP has no standby, so losing it loses the API endpoint; use 2");
  } else if (lbCount !== 2) {
    bad(["loadBalancers"], `has ${lbCount} hosts; give exactly 2 (the keepalived pair), or 1 for a test cluster`);
  }
}

function checkRange(bad: (path: PropertyKey[], message: string) => void, path: PropertyKey[], value: number, min: number, max: number): void {
  if (value < min || value > max) bad(path, `${value} is out of range; valid: ${min}-${max}`);
}
