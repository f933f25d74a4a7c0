/**
 * Checks of an aws stack: host source, names, access, sizing and network. String shapes are in
 * validate-aws-names.ts, existing subnets in validate-aws-subnets.ts; the host layout is
 * core/plan/aws-layout.ts.
 */
import { coversAllIpv4, dedupeCidrs } from "../lib/cidr-union";
import { isIpv4, parseIpv4Cidr, subnetAt } from "../lib/net";
// config → plan import: the smallest subnet follows from the layout's fixed host offsets.
import { awsLayout, AwsLayoutInput, MIN_SUBNET_PREFIX } from "../plan/aws-layout";
import { Architecture, AwsFacts, AwsSpec, AwsSubnet } from "./aws";
import { DEFAULT_INSTANCE_TYPES } from "./keys";
import { quorumOf } from "./types";
import { ETCD_HOST_COUNTS } from "./validate-etcd";
import { show } from "./problems";
import { Report, Warn } from "./report";
import { RawConfig } from "./schema";
import {
  checkAmiArchitecture,
  checkAmiId,
  checkClusterName,
  checkInstanceTypes,
  checkRegion,
  checkSshPublicKey,
} from "./validate-aws-names";
import {
  checkAddressesInUse,
  checkAwsVip,
  checkEtcdTopologyStays,
  checkExistingSubnets,
  checkRunningHostsStay,
} from "./validate-aws-subnets";

/** A valid aws config: the spec's AWS settings (the layout adds `subnetOf`) and the layout's input. */
export interface ValidAws {
  /** AWS settings of the spec, less `subnetOf`. */
  readonly settings: Omit<AwsSpec, "subnetOf">;
  /** What core/plan/aws-layout.ts places the hosts from. */
  readonly layout: AwsLayoutInput;
}

/** Facts the aws checks need beyond the `kubeadm-ha` keys. */
export interface AwsContext extends AwsFacts {
  /** `aws:region` as the stack gives it (anything: it is checked here). */
  readonly region?: unknown;
}

/** Every aws check; returns the validated settings, or undefined when any problem was reported. */
export function validateAws(c: RawConfig, context: AwsContext, report: Report, warn: Warn): ValidAws | undefined {
  let reported = 0;
  const counted: Report = (path, message) => {
    reported++;
    report(path, message);
  };
  validateAwsHostSource(c, counted);
  const region = checkRegion(context.region, counted);
  checkClusterName(c.clusterName, counted);
  validateAwsAccess(c, counted, warn);
  const sizing = validateAwsSizing(c, counted);
  if (c.ami !== undefined && context.ami?.id === c.ami && sizing.architecture && region)
    checkAmiArchitecture(context.ami, sizing.architecture, region, counted);
  const { vpc, subnets } = validateAwsNetwork(c, context, counted);
  const mode = c.loadBalancerMode;
  if (
    reported > 0 ||
    !vpc ||
    !region ||
    !sizing.architecture ||
    !c.sshPublicKey ||
    !c.sshAllowedCidrs ||
    !c.apiAllowedCidrs ||
    (mode !== "keepalived" && mode !== "nlb")
  )
    return undefined;
  const vipAddress = c.vip?.split("/")[0];
  const layout: AwsLayoutInput = {
    subnets,
    loadBalancerMode: mode,
    controlPlaneCount: c.controlPlaneCount,
    workerCount: c.workerCount,
    etcdCount: c.etcdCount ?? 0,
    // The same default as bare metal ("auto": found on the host); Nitro instances name it ens5.
    interface: c.vipInterface,
    vip: vipAddress !== undefined && isIpv4(vipAddress) ? vipAddress : undefined,
  };
  if (layout.vip !== undefined) checkAwsVip(layout.vip, subnets[0], counted);
  const placed = awsLayout(layout);
  checkAddressesInUse(placed, context.addressesInUse, counted);
  checkRunningHostsStay(
    placed,
    context.runningHosts,
    vpc.create ? ["availabilityZoneCount", "vpcCidr"] : ["subnetIds", "vpcId"],
    counted,
  );
  checkEtcdTopologyStays(placed, context.runningHosts, counted);
  if (reported > 0) return undefined;
  return {
    settings: {
      region,
      clusterName: c.clusterName,
      vpc,
      subnets,
      ami: c.ami,
      instanceTypes: sizing.instanceTypes,
      architecture: sizing.architecture,
      rootVolumeSizeGb: c.rootVolumeSizeGb,
      sshPublicKey: c.sshPublicKey,
      sshAllowedCidrs: c.sshAllowedCidrs,
      apiAllowedCidrs: c.apiAllowedCidrs,
      publicApi: c.publicApi,
      loadBalancerMode: mode,
    },
    layout,
  };
}

/** On aws the program creates the hosts: host lists are not allowed (an empty `workers` is the default). */
function validateAwsHostSource(
  c: Pick<RawConfig, "loadBalancers" | "controlPlanes" | "workers">,
  report: Report,
): void {
  for (const key of ["loadBalancers", "controlPlanes", "workers"] as const) {
    if (c[key] !== undefined && (key !== "workers" || c[key].length > 0))
      report(
        [key],
        `is for existing hosts; on aws the program creates them (set controlPlaneCount / workerCount instead)`,
      );
  }
}

/**
 * A range at least this large (a /8: 16,777,216 addresses) is allowed with a warning unless
 * `allowOpenCidrs`: real office, VPN or bastion ranges are far smaller, so it is most likely a slip.
 */
export const LARGE_CIDR_MAX_PREFIX = 8;

/** Key pair and the CIDRs allowed in (no open CIDR without `allowOpenCidrs`, a warning on very large ones). */
function validateAwsAccess(c: RawConfig, report: Report, warn: Warn): void {
  checkSshPublicKey(c.sshPublicKey, report);
  for (const key of ["sshAllowedCidrs", "apiAllowedCidrs"] as const) {
    const list = c[key];
    if (list === undefined || list.length === 0) {
      report([key], `is required on aws and has no default: list the CIDRs allowed in (e.g. ["203.0.113.0/24"])`);
      continue;
    }
    const { repeats } = dedupeCidrs(list);
    const repeated = new Map(repeats.map((r) => [r.index, r.firstIndex]));
    list.forEach((cidr, i) => {
      if (!parseIpv4Cidr(cidr)) report([key, i], `${show(cidr)} is not an IPv4 CIDR such as "203.0.113.0/24"`);
      else if (repeated.has(i))
        report([key, i], `${show(cidr)} is the same range as ${key}[${repeated.get(i)}]; list each range once`);
      else if (parseIpv4Cidr(cidr)?.prefix === 0 && !c.allowOpenCidrs)
        report(
          [key, i],
          `${show(cidr)} opens this to the whole internet; narrow it, or set kubeadm-ha:allowOpenCidrs to true to accept that`,
        );
      else if ((parseIpv4Cidr(cidr)?.prefix ?? 32) <= LARGE_CIDR_MAX_PREFIX && !c.allowOpenCidrs)
        warn(largeCidrWarning(key, i, cidr));
    });
    // Pieces can open everything too (0.0.0.0/1 + 128.0.0.0/1).
    if (!c.allowOpenCidrs && !list.some((cidr) => parseIpv4Cidr(cidr)?.prefix === 0) && coversAllIpv4(list)) {
      report(
        [key],
        `${show(list)} together cover every IPv4 address: that opens this to the whole internet; narrow them, or set kubeadm-ha:allowOpenCidrs to true to accept that`,
      );
    }
  }
}

/** The warning for a very large allowed range: its key, its size and the way to silence it. */
function largeCidrWarning(key: string, index: number, cidr: string): string {
  const prefix = parseIpv4Cidr(cidr)?.prefix ?? 32;
  const addresses = (2 ** (32 - prefix)).toLocaleString("en-US");
  return (
    `kubeadm-ha:${key}[${index}]: ${show(cidr)} lets in ${addresses} addresses (a /${LARGE_CIDR_MAX_PREFIX} or larger); ` +
    `narrow it to the ranges you connect from, or set kubeadm-ha:allowOpenCidrs to true if that is meant`
  );
}

/** Mode, counts, disk, AZs, AMI id and instance types; returns the type per role and their architecture. */
function validateAwsSizing(
  c: RawConfig,
  report: Report,
): { instanceTypes: AwsSpec["instanceTypes"]; architecture?: Architecture } {
  if (c.loadBalancerMode === "colocated")
    report(
      ["loadBalancerMode"],
      `"colocated" runs on bare metal only (keepalived on the control planes moves the VIP on their L2 network; on aws the VIP moves through the EC2 API from the LB pair); valid on aws: "keepalived", "nlb"`,
    );
  else if (c.loadBalancerMode !== "keepalived" && c.loadBalancerMode !== "nlb")
    report(["loadBalancerMode"], `${show(c.loadBalancerMode)} is not a mode; valid: "keepalived", "nlb"`);
  const etcdCount = checkEtcdCount(c, report);
  // With etcd instances or an external etcd the control planes hold no etcd member: any count of them will do.
  const external = c.externalEtcdEndpoints.length > 0;
  if (c.controlPlaneCount < 1 || (c.controlPlaneCount % 2 === 0 && etcdCount === 0 && !external)) {
    report(
      ["controlPlaneCount"],
      etcdCount === 0 && !external
        ? `${c.controlPlaneCount} is not an odd number >= 1; etcd quorum is floor(N/2)+1, so use 3 or 5`
        : `${c.controlPlaneCount} is not a number >= 1 (etcd runs on ${external ? "the externalEtcdEndpoints" : "the etcdCount instances"}, so any count of control planes will do); use 2 or more for HA`,
    );
  }
  if (c.workerCount < 0 || c.workerCount > 100)
    report(["workerCount"], `${c.workerCount} is out of range; valid: 0-100`);
  if (c.rootVolumeSizeGb < 20 || c.rootVolumeSizeGb > 16384)
    report(["rootVolumeSizeGb"], `${c.rootVolumeSizeGb} is out of range; valid: 20-16384`);
  if (c.availabilityZoneCount < 1 || c.availabilityZoneCount > 6)
    report(["availabilityZoneCount"], `${c.availabilityZoneCount} is out of range; valid: 1-6`);
  checkAmiId(c.ami, report);
  const instanceTypes = { ...DEFAULT_INSTANCE_TYPES, ...c.instanceTypes };
  // Only the roles that get instances: no LB pair behind an NLB, no workers at workerCount 0.
  const roles = [
    ...(c.loadBalancerMode === "nlb" ? [] : ["loadBalancer" as const]),
    "controlPlane" as const,
    ...(c.workerCount > 0 ? ["worker" as const] : []),
    ...(etcdCount > 0 ? ["etcd" as const] : []),
  ];
  return { instanceTypes, architecture: checkInstanceTypes(instanceTypes, roles, report) };
}

/**
 * `etcdCount`: 0 (stacked etcd, also when unset), or 3, 5 or 7 etcd instances; not with
 * `externalEtcdEndpoints`. Returns the count to lay out (0 when refused).
 */
function checkEtcdCount(c: Pick<RawConfig, "etcdCount" | "externalEtcdEndpoints">, report: Report): number {
  const count = c.etcdCount ?? 0;
  if (count === 0) return 0;
  if (!(ETCD_HOST_COUNTS as readonly number[]).includes(count)) {
    const q = quorumOf(Math.max(count, 0));
    const why =
      count < 0
        ? ""
        : count % 2 === 0
          ? `; etcd quorum is floor(N/2)+1 = ${q.quorum}, so ${count} tolerate ${q.toleratedFailures} failure(s), no more than ${count - 1}`
          : count > 7
            ? "; etcd recommends at most 7 members (each write waits for a majority)"
            : "; fewer than 3 members tolerate no failure";
    report(
      ["etcdCount"],
      `${count} etcd instances${why}: give 3, 5 or 7 (or 0 for stacked etcd on the control planes)`,
    );
    return 0;
  }
  if (c.externalEtcdEndpoints.length > 0) {
    report(
      ["etcdCount"],
      `${count} etcd instances are set together with externalEtcdEndpoints; give one of them: etcdCount (etcd instances built by this program) or externalEtcdEndpoints (an etcd you run)`,
    );
    return 0;
  }
  return count;
}

/** An existing VPC with looked-up subnets, or a VPC CIDR to carve one subnet per AZ from. */
function validateAwsNetwork(
  c: RawConfig,
  facts: AwsFacts,
  report: Report,
): { vpc?: AwsSpec["vpc"]; subnets: AwsSubnet[] } {
  if (c.vpcId !== undefined) {
    if (!/^vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})$/.test(c.vpcId))
      report(["vpcId"], `${show(c.vpcId)} is not a VPC id such as "vpc-0abc1234def567890"`);
    if (c.subnetIds.length === 0)
      report(["subnetIds"], "is required with vpcId: list one public subnet per AZ (the first holds the LB pair)");
    const subnets = checkExistingSubnets(
      { vpcId: c.vpcId, subnetIds: c.subnetIds, bastion: c.bastion !== undefined },
      facts.existingSubnets,
      report,
    );
    return { vpc: { create: false, id: c.vpcId }, subnets };
  }
  const net = parseIpv4Cidr(c.vpcCidr);
  if (!net || net.prefix < 16 || net.prefix > MIN_SUBNET_PREFIX - 4) {
    report(
      ["vpcCidr"],
      `${show(c.vpcCidr)} must be an IPv4 CIDR from /16 to /${MIN_SUBNET_PREFIX - 4} (one subnet per AZ is carved from it)`,
    );
    return { subnets: [] };
  }
  // Up to 16 subnets fit in 4 more prefix bits; at most 6 AZs are used.
  const prefix = net.prefix + 4;
  const subnets = Array.from({ length: Math.max(1, Math.min(6, c.availabilityZoneCount)) }, (_, azIndex) => ({
    cidr: subnetAt(net, prefix, azIndex),
    azIndex,
  }));
  return { vpc: { create: true, cidr: c.vpcCidr }, subnets };
}
