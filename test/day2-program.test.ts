import { test } from "node:test";
import assert from "node:assert/strict";
import { snapshotBucketPolicy } from "../components/aws/snapshot-bucket-policy";
import { buildSpec } from "../core/config/build-spec";
import { installMocks, SECRET_SIG } from "./support/mocks";
import { Run, runCluster } from "./support/program";
import { stackConfig, stackWith } from "./support/stack";

installMocks(["cp1", "cp2", "cp3", "worker1", "worker2"], "10.0.0.100:6443");

const plain = (v: unknown): unknown =>
  v !== null && typeof v === "object" && SECRET_SIG in v ? (v as unknown as { value: unknown }).value : v;
const profiled = (run: Run): string[] =>
  run.resources
    .filter((r) => r.type === "aws:ec2/instance:Instance" && plain(r.inputs.iamInstanceProfile))
    .map((r) => r.name)
    .sort();

test("the control planes' S3 policy allows putting objects under the snapshot prefix and nothing else", () => {
  const doc = JSON.parse(
    snapshotBucketPolicy({ partition: "aws", bucket: "acme-backups", prefix: "demo/etcd-snapshots" }),
  ) as {
    Statement: { Effect: string; Action: string[]; Resource: string[] }[];
  };
  assert.deepEqual(doc.Statement, [
    {
      Sid: "PutEtcdSnapshots",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
      Resource: ["arn:aws:s3:::acme-backups/demo/etcd-snapshots/*"],
    },
  ]);
  assert.match(snapshotBucketPolicy({ partition: "aws-cn", bucket: "b", prefix: "p" }), /"arn:aws-cn:s3:::b\/p\/\*"/);
});

test("with etcdSnapshotBucket the control planes get an instance profile whose policy is scoped to the bucket and prefix", async () => {
  const withBucket = await runCluster(buildSpec(stackWith("aws-example", { etcdSnapshotBucket: "acme-backups/prod" })));
  assert.deepEqual(profiled(withBucket), ["demo-cp1", "demo-cp2", "demo-cp3", "demo-lb1", "demo-lb2"]);
  const policies = withBucket.resources.filter(
    (r) => r.type === "aws:iam/rolePolicy:RolePolicy" && /put-snapshots$/.test(r.name),
  );
  assert.equal(policies.length, 1);
  const doc = JSON.parse(String(plain(policies[0].inputs.policy))) as {
    Statement: { Action: string[]; Resource: string[] }[];
  };
  assert.deepEqual(
    doc.Statement.map((s) => s.Resource),
    [["arn:aws:s3:::acme-backups/prod/*"]],
  );
  assert.ok(!JSON.stringify(doc).match(/s3:(Get|List|Delete)/), "no read, list or delete");
  const without = await runCluster(buildSpec(stackWith("aws-example", {})));
  assert.deepEqual(profiled(without), ["demo-lb1", "demo-lb2"], "no bucket, no role on the control planes");
  assert.ok(!without.resources.some((r) => /put-snapshots$/.test(r.name)));
});

test("the admin host's renewal script names the real URN of the kubeconfig step; the others name none", async () => {
  const run = await runCluster(buildSpec(stackConfig("dev")));
  const create = (name: string): string => String(plain(run.resources.find((r) => r.name === name)?.inputs.create));
  const kubeconfig = run.resources.find((r) => r.type === "command:remote:Command" && r.name === "admin-kubeconfig");
  assert.ok(kubeconfig, "the kubeconfig step");
  const urn = /KUBECONFIG_URN='\\''(urn:pulumi:[^']+)'\\''/.exec(create("cp1-cert-renewal"))?.[1] ?? "";
  assert.match(urn, /^urn:pulumi:dev::kubeadm-ha::.*command:remote:Command::admin-kubeconfig$/);
  assert.doesNotMatch(create("cp1-cert-renewal"), /@URN:/);
  for (const cp of ["cp2", "cp3"]) assert.match(create(`${cp}-cert-renewal`), /KUBECONFIG_URN='\\''none'\\''/);
});
