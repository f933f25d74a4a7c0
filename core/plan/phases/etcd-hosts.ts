import { ClusterSpec, HostSpec } from "../../config/types";
import { etcdClientUrl } from "../../config/validate-etcd";
import { containerdVersionsFor, ETCD_CLUSTER_STATE, ETCD_INITIAL_CLUSTER, etcdKubeletConfiguration } from "../kubeadm";
import { serialiseEtcdHostConfig } from "../kubeadm";
import { stepOf, stepsOf } from "../lookup";
import { InstalledFile, PlanStep } from "../plan-step";
import { fillTemplate, stepScript } from "../template";
import { ids, PhaseContext, peerUrl, step } from "./context";

/** Where the etcd host's kubelet config lives (outside kubelet.service.d, which systemd reads as unit drop-ins). */
export const ETCD_KUBELET_CONFIG_PATH = "/etc/kubernetes/kubeadm-ha-etcd-kubelet.yaml";
/** The drop-in that makes the kubelet etcd's service manager (the upstream guide's name). */
export const ETCD_KUBELET_DROPIN_PATH = "/etc/systemd/system/kubelet.service.d/20-etcd-service-manager.conf";
/** Checks 5 s apart for a member to answer (5 minutes: the first start pulls the etcd image). */
const MEMBER_ATTEMPTS = 60;

/** The drop-in: the kubelet with only the etcd kubelet config, restarted whenever it stops. */
function kubeletDropIn(): string {
  return `[Service]\nExecStart=\nExecStart=/usr/bin/kubelet --config=${ETCD_KUBELET_CONFIG_PATH}\nRestart=always\n`;
}

/** `name=https://address:2380,...`: every configured etcd host, as etcd's initial cluster names them. */
export function etcdHostsInitialCluster(spec: Pick<ClusterSpec, "etcdHosts">): string {
  return spec.etcdHosts.map((h) => `${h.name}=${peerUrl(h)}`).join(",");
}

/**
 * The program's own external etcd (`etcdHosts`), after kubeadm's "Set up a High Availability etcd
 * Cluster with kubeadm" (kubelet + static pod, the etcd image kubeadm picks for the Kubernetes
 * version): each etcd host prepared like a node; the etcd CA made on `etcdHosts[0]` and handed to
 * the members as a secret; the members one at a time (each waits for the one before it, so a later
 * edit adds, and removes, one member at a time); then, once they answer, the api-server's client
 * certificate, which every control plane installs before its kubeadm init or join. Nothing with
 * stacked etcd or `externalEtcdEndpoints`.
 */
export function etcdHostsPhase(ctx: PhaseContext): PlanStep[] {
  const { spec } = ctx;
  if (spec.etcdHosts.length === 0) return [];
  const first = spec.etcdHosts[0];
  const prepares = spec.etcdHosts.map((h) => prepareEtcdHost(ctx, h));
  const clientUrls = spec.etcdHosts.map(etcdClientUrl).join(" ");
  const ca = step({
    scope: "stack",
    host: first.name,
    phase: "etcd-ca",
    description: `make the etcd CA once on ${first.name} (kubeadm init phase certs etcd-ca) and read it for the etcd hosts (secret stdout)`,
    run: stepScript("etcd-ca", { OWN_CLIENT_URL: etcdClientUrl(first), CLIENT_URLS: clientUrls }),
    after: [prepares[0].id],
    secretStdout: true,
    provides: "etcdCa",
  });
  const members: PlanStep[] = [];
  spec.etcdHosts.forEach((h, i) => {
    const previous = members.length > 0 ? [members[members.length - 1].id] : [];
    members.push(memberStep(spec, h, [prepares[i].id, ca.id, ...previous]));
  });
  const clientCert = step({
    scope: "stack",
    host: first.name,
    phase: "etcd-client-cert",
    description: `wait for a healthy etcd on ${first.name}, issue the api-server's etcd client certificate and read it with the etcd CA certificate for the control planes (secret stdout)`,
    run: stepScript("etcd-client-cert", {
      OWN_CLIENT_URL: etcdClientUrl(first),
      CLIENT_URLS: clientUrls,
      ATTEMPTS: MEMBER_ATTEMPTS,
    }),
    after: [ca.id, ...members.map((m) => m.id)],
    secretStdout: true,
    provides: "etcdClientCerts",
  });
  const clients = spec.controlPlanes.map((cp) =>
    step({
      host: cp.name,
      phase: "etcd-client",
      description:
        "install the etcd CA certificate and the api-server's etcd client certificate and key (0600) before kubeadm",
      run: stepScript("etcd-client", {}, ["etcdClientCerts"]),
      after: [stepOf(ctx.before, "prepare-node", cp.name).id, clientCert.id],
      // Again with the node's join when that is replaced (kubeadm reset removes these files).
      replaceOn: [cp.privateAddress],
      files: clientFiles(),
    }),
  );
  return [...prepares, ca, ...members, clientCert, ...clients];
}

/** The etcd host's node preparation: containerd, kubelet and kubeadm, as on every node. */
function prepareEtcdHost(ctx: PhaseContext, h: HostSpec): PlanStep {
  const { spec } = ctx;
  return step({
    host: h.name,
    phase: "prepare-node",
    description: `etcd host: swap off, modules, sysctls, containerd (SystemdCgroup), kubeadm/kubelet ${spec.kubernetesVersion} held`,
    run: stepScript("prepare-node", {
      K8S_MINOR: spec.kubernetesMinor,
      K8S_VERSION: spec.kubernetesVersion,
      CONTAINERD_VERSIONS: containerdVersionsFor(spec.kubernetesMinor),
    }),
    // The SSH gate, where the plan has one for the host.
    after: ids(stepsOf(ctx.before, "wait-ssh", h.name)),
  });
}

/** One etcd member; deleting it (removal, or a new privateAddress) removes the member, quorum checked, and wipes the host. */
function memberStep(spec: ClusterSpec, h: HostSpec, after: string[]): PlanStep {
  const config = serialiseEtcdHostConfig(h);
  const kubelet = etcdKubeletConfiguration();
  const dropIn = kubeletDropIn();
  const common = {
    NODE_NAME: h.name,
    PEER_URL: peerUrl(h),
    OWN_CLIENT_URL: etcdClientUrl(h),
    CLIENT_URLS: spec.etcdHosts.map(etcdClientUrl).join(" "),
    KUBELET_CONFIG_PATH: ETCD_KUBELET_CONFIG_PATH,
    KUBELET_DROPIN_PATH: ETCD_KUBELET_DROPIN_PATH,
  };
  const files: InstalledFile[] = [
    {
      path: "/etc/kubernetes/kubeadm-ha/etcd-member.yaml",
      content: config,
      mode: "0600",
      note: `written as a temporary file (config.XXXXXX) with ${ETCD_CLUSTER_STATE} and ${ETCD_INITIAL_CLUSTER} filled in on the host, removed after use`,
    },
    { path: ETCD_KUBELET_CONFIG_PATH, content: kubelet, mode: "0644" },
    { path: ETCD_KUBELET_DROPIN_PATH, content: dropIn, mode: "0644" },
    { path: "/etc/kubernetes/pki/etcd/ca.crt", content: "@ETCD_CA@ (ca.crt)\n", mode: "0600", note: "from stdin" },
    { path: "/etc/kubernetes/pki/etcd/ca.key", content: "@ETCD_CA@ (ca.key)\n", mode: "0600", note: "from stdin" },
  ];
  return step({
    host: h.name,
    phase: "etcd-member",
    description:
      `etcd member ${h.name} (${peerUrl(h)}): kubelet + static pod via kubeadm init phase etcd local; a new cluster with the ` +
      "other etcd hosts, or member add (quorum checked) to the running one; on delete, member remove (quorum checked) and wipe",
    run: stepScript(
      "etcd-member",
      {
        ...common,
        CONFIG_MEMBERS: etcdHostsInitialCluster(spec),
        KUBEADM_CONFIG: config,
        STATE_PLACEHOLDER: ETCD_CLUSTER_STATE,
        CLUSTER_PLACEHOLDER: ETCD_INITIAL_CLUSTER,
        KUBELET_CONFIG: kubelet,
        KUBELET_DROPIN: dropIn,
        ATTEMPTS: MEMBER_ATTEMPTS,
      },
      ["etcdCa"],
    ),
    deleteScript: fillTemplate("etcd-leave", common),
    after,
    replaceOn: [h.privateAddress],
    deleteBeforeReplace: true,
    // Removing a host that is gone for good must fail in about a minute, not hang (as a node's join).
    dialAttempts: 4,
    files,
  });
}

/** What a control plane's etcd-client step installs, for review (values come from stdin). */
function clientFiles(): InstalledFile[] {
  return ["etcd/ca.crt", "apiserver-etcd-client.crt", "apiserver-etcd-client.key"].map((f) => ({
    path: `/etc/kubernetes/pki/${f}`,
    content: `@ETCD_CLIENT_CERTS@ (${f})\n`,
    mode: "0600",
    note: "from stdin",
  }));
}
