import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { lookUpAwsFacts } from "../components/aws/lookups";

/** A fake account: two subnets of vpc-0abc, one routed to an internet gateway; an ENI of a NAT gateway on 10.1.16.20. */
const ACCOUNT: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>> = {
  "aws:ec2/getSubnet:getSubnet": (i) =>
    ({
      "subnet-0aaa1111": { id: i.id, cidrBlock: "10.1.0.0/20", vpcId: "vpc-0abc", availabilityZone: "eu-west-1a" },
      "subnet-0bbb2222": { id: i.id, cidrBlock: "10.1.16.0/20", vpcId: "vpc-0abc", availabilityZone: "eu-west-1b" },
    })[String(i.id)] ?? fail(`no subnet ${String(i.id)}`),
  "aws:ec2/getRouteTable:getRouteTable": (i) =>
    i.subnetId === "subnet-0aaa1111"
      ? { routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: "igw-0main" }] }
      : // No explicit association: the VPC's main table, which has only a NAT route.
        i.subnetId
        ? fail("no route table associated")
        : { routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: "", natGatewayId: "nat-0a" }] },
  "aws:ec2/getInstances:getInstances": () => ({ ids: ["i-0ours", "i-0other"] }),
  "aws:ec2/getInstance:getInstance": (i) =>
    i.instanceId === "i-0ours"
      ? { id: "i-0ours", privateIp: "10.1.0.20", tags: { Name: "demo-cp1", "kubeadm-ha:cluster": "demo" } }
      : // Tagged for the cluster by hand, but not one of its hosts: ignored.
        { id: "i-0other", privateIp: "10.1.0.99", tags: { Name: "bastion", "kubeadm-ha:cluster": "demo" } },
  "aws:ec2/getNetworkInterfaces:getNetworkInterfaces": () => ({ ids: ["eni-0ours", "eni-0nat"] }),
  "aws:ec2/getNetworkInterface:getNetworkInterface": (i) =>
    i.id === "eni-0ours"
      ? { attachments: [{ instanceId: "i-0ours" }], privateIps: ["10.1.0.20"], description: "" }
      : { attachments: [], privateIps: ["10.1.16.20", "10.1.16.5"], description: "Interface for NAT Gateway nat-0a" },
  "aws:ec2/getAmi:getAmi": () => ({ architecture: "arm64" }),
};
const asked: string[] = [];

function fail(message: string): never {
  throw new Error(message);
}

pulumi.runtime.setMocks(
  {
    newResource: (args) => fail(`lookups must create nothing (got ${args.type})`),
    call: (args) => {
      asked.push(args.token);
      const answer = ACCOUNT[args.token];
      return answer ? answer(args.inputs as Record<string, unknown>) : fail(`unexpected lookup ${args.token}`);
    },
  },
  "kubeadm-ha",
  "dev",
  false,
);

/** A stack config as `pulumi up` hands it over: strings. */
const config = (values: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(values).map(([k, v]) => [`kubeadm-ha:${k}`, typeof v === "string" ? v : JSON.stringify(v)]),
  );

test("lookups: existing subnets with their VPC, AZ and internet route; addresses held by others; the AMI's architecture", async () => {
  const facts = await lookUpAwsFacts(
    config({
      platform: "aws",
      vpcId: "vpc-0abc",
      subnetIds: ["subnet-0aaa1111", "subnet-0bbb2222"],
      ami: "ami-0123456789abcdef0",
      clusterName: "demo",
    }),
  );
  assert.deepEqual(facts.existingSubnets, [
    {
      id: "subnet-0aaa1111",
      cidr: "10.1.0.0/20",
      vpcId: "vpc-0abc",
      availabilityZone: "eu-west-1a",
      routesToInternetGateway: true,
    },
    {
      id: "subnet-0bbb2222",
      cidr: "10.1.16.0/20",
      vpcId: "vpc-0abc",
      availabilityZone: "eu-west-1b",
      routesToInternetGateway: false,
    },
  ]);
  // cp2's fixed address is on the NAT gateway's interface; cp1's is on this cluster's own instance.
  assert.deepEqual(facts.addressesInUse, [
    { address: "10.1.16.20", by: "eni-0nat (Interface for NAT Gateway nat-0a)" },
  ]);
  assert.deepEqual(facts.ami, { id: "ami-0123456789abcdef0", architecture: "arm64" });
  assert.deepEqual(facts.runningHosts, [{ name: "cp1", privateAddress: "10.1.0.20" }]);
});

test("lookups: nothing on bare metal, only the running hosts for a created VPC, and an unknown subnet is reported as not found", async () => {
  asked.length = 0;
  assert.deepEqual(
    await lookUpAwsFacts(config({ platform: "baremetal", vpcId: "vpc-0abc", subnetIds: ["subnet-0aaa1111"] })),
    {},
  );
  assert.equal(asked.length, 0, "no lookup on bare metal");
  assert.deepEqual(Object.keys(await lookUpAwsFacts(config({ platform: "aws", clusterName: "demo" }))), [
    "runningHosts",
  ]);
  assert.deepEqual(
    asked.filter((t) => !t.includes("getInstance")),
    [],
    "no subnet or AMI lookup without an existing VPC or an ami",
  );
  const facts = await lookUpAwsFacts(config({ platform: "aws", vpcId: "vpc-0abc", subnetIds: ["subnet-0missing"] }));
  assert.deepEqual(facts.existingSubnets, [{ id: "subnet-0missing", cidr: "" }]);
});
