/**
 * Facts about the AWS account that validation needs, looked up before any resource exists
 * (lookups, never resources): existing subnets, addresses the fixed layout would collide with, and
 * the `ami` override's architecture. Reads the raw stack config (Pulumi hands strings).
 */
import * as aws from "@pulumi/aws";
import { AddressInUse, AwsFacts, ExistingSubnet, RunningHost } from "../../core/config/aws";
import { CONFIG_NAMESPACE } from "../../core/config/keys";
import { awsLayout } from "../../core/plan/aws-layout";
import { allHosts } from "../../core/config/types";

/** A raw config value: Pulumi passes strings, parsed stack files typed values. */
function raw(config: Readonly<Record<string, unknown>>, key: string): unknown {
  const value = config[`${CONFIG_NAMESPACE}:${key}`];
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** Looks up what the aws checks need; nothing on other platforms. A failed lookup leaves its fact out or marks it not found. */
export async function lookUpAwsFacts(config: Readonly<Record<string, unknown>>): Promise<AwsFacts> {
  if (raw(config, "platform") !== "aws") return {};
  const ami = text(raw(config, "ami"));
  const vpcId = text(raw(config, "vpcId"));
  const ids = raw(config, "subnetIds");
  const subnetIds = Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : [];
  const existingSubnets =
    vpcId && subnetIds.length > 0 ? await Promise.all(subnetIds.map((id) => lookUpSubnet(id))) : undefined;
  const clusterName = text(raw(config, "clusterName")) ?? "kubeadm-ha";
  const ours = await clusterInstances(clusterName);
  return {
    ...(existingSubnets ? { existingSubnets } : {}),
    ...(vpcId && existingSubnets
      ? { addressesInUse: await addressesInUse(config, vpcId, existingSubnets, new Set(ours.map((i) => i.id))) }
      : {}),
    runningHosts: ours.map(({ name, privateAddress }) => ({ name, privateAddress })),
    ...(ami
      ? {
          ami: {
            id: ami,
            architecture: await aws.ec2.getAmi({ filters: [{ name: "image-id", values: [ami] }] }).then(
              (a) => a.architecture,
              () => undefined,
            ),
          },
        }
      : {}),
  };
}

/** One existing subnet: CIDR, VPC, AZ, and whether it routes 0.0.0.0/0 to an internet gateway. */
async function lookUpSubnet(id: string): Promise<ExistingSubnet> {
  const found = await aws.ec2.getSubnet({ id }).catch(() => undefined);
  if (!found) return { id, cidr: "" };
  // A subnet without an explicit association uses the VPC's main route table.
  const table = await aws.ec2
    .getRouteTable({ subnetId: id })
    .catch(() =>
      aws.ec2.getRouteTable({ vpcId: found.vpcId, filters: [{ name: "association.main", values: ["true"] }] }),
    )
    .catch(() => undefined);
  return {
    id,
    cidr: found.cidrBlock,
    vpcId: found.vpcId,
    availabilityZone: found.availabilityZone,
    ...(table
      ? {
          routesToInternetGateway: (table.routes ?? []).some(
            (r) => r.cidrBlock === "0.0.0.0/0" && (r.gatewayId ?? "").startsWith("igw-"),
          ),
        }
      : {}),
  };
}

/**
 * The fixed addresses the layout would use that an interface other than this cluster's instances
 * holds. This cluster's own instances (tag `kubeadm-ha:cluster`) hold theirs after the first run.
 */
async function addressesInUse(
  config: Readonly<Record<string, unknown>>,
  vpcId: string,
  subnets: readonly ExistingSubnet[],
  ours: ReadonlySet<string>,
): Promise<AddressInUse[]> {
  const candidates = candidateAddresses(config, subnets);
  if (candidates.length === 0) return [];
  const enis = await aws.ec2
    .getNetworkInterfaces({
      filters: [
        { name: "vpc-id", values: [vpcId] },
        { name: "addresses.private-ip-address", values: candidates },
      ],
    })
    .then(
      (r) => r.ids,
      () => [],
    );
  const held: AddressInUse[] = [];
  for (const id of enis) {
    const eni = await aws.ec2.getNetworkInterface({ id }).catch(() => undefined);
    if (!eni || eni.attachments.some((a) => ours.has(a.instanceId))) continue;
    const by = eni.description ? `${id} (${eni.description})` : id;
    for (const address of eni.privateIps.filter((ip) => candidates.includes(ip))) held.push({ address, by });
  }
  return held;
}

/** This cluster's instances that exist (tag `kubeadm-ha:cluster`), with the host each is for (`Name` tag). */
async function clusterInstances(clusterName: string): Promise<(RunningHost & { id: string })[]> {
  const found = await aws.ec2
    .getInstances({
      filters: [{ name: "tag:kubeadm-ha:cluster", values: [clusterName] }],
      instanceStateNames: ["pending", "running", "stopping", "stopped"],
    })
    .catch(() => undefined);
  const prefix = `${clusterName}-`;
  const details = await Promise.all(
    (found?.ids ?? []).map((id) => aws.ec2.getInstance({ instanceId: id }).catch(() => undefined)),
  );
  return details.flatMap((d) => {
    const name = d?.tags?.Name;
    return d && name?.startsWith(prefix)
      ? [{ id: d.id, name: name.slice(prefix.length), privateAddress: d.privateIp }]
      : [];
  });
}

/** Every fixed address the layout gives these subnets (none when the config cannot be laid out yet). */
function candidateAddresses(config: Readonly<Record<string, unknown>>, subnets: readonly ExistingSubnet[]): string[] {
  const count = (key: string, fallback: number): number =>
    Number.isInteger(raw(config, key)) ? (raw(config, key) as number) : fallback;
  const vip = text(raw(config, "vip"))?.split("/")[0];
  try {
    const layout = awsLayout({
      subnets: subnets.map((s, azIndex) => ({ cidr: s.cidr, azIndex })),
      loadBalancerMode: raw(config, "loadBalancerMode") === "nlb" ? "nlb" : "keepalived",
      controlPlaneCount: Math.min(count("controlPlaneCount", 3), 99),
      workerCount: Math.min(count("workerCount", 2), 100),
      etcdCount: Math.max(0, Math.min(count("etcdCount", 0), 7)),
      interface: "auto",
      vip,
    });
    return [...allHosts(layout).map((h) => h.privateAddress), layout.vip];
  } catch {
    // A missing or malformed subnet: validation reports it.
    return [];
  }
}
