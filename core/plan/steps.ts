import { ClusterSpec, etcdMemberCount, HostSpec, quorumOf } from "../config/types";
import { cniScriptVars } from "./cni";
import { haproxyConfig, serialiseHaproxy } from "./haproxy";
import { AUTH_PASS_PLACEHOLDER, CHECK_SCRIPT_PATH, keepalivedConfig, NOTIFY_SCRIPT_PATH, serialiseKeepalived, SCRIPT_USER } from "./keepalived";
import { serialiseInitConfig, serialiseJoinConfig, PLACEHOLDERS } from "./kubeadm";
import { fillTemplate } from "./template";

/** Secrets a step reads on stdin, one per line, in the listed order. */
export type SecretName = "bootstrapToken" | "caCertHash" | "certificateKey" | "keepalivedAuthPass";

/** Phase vocabulary (after kubespray's), in bring-up order: what a step does. */
export const PHASES = [
  "wait-ssh", "prepare-node", "aws-vip-mover", "load-balancer", "wait-vip", "kubeadm-init", "ca-cert-hash",
  "admin-kubeconfig", "cni", "join-material", "kubeadm-join", "await-node", "verify",
] as const;

/** What a step does. */
export type Phase = (typeof PHASES)[number];

/** A file a step installs on its host, listed for review (`npm run render`). */
export interface InstalledFile {
  /** Absolute path on the host. */
  readonly path: string;
  /** Content with secrets as placeholders. */
  readonly content: string;
}

/** One remote command of the bring-up, with everything the Pulumi layer needs to create it. */
export interface PlanStep {
  /** Stable resource name `<host>-<phase>`: never a list index, so removing a host renames nothing. */
  readonly id: string;
  /** Name of the host the step is about; with `phase` it names the step. */
  readonly host: string;
  /** Name of the host whose SSH connection runs it (a control plane for drain and token steps). */
  readonly runsOn: string;
  /** What it does. */
  readonly phase: Phase;
  /** One line for PLAN.md. */
  readonly description: string;
  /** Script run on create (no secrets inside). */
  readonly script: string;
  /** Script run when the step is deleted (node removal), if any. */
  readonly deleteScript?: string;
  /** Secrets fed on stdin, in order. */
  readonly stdin: readonly SecretName[];
  /** Steps that must finish first. */
  readonly after: readonly string[];
  /** The step's stdout is a secret (kept out of logs and state in clear). */
  readonly secretStdout: boolean;
  /** The secret this step's stdout provides to later steps. */
  readonly provides?: SecretName;
  /** Values whose change replaces the step (reset, then run again) instead of updating it. */
  readonly replaceOn: readonly string[];
  /** True for steps that must be torn down before their replacement runs (init, join). */
  readonly deleteBeforeReplace: boolean;
  /** True for the SSH gate: dial until the host answers, bounded by the create timeout. */
  readonly waitForSsh: boolean;
  /** Files installed, for review. */
  readonly files: readonly InstalledFile[];
}

/** The whole bring-up: steps in an order where every step comes after those it waits for. */
export interface Plan {
  /** Steps, topologically ordered. */
  readonly steps: readonly PlanStep[];
}

/** How long a joined token stays valid after each refresh. */
export const TOKEN_TTL_HOURS = 24;

/** Builds the bring-up plan for a validated spec. Pure: same spec, same plan, byte for byte. */
export function buildPlan(spec: ClusterSpec): Plan {
  const steps: PlanStep[] = [];
  const add = (s: Omit<PlanStep, "id" | "runsOn" | "stdin" | "secretStdout" | "replaceOn" | "deleteBeforeReplace" | "waitForSsh" | "files"> & Partial<PlanStep>): string => {
    const id = `${s.host}-${s.phase}`;
    steps.push({ runsOn: s.host, stdin: [], secretStdout: false, replaceOn: [], deleteBeforeReplace: false, waitForSsh: false, files: [], ...s, id });
    return id;
  };
  const first = spec.controlPlanes[0];
  const joining = spec.controlPlanes.slice(1);
  const kubeNodes = [...spec.controlPlanes, ...spec.workers];

  // 1. Gates, node preparation and the LB pair: all hosts in parallel.
  const gate = new Map<string, string>();
  for (const h of [...spec.loadBalancers, ...kubeNodes]) {
    gate.set(h.name, add({ host: h.name, phase: "wait-ssh", description: "wait for SSH, sudo and cloud-init", script: fillTemplate("wait-ssh"), after: [], waitForSsh: true }));
  }
  const prepared = new Map<string, string>();
  for (const h of kubeNodes) {
    prepared.set(h.name, add({
      host: h.name, phase: "prepare-node",
      description: `swap off, modules, sysctls, containerd (SystemdCgroup), kubeadm/kubelet/kubectl ${spec.kubernetesVersion} held`,
      script: fillTemplate("prepare-node", { K8S_MINOR: spec.kubernetesMinor, K8S_VERSION: spec.kubernetesVersion }),
      after: [gate.get(h.name) as string],
    }));
  }
  const lbSteps = spec.loadBalancers.map((lb, index) => {
    const haproxyCfg = serialiseHaproxy(haproxyConfig(spec));
    const peer = spec.loadBalancers.find((o) => o !== lb);
    const aws = spec.aws;
    const mover = aws && add({
      host: lb.name, phase: "aws-vip-mover", description: `AWS CLI and the notify script that moves ${spec.vip} to this ENI`,
      script: fillTemplate("aws-vip-mover", { NOTIFY_SCRIPT: fillTemplate("aws-move-vip", { VIP: spec.vip, REGION: aws.region }), NOTIFY_SCRIPT_PATH }),
      after: [gate.get(lb.name) as string],
      files: [{ path: NOTIFY_SCRIPT_PATH, content: fillTemplate("aws-move-vip", { VIP: spec.vip, REGION: aws.region }) }],
    });
    const keepalivedConf = serialiseKeepalived(keepalivedConfig(spec, { self: lb, peer, index, authPass: AUTH_PASS_PLACEHOLDER, notifyMaster: aws ? NOTIFY_SCRIPT_PATH : undefined }));
    const checkScript = fillTemplate("check-apiserver-frontend", { API_PORT: spec.apiPort });
    return add({
      host: lb.name, phase: "load-balancer",
      description: `HAProxy on :${spec.apiPort} to ${spec.controlPlanes.length} api-servers, keepalived VRRP for ${spec.vip} (priority ${101 - index})`,
      script: fillTemplate("load-balancer", {
        HAPROXY_CFG: haproxyCfg, KEEPALIVED_CONF: keepalivedConf, AUTH_PASS_PLACEHOLDER,
        CHECK_SCRIPT: checkScript, CHECK_SCRIPT_PATH, SCRIPT_USER,
      }),
      stdin: ["keepalivedAuthPass"],
      after: [mover ?? (gate.get(lb.name) as string)],
      files: [
        { path: "/etc/haproxy/haproxy.cfg", content: haproxyCfg },
        { path: "/etc/keepalived/keepalived.conf", content: keepalivedConf },
        { path: CHECK_SCRIPT_PATH, content: checkScript },
      ],
    });
  });

  // 2. First control plane, once the VIP answers (an NLB has no VIP to wait for: kubeadm waits for it).
  const vipReady = lbSteps.length > 0
    ? add({
      host: first.name, phase: "wait-vip", description: `wait until ${spec.controlPlaneEndpoint} accepts TCP (keepalived + HAProxy up)`,
      script: fillTemplate("wait-vip", { VIP: spec.vip, API_PORT: spec.apiPort, ATTEMPTS: 90 }),
      after: [prepared.get(first.name) as string, ...lbSteps],
    })
    : (prepared.get(first.name) as string);
  const initConfig = serialiseInitConfig(spec);
  const placeholders = { TOKEN_PLACEHOLDER: PLACEHOLDERS.bootstrapToken, CERT_KEY_PLACEHOLDER: PLACEHOLDERS.certificateKey };
  const init = add({
    host: first.name, phase: "kubeadm-init",
    description: `kubeadm init --upload-certs, controlPlaneEndpoint ${spec.controlPlaneEndpoint} (${spec.kubeadmApiVersion})`,
    script: fillTemplate("kubeadm-init", { INIT_CONFIG: initConfig, ...placeholders }),
    deleteScript: fillTemplate("reset-node"),
    stdin: ["bootstrapToken", "certificateKey"],
    after: [vipReady],
    replaceOn: [first.privateAddress],
    deleteBeforeReplace: true,
    files: [{ path: "/etc/kubernetes/kubeadm-ha/config.XXXXXX (0600, removed after use)", content: initConfig }],
  });
  const caHash = add({
    host: first.name, phase: "ca-cert-hash", description: "read the CA public-key pin for joins (secret stdout)",
    script: fillTemplate("ca-cert-hash"), after: [init], secretStdout: true, provides: "caCertHash",
  });
  add({
    host: first.name, phase: "admin-kubeconfig", description: "read admin.conf for the `kubeconfig` output (secret stdout)",
    script: fillTemplate("admin-kubeconfig"), after: [init], secretStdout: true,
  });
  const cniVars = cniScriptVars(spec);
  const cni = cniVars && add({
    host: first.name, phase: "cni", description: `apply ${spec.cni} for pod network ${spec.podNetworkCidr}`,
    script: fillTemplate("cni", cniVars), after: [init],
  });

  // 3. Joins: control planes one after another (etcd adds one learner at a time), workers in parallel.
  const joinNode = (h: HostSpec, after: string[]): { join: string; registered: string } => {
    const isCp = h.role === "controlPlane";
    const material = add({
      host: h.name, runsOn: first.name, phase: "join-material",
      description: `on ${first.name}: refresh the bootstrap token${isCp ? " and re-upload control-plane certs" : ""}; on delete, remove Node ${h.name}`,
      script: isCp
        ? fillTemplate("join-material-control-plane", { INIT_CONFIG: initConfig, ...placeholders, TOKEN_TTL_HOURS })
        : fillTemplate("join-material-worker", { TOKEN_TTL_HOURS }),
      deleteScript: fillTemplate("delete-node", { NODE_NAME: h.name }),
      stdin: isCp ? ["bootstrapToken", "certificateKey"] : ["bootstrapToken"],
      after: [caHash, ...after],
    });
    const joinConfig = serialiseJoinConfig(spec, h);
    const join = add({
      host: h.name, phase: "kubeadm-join",
      description: `kubeadm join ${spec.controlPlaneEndpoint} as ${isCp ? "control plane" : "worker"}; on delete, kubeadm reset`,
      script: fillTemplate("kubeadm-join", {
        JOIN_CONFIG: joinConfig, ROLE: h.role, TOKEN_PLACEHOLDER: PLACEHOLDERS.bootstrapToken,
        CA_HASH_PLACEHOLDER: PLACEHOLDERS.caCertHash, CERT_KEY_PLACEHOLDER: PLACEHOLDERS.certificateKey,
      }),
      deleteScript: fillTemplate("reset-node"),
      stdin: isCp ? ["bootstrapToken", "caCertHash", "certificateKey"] : ["bootstrapToken", "caCertHash"],
      after: [prepared.get(h.name) as string, material],
      replaceOn: [h.privateAddress],
      deleteBeforeReplace: true,
      files: [{ path: "/etc/kubernetes/kubeadm-ha/config.XXXXXX (0600, removed after use)", content: joinConfig }],
    });
    const registered = add({
      host: h.name, runsOn: first.name, phase: "await-node",
      description: `on ${first.name}: wait until Node ${h.name} registers; on delete, drain it first`,
      script: fillTemplate("await-node", { NODE_NAME: h.name, ATTEMPTS: 60 }),
      deleteScript: fillTemplate("drain-node", { NODE_NAME: h.name }),
      after: [join],
    });
    return { join, registered };
  };
  let previous: string[] = [];
  const cpDone: string[] = [];
  for (const cp of joining) {
    const { registered } = joinNode(cp, previous);
    previous = [registered];
    cpDone.push(registered);
  }
  const workersDone = spec.workers.map((w) => joinNode(w, []).registered);

  // 4. Verify: nodes Ready and etcd quorum.
  const quorum = quorumOf(etcdMemberCount(spec));
  add({
    host: first.name, phase: "verify",
    description: `wait for ${kubeNodes.length} nodes Ready, check etcd quorum (${quorum.quorum} of ${quorum.members})`,
    script: fillTemplate("verify", {
      EXPECTED_NODES: kubeNodes.map((n) => n.name).join(" "), ETCD_MODE: spec.etcd.mode, ETCD_QUORUM: quorum.quorum,
      ATTEMPTS: 120,
    }),
    after: [...(cni ? [cni] : []), ...cpDone, ...workersDone],
    // Verify runs again whenever the set of nodes changes.
    replaceOn: kubeNodes.map((n) => n.name),
  });
  return { steps };
}

