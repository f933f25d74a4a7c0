import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { AwsSpec } from "../../core/config/aws";
import { clusterTags } from "./tags";

/** The VPC and one public subnet per AZ, created or existing. */
export class Network extends pulumi.ComponentResource {
  /** VPC id. */
  public readonly vpcId: pulumi.Output<string>;
  /** Subnet ids, in the spec's subnet order (the first holds the LB pair). */
  public readonly subnetIds: pulumi.Output<string>[];

  constructor(name: string, spec: AwsSpec, opts?: pulumi.ComponentResourceOptions) {
    super("kubeadm-ha:aws:Network", name, {}, opts);
    if (!spec.vpc.create) {
      this.vpcId = pulumi.output(spec.vpc.id);
      this.subnetIds = spec.subnets.map((s) => pulumi.output(s.id as string));
    } else {
      const vpc = new aws.ec2.Vpc(
        `${name}-vpc`,
        {
          cidrBlock: spec.vpc.cidr,
          enableDnsHostnames: true,
          enableDnsSupport: true,
          tags: clusterTags(spec, "vpc"),
        },
        { parent: this },
      );
      const igw = new aws.ec2.InternetGateway(
        `${name}-igw`,
        { vpcId: vpc.id, tags: clusterTags(spec, "igw") },
        { parent: this },
      );
      const routes = new aws.ec2.RouteTable(
        `${name}-public`,
        {
          vpcId: vpc.id,
          routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
          tags: clusterTags(spec, "public"),
        },
        { parent: this },
      );
      const zones = regularZones(spec.subnets.length, this);
      this.subnetIds = spec.subnets.map((s) => {
        const subnet = new aws.ec2.Subnet(
          `${name}-subnet-${s.azIndex}`,
          {
            vpcId: vpc.id,
            cidrBlock: s.cidr,
            availabilityZone: zones.apply((z) => z[s.azIndex]),
            // Instances get public IPs for SSH and package downloads; security groups limit who may connect.
            mapPublicIpOnLaunch: true,
            tags: clusterTags(spec, `subnet-${s.azIndex}`),
          },
          {
            parent: this,
            // Pinned: the zone list is read on every run, and a zone that appears or goes away later
            // must not move (replace) a subnet and every instance in it.
            ignoreChanges: ["availabilityZone"],
          },
        );
        new aws.ec2.RouteTableAssociation(
          `${name}-subnet-${s.azIndex}`,
          { subnetId: subnet.id, routeTableId: routes.id },
          { parent: this },
        );
        return subnet.id;
      });
      this.vpcId = vpc.id;
    }
    this.registerOutputs({ vpcId: this.vpcId, subnetIds: this.subnetIds });
  }
}

/**
 * The region's regular availability zones, in name order: Local Zones and Wavelength Zones (which
 * an account may have opted in to, and whose names sort among them) are left out. Fails the update,
 * naming the key, when the region has fewer than the stack asks for.
 */
export function regularZones(count: number, parent: pulumi.Resource): pulumi.Output<string[]> {
  return aws
    .getAvailabilityZonesOutput(
      { state: "available", filters: [{ name: "zone-type", values: ["availability-zone"] }] },
      { parent },
    )
    .names.apply((names) => {
      if (names.length < count) {
        throw new pulumi.ResourceError(
          `kubeadm-ha:availabilityZoneCount: ${count} is more than the ${names.length} availability zones of this region (${names.join(", ")})`,
          parent,
        );
      }
      return [...names].sort().slice(0, count);
    });
}
