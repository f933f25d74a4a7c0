import { addressAt, isIpv4, networkOf, parseIpv4Cidr, subnetAt } from "../lib/net";
import { show } from "./problems";
import { RawConfig } from "./schema";
import { HostSpec } from "./types";

/** A subnet the cluster uses on AWS. */
export interface AwsSubnet {
  /** CIDR of the subnet. */
  readonly cidr: string;
  /** Existing subnet id, or undefined when the program creates it. */
  readonly id?: string;
  /** Index of the AZ it lives in (0 = first AZ of the region, or the existing subnet's order). */
  readonly azIndex: number;
}

/** Everything the EC2 platform needs beyond the shared cluster spec. */
export interface AwsSpec {
  /** AWS region (`aws:region`). */
  readonly region: string;
  /** Prefix of tags and resource names. */
  readonly clusterName: string;
  /** Create a VPC (`vpcCidr`) or use `vpcId`. */
  readonly vpc: { readonly create: true; readonly cidr: string } | { readonly create: false; readonly id: string };
  /** Subnets, one per AZ; the first holds the LB pair and the VIP. */
  readonly subnets: readonly AwsSubnet[];
  /** Subnet index per host name. */
  readonly subnetOf: Readonly<Record<string, number>>;
  /** AMI override; undefined means the newest Ubuntu 22.04 LTS. */
  readonly ami?: string;
  /** Instance type per role. */
  readonly instanceTypes: { readonly loadBalancer: string; readonly controlPlane: string; readonly worker: string };
  /** gp3 root volume size. */
  readonly rootVolumeSizeGb: number;
  /** Public key of the key pair. */
  readonly sshPublicKey: string;
  /** Sources allowed to SSH. */
  readonly sshAllowedCidrs: readonly string[];
  /** Sources allowed to reach the API. */
  readonly apiAllowedCidrs: readonly string[];
  /** Elastic IP on the VIP / internet-facing NLB. */
  readonly publicApi: boolean;
  /** keepalived pair with a moving secondary IP, or an NLB across AZs. */
  readonly loadBalancerMode: "keepalived" | "nlb";
}

/** Hosts, VIP and AWS settings derived from the config. */
export interface AwsLayout {
  /** AWS settings. */
  readonly aws: AwsSpec;
  /** The LB pair (empty in nlb mode). */
  readonly loadBalancers: HostSpec[];
  /** Control planes, spread across AZs. */
  readonly controlPlanes: HostSpec[];
  /** Workers, spread across AZs. */
  readonly workers: HostSpec[];
  /** VIP in the first subnet. */
  readonly vip: string;
  /** Prefix of the first subnet. */
  readonly vipPrefixLength: number;
}

/** Existing subnets looked up before validation (when `vpcId` is set). */
export interface ExistingSubnet {
  /** Subnet id. */
  readonly id: string;
  /** Its CIDR. */
  readonly cidr: string;
}

// Fixed host offsets inside a subnet: private IPs are known before any instance exists, so the
// plan (haproxy backends, keepalived peers, kubeadm advertise addresses) is pure.
const OFFSET = { loadBalancer: 10, vip: 100, controlPlane: 20, worker: 128 } as const;
const MIN_SUBNET_PREFIX = 24;

/** Derives the EC2 layout; reports problems through `bad`. */
export function awsLayout(
  c: RawConfig,
  region: string | undefined,
  vipInterfaceSet: boolean,
  existing: readonly ExistingSubnet[] | undefined,
  bad: (path: PropertyKey[], message: string) => void,
): AwsLayout | undefined {
  let reported = 0;
  const report = (path: PropertyKey[], message: string): void => {
    reported++;
    bad(path, message);
  };
  for (const key of ["loadBalancers", "controlPlanes", "workers"] as const) {
    if (c[key] !== undefined && (key !== "workers" || c[key].length > 0)) report([key], `is for existing hosts; on aws the program creates them (set controlPlaneCount / workerCount instead)`);
  }
  if (!region) report(["aws:region"], "is required on aws: `pulumi config set aws:region eu-west-1`");
  if (!c.sshPublicKey || !/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+/.test(c.sshPublicKey)) {
    report(["sshPublicKey"], `${c.sshPublicKey === undefined ? "is required on aws" : `${show(c.sshPublicKey)} is not an OpenSSH public key`}: the public half of sshPrivateKey ("ssh-ed25519 AAAA...")`);
  }
  for (const key of ["sshAllowedCidrs", "apiAllowedCidrs"] as const) {
    const list = c[key];
    if (list === undefined || list.length === 0) {
      report([key], `is required on aws and has no default: list the CIDRs allowed in (e.g. ["203.0.113.0/24"])`);
      continue;
    }
    list.forEach((cidr, i) => {
      if (!parseIpv4Cidr(cidr)) report([key, i], `${show(cidr)} is not an IPv4 CIDR such as "203.0.113.0/24"`);
      else if (parseIpv4Cidr(cidr)?.prefix === 0 && !c.allowOpenCidrs) report([key, i], `${show(cidr)} opens this to the whole internet; narrow it, or set kubeadm-ha:allowOpenCidrs to true to accept that`);
    });
  }
  if (c.loadBalancerMode !== "keepalived" && c.loadBalancerMode !== "nlb") report(["loadBalancerMode"], `${show(c.loadBalancerMode)} is not a mode; valid: "keepalived", "nlb"`);
  if (c.controlPlaneCount < 1 || c.controlPlaneCount % 2 === 0) {
    report(["controlPlaneCount"], `${c.controlPlaneCount} is not an odd number >= 1; etcd quorum is floor(N/2)+1, so use 3 or 5`);
  }
  if (c.workerCount < 0 || c.workerCount > 100) report(["workerCount"], `${c.workerCount} is out of range; valid: 0-100`);
  if (c.rootVolumeSizeGb < 20 || c.rootVolumeSizeGb > 16384) report(["rootVolumeSizeGb"], `${c.rootVolumeSizeGb} is out of range; valid: 20-16384`);
  if (c.availabilityZoneCount < 1 || c.availabilityZoneCount > 6) report(["availabilityZoneCount"], `${c.availabilityZoneCount} is out of range; valid: 1-6`);
  if (c.ami !== undefined && !/^ami-[0-9a-f]{8,17}$/.test(c.ami)) report(["ami"], `${show(c.ami)} is not an AMI id such as "ami-0abcdef1234567890"`);
  const types = { loadBalancer: "t3.small", controlPlane: "t3.medium", worker: "t3.medium", ...c.instanceTypes };
  if (/^(t[234][ag]?\.(nano|micro|small))$/.test(types.controlPlane)) {
    report(["instanceTypes", "controlPlane"], `${show(types.controlPlane)} has less than 2 vCPU / 2 GiB, the kubeadm minimum for a control plane; use t3.medium or larger`);
  }

  let subnets: AwsSubnet[] = [];
  let vpc: AwsSpec["vpc"] | undefined;
  if (c.vpcId !== undefined) {
    if (!/^vpc-[0-9a-f]{8,17}$/.test(c.vpcId)) report(["vpcId"], `${show(c.vpcId)} is not a VPC id such as "vpc-0abc1234def567890"`);
    if (c.subnetIds.length === 0) report(["subnetIds"], "is required with vpcId: list one public subnet per AZ (the first holds the LB pair)");
    vpc = { create: false, id: c.vpcId };
    subnets = c.subnetIds.map((id, azIndex) => ({ id, cidr: existing?.find((e) => e.id === id)?.cidr ?? "", azIndex }));
    subnets.forEach((s, i) => {
      const net = parseIpv4Cidr(s.cidr);
      if (!net) report(["subnetIds", i], `${show(s.id)} was not found in ${c.vpcId}`);
      else if (net.prefix > MIN_SUBNET_PREFIX) report(["subnetIds", i], `${show(s.id)} is ${s.cidr}; subnets need /${MIN_SUBNET_PREFIX} or larger for the fixed host addresses`);
    });
  } else {
    const net = parseIpv4Cidr(c.vpcCidr);
    if (!net || net.prefix < 16 || net.prefix > MIN_SUBNET_PREFIX - 4) {
      report(["vpcCidr"], `${show(c.vpcCidr)} must be an IPv4 CIDR from /16 to /${MIN_SUBNET_PREFIX - 4} (one subnet per AZ is carved from it)`);
    } else {
      vpc = { create: true, cidr: c.vpcCidr };
      const prefix = net.prefix + 4;
      subnets = Array.from({ length: Math.max(1, Math.min(6, c.availabilityZoneCount)) }, (_, azIndex) => ({ cidr: subnetAt(net, prefix, azIndex), azIndex }));
    }
  }
  if (reported > 0 || !vpc || !region || !c.sshPublicKey || !c.sshAllowedCidrs || !c.apiAllowedCidrs) return undefined;

  const base = (i: number) => networkOf(parseIpv4Cidr(subnets[i % subnets.length].cidr) as NonNullable<ReturnType<typeof parseIpv4Cidr>>);
  const iface = vipInterfaceSet ? c.vipInterface : "ens5";
  const subnetOf: Record<string, number> = {};
  const host = (name: string, role: HostSpec["role"], subnet: number, offset: number): HostSpec => {
    subnetOf[name] = subnet;
    const privateAddress = addressAt(base(subnet), offset);
    // SSH goes to the public IP (or the bastion); the component supplies it once the instance exists.
    return { name, address: privateAddress, privateAddress, interface: iface, role };
  };
  const mode = c.loadBalancerMode as AwsSpec["loadBalancerMode"];
  // Both LBs sit in the first subnet: a secondary private IP (the VIP) cannot leave its subnet.
  const loadBalancers = mode === "keepalived" ? [0, 1].map((i) => host(`lb${i + 1}`, "loadBalancer", 0, OFFSET.loadBalancer + i)) : [];
  const controlPlanes = Array.from({ length: c.controlPlaneCount }, (_, i) => host(`cp${i + 1}`, "controlPlane", i % subnets.length, OFFSET.controlPlane + Math.floor(i / subnets.length)));
  const workers = Array.from({ length: c.workerCount }, (_, i) => host(`worker${i + 1}`, "worker", i % subnets.length, OFFSET.worker + Math.floor(i / subnets.length)));
  const vip = c.vip && isIpv4(c.vip.split("/")[0]) ? c.vip.split("/")[0] : addressAt(base(0), OFFSET.vip);
  return {
    aws: {
      region, clusterName: c.clusterName, vpc, subnets, subnetOf, ami: c.ami, instanceTypes: types,
      rootVolumeSizeGb: c.rootVolumeSizeGb, sshPublicKey: c.sshPublicKey, sshAllowedCidrs: c.sshAllowedCidrs,
      apiAllowedCidrs: c.apiAllowedCidrs, publicApi: c.publicApi, loadBalancerMode: mode,
    },
    loadBalancers, controlPlanes, workers, vip,
    vipPrefixLength: (parseIpv4Cidr(subnets[0].cidr) as NonNullable<ReturnType<typeof parseIpv4Cidr>>).prefix,
  };
}
