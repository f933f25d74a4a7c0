/** The review render (`npm run render`) of a stack with etcdHosts (issue 15): the etcd hosts' steps and files, no key material. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSpec } from "../core/config/build-spec";
import { SECRETS } from "../core/plan/placeholders";
import { PLAN_FILE, renderPlan } from "../core/render/render-plan";
import { exampleWith, hosts } from "./support/stack";

const spec = buildSpec(exampleWith({ etcdHosts: hosts("etcd", 3, "192.168.1", 121) }));
const tree = renderPlan("dev", spec);
const paths = [...tree.keys()];

test("render: each etcd host has its gate, preparation and member scripts, the leave script and the member's files", () => {
  for (const h of ["etcd1", "etcd2", "etcd3"]) {
    const mine = paths.filter((p) => p.startsWith(`${h}/`));
    assert.ok(
      mine.some((p) => /\/\d\d-wait-ssh\.sh$/.test(p)),
      `${h}: ${mine.join(" ")}`,
    );
    assert.ok(
      mine.some((p) => /\/\d\d-prepare-node\.sh$/.test(p)),
      h,
    );
    assert.ok(
      mine.some((p) => /\/\d\d-etcd-member\.sh$/.test(p)),
      h,
    );
    assert.ok(
      mine.some((p) => /\/\d\d-etcd-member\.delete\.sh$/.test(p)),
      h,
    );
    for (const f of [
      "etc/kubernetes/kubeadm-ha/etcd-member.yaml",
      "etc/kubernetes/kubeadm-ha-etcd-kubelet.yaml",
      "etc/systemd/system/kubelet.service.d/20-etcd-service-manager.conf",
      "etc/kubernetes/pki/etcd/ca.key",
    ])
      assert.ok(
        mine.some((p) => p.endsWith(f)),
        `${h}: no ${f} in ${mine.join(" ")}`,
      );
  }
  // The CA and the client certificate are made on etcdHosts[0]; each control plane installs the client files.
  assert.ok(paths.some((p) => /^etcd1\/\d\d-etcd-ca\.sh$/.test(p)));
  assert.ok(paths.some((p) => /^etcd1\/\d\d-etcd-client-cert\.sh$/.test(p)));
  for (const cp of ["cp1", "cp2", "cp3"]) {
    assert.ok(
      paths.some((p) => new RegExp(`^${cp}/\\d\\d-etcd-client\\.sh$`).test(p)),
      cp,
    );
    assert.ok(
      paths.some((p) => new RegExp(`^${cp}/\\d\\d-etcd-endpoints\\.sh$`).test(p)),
      cp,
    );
  }
  const member = [...tree.entries()].find(([p]) => /^etcd2\/.*etcd-member\.yaml$/.test(p))?.[1] ?? "";
  assert.match(member, /initial-cluster-state\n\s+value: "@ETCD_CLUSTER_STATE@"/);
  assert.match(member, /listen-client-urls\n\s+value: https:\/\/127\.0\.0\.1:2379,https:\/\/192\.168\.1\.122:2379/);
});

test("render: PLAN.md lists the etcd hosts with role etcd, their steps and the two etcd secrets by placeholder only", () => {
  const plan = tree.get(PLAN_FILE) ?? "";
  for (const h of ["etcd1", "etcd2", "etcd3"]) assert.match(plan, new RegExp(`\\| ${h} \\|[^\\n]*etcd`), h);
  for (const id of ["etcd-ca", "etcd1-etcd-member", "etcd-client-cert", "cp1-etcd-client", "cp1-etcd-endpoints"])
    assert.ok(plan.includes(`\`${id}\``), id);
  for (const name of ["etcdCa", "etcdClientCerts"] as const) assert.ok(plan.includes(SECRETS[name].placeholder), name);
  // No certificate or key material anywhere in the review.
  for (const [p, content] of tree) assert.doesNotMatch(content, /-----BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE)-----/, p);
});
