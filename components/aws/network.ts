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
      const vpc = new aws.ec2.Vpc(`${name}-vpc`, {
        cidrBlock: spec.vpc.cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: clusterTags(spec, "vpc"),
      }, { parent: this });
      const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: clusterTags(spec, "igw") }, { parent: this });
      const routes = new aws.ec2.RouteTable(`${name}-public`, {
        vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags: clusterTags(spec, "public"),
      }, { parent: this });
      const zones = aws.getAvailabilityZonesOutput({ state: "available" }, { parent: this });
      this.subnetIds = spec.subnets.map((s) => {
        const subnet = new aws.ec2.Subnet(`${name}-subnet-${s.azIndex}`, {
          vpcId: vpc.id, cidrBlock: s.cidr, availabilityZone: zones.names[s.azIndex],
          // Instances get public IPs for SSH and package downloads; security groups limit who may connect.
          mapPublicIpOnLaunch: true, tags: clusterTags(spec, `subnet-${s.azIndex}`),
        }, { parent: this });
        new aws.ec2.RouteTableAssociation(`${name}-subnet-${s.azIndex}`, { subnetId: subnet.id, routeTableId: routes.id }, { parent: this });
        return subnet.id;
      });
      this.vpcId = vpc.id;
    }
    this.registerOutputs({ vpcId: this.vpcId, subnetIds: this.subnetIds });
  }
}
