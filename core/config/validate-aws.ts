/** Checks of an aws stack: host source, access, sizing and network. The host layout is core/plan/aws-layout.ts. */
import { isIpv4, parseIpv4Cidr, subnetAt } from "../lib/net";
// config → plan import: the smallest subnet follows from the layout's fixed host offsets.
import { AwsLayoutInput, MIN_SUBNET_PREFIX } from "../plan/aws-layout";
import { AwsSpec, AwsSubnet, ExistingSubnet } from "./aws";
import { DEFAULT_INSTANCE_TYPES } from "./keys";
import { show } from "./problems";
import { Report } from "./report";
import { RawConfig } from "./schema";

/** A valid aws config: the spec's AWS settings (the layout adds `subnetOf`) and the layout's input. */
export interface ValidAws {
  /** AWS settings of the spec, less `subnetOf`. */
  readonly settings: Omit<AwsSpec, "subnetOf">;
  /** What core/plan/aws-layout.ts places the hosts from. */
  readonly layout: AwsLayoutInput;
}

/** Facts the aws checks need beyond the `kubeadm-ha` keys. */
export interface AwsContext {
  /** `aws:region`, if set. */
  readonly region?: string;
  /** Whether the stack sets `vipInterface` (otherwise instances use `ens5`). */
  readonly vipInterfaceSet: boolean;
  /** CIDRs of the existing subnets named by `subnetIds`. */
  readonly existingSubnets?: readonly ExistingSubnet[];
}

/** Every aws check; returns the validated settings, or undefined when any problem was reported. */
export function validateAws(c: RawConfig, context: AwsContext, report: Report): ValidAws | undefined {
  let reported = 0;
  const counted: Report = (path, message) => {
    reported++;
    report(path, message);
  };
  validateAwsHostSource(c, counted);
  validateAwsAccess(c, context.region, counted);
  const instanceTypes = validateAwsSizing(c, counted);
  const { vpc, subnets } = validateAwsNetwork(c, context.existingSubnets, counted);
  const { region } = context;
  const mode = c.loadBalancerMode;
  if (reported > 0 || !vpc || !region || !c.sshPublicKey || !c.sshAllowedCidrs || !c.apiAllowedCidrs || (mode !== "keepalived" && mode !== "nlb")) return undefined;
  const vipAddress = c.vip?.split("/")[0];
  return {
    settings: {
      region, clusterName: c.clusterName, vpc, subnets, ami: c.ami, instanceTypes,
      rootVolumeSizeGb: c.rootVolumeSizeGb, sshPublicKey: c.sshPublicKey, sshAllowedCidrs: c.sshAllowedCidrs,
      apiAllowedCidrs: c.apiAllowedCidrs, publicApi: c.publicApi, loadBalancerMode: mode,
    },
    layout: {
      subnets, loadBalancerMode: mode, controlPlaneCount: c.controlPlaneCount, workerCount: c.workerCount,
      interface: context.vipInterfaceSet ? c.vipInterface : "ens5",
      vip: vipAddress !== undefined && isIpv4(vipAddress) ? vipAddress : undefined,
    },
  };
}

/** On aws the program creates the hosts: host lists are not allowed (an empty `workers` is the default). */
function validateAwsHostSource(c: Pick<RawConfig, "loadBalancers" | "controlPlanes" | "workers">, report: Report): void {
  for (const key of ["loadBalancers", "controlPlanes", "workers"] as const) {
    if (c[key] !== undefined && (key !== "workers" || c[key].length > 0)) report([key], `is for existing hosts; on aws the program creates them (set controlPlaneCount / workerCount instead)`);
  }
}

/** Region, key pair and the CIDRs allowed in (no open CIDR without `allowOpenCidrs`). */
function validateAwsAccess(c: RawConfig, region: string | undefined, report: Report): void {
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
}

/** Mode, counts, disk, AZs, AMI and instance types; returns the instance type per role. */
function validateAwsSizing(c: RawConfig, report: Report): AwsSpec["instanceTypes"] {
  if (c.loadBalancerMode !== "keepalived" && c.loadBalancerMode !== "nlb") report(["loadBalancerMode"], `${show(c.loadBalancerMode)} is not a mode; valid: "keepalived", "nlb"`);
  if (c.controlPlaneCount < 1 || c.controlPlaneCount % 2 === 0) {
    report(["controlPlaneCount"], `${c.controlPlaneCount} is not an odd number >= 1; etcd quorum is floor(N/2)+1, so use 3 or 5`);
  }
  if (c.workerCount < 0 || c.workerCount > 100) report(["workerCount"], `${c.workerCount} is out of range; valid: 0-100`);
  if (c.rootVolumeSizeGb < 20 || c.rootVolumeSizeGb > 16384) report(["rootVolumeSizeGb"], `${c.rootVolumeSizeGb} is out of range; valid: 20-16384`);
  if (c.availabilityZoneCount < 1 || c.availabilityZoneCount > 6) report(["availabilityZoneCount"], `${c.availabilityZoneCount} is out of range; valid: 1-6`);
  if (c.ami !== undefined && !/^ami-[0-9a-f]{8,17}$/.test(c.ami)) report(["ami"], `${show(c.ami)} is not an AMI id such as "ami-0abcdef1234567890"`);
  const types = { ...DEFAULT_INSTANCE_TYPES, ...c.instanceTypes };
  if (/^(t[234][ag]?\.(nano|micro|small))$/.test(types.controlPlane)) {
    report(["instanceTypes", "controlPlane"], `${show(types.controlPlane)} has less than 2 vCPU / 2 GiB, the kubeadm minimum for a control plane; use t3.medium or larger`);
  }
  return types;
}

/** An existing VPC with looked-up subnets, or a VPC CIDR to carve one subnet per AZ from. */
function validateAwsNetwork(c: RawConfig, existing: readonly ExistingSubnet[] | undefined, report: Report): { vpc?: AwsSpec["vpc"]; subnets: AwsSubnet[] } {
  if (c.vpcId !== undefined) {
    if (!/^vpc-[0-9a-f]{8,17}$/.test(c.vpcId)) report(["vpcId"], `${show(c.vpcId)} is not a VPC id such as "vpc-0abc1234def567890"`);
    if (c.subnetIds.length === 0) report(["subnetIds"], "is required with vpcId: list one public subnet per AZ (the first holds the LB pair)");
    const subnets = c.subnetIds.map((id, azIndex) => ({ id, cidr: existing?.find((e) => e.id === id)?.cidr ?? "", azIndex }));
    subnets.forEach((s, i) => {
      const net = parseIpv4Cidr(s.cidr);
      if (!net) report(["subnetIds", i], `${show(s.id)} was not found in ${c.vpcId}`);
      else if (net.prefix > MIN_SUBNET_PREFIX) report(["subnetIds", i], `${show(s.id)} is ${s.cidr}; subnets need /${MIN_SUBNET_PREFIX} or larger for the fixed host addresses`);
    });
    return { vpc: { create: false, id: c.vpcId }, subnets };
  }
  const net = parseIpv4Cidr(c.vpcCidr);
  if (!net || net.prefix < 16 || net.prefix > MIN_SUBNET_PREFIX - 4) {
    report(["vpcCidr"], `${show(c.vpcCidr)} must be an IPv4 CIDR from /16 to /${MIN_SUBNET_PREFIX - 4} (one subnet per AZ is carved from it)`);
    return { subnets: [] };
  }
  // Up to 16 subnets fit in 4 more prefix bits; at most 6 AZs are used.
  const prefix = net.prefix + 4;
  const subnets = Array.from({ length: Math.max(1, Math.min(6, c.availabilityZoneCount)) }, (_, azIndex) => ({ cidr: subnetAt(net, prefix, azIndex), azIndex }));
  return { vpc: { create: true, cidr: c.vpcCidr }, subnets };
}
