import { ClusterSpec, HostSpec } from "../../config/types";
import { stepOf } from "../lookup";
import { InstalledFile, PlanStep } from "../plan-step";
import { timerUnits, TimerUnits, UNIT_DIR } from "../systemd";
import { fillTemplate, stepScript } from "../template";
import { RUNTIME_ENDPOINT } from "./certificates";
import { PhaseContext, peerUrl, step } from "./context";

/** systemd unit name of the snapshot service and timer. */
export const ETCD_SNAPSHOT_UNIT = "kubeadm-ha-etcd-snapshot";
/** Where snapshots are kept on each control plane (0700, files 0600). */
export const SNAPSHOT_DIR = "/var/lib/kubeadm-ha/etcd-snapshots";
/** Where etcdctl/etcdutl copied out of the etcd container are kept. */
export const ETCD_TOOLS_DIR = "/usr/local/lib/kubeadm-ha/etcd";
/** The script the service runs (from `core/scripts/save-etcd-snapshot.sh`). */
export const SAVE_SNAPSHOT_PATH = "/usr/local/sbin/kubeadm-ha-save-etcd-snapshot";
/** The restore script, run by hand after a loss of quorum (from `core/scripts/etcd-restore.sh`). */
export const ETCD_RESTORE_PATH = "/usr/local/sbin/kubeadm-ha-etcd-restore";
/** kubeadm's etcd certificates and data directory (stacked etcd). */
const ETCD_PKI_DIR = "/etc/kubernetes/pki/etcd";
const ETCD_DATA_DIR = "/var/lib/etcd";

/** The service and timer: a snapshot every `interval`, the first one 15 minutes after boot. */
export function etcdSnapshotUnits(spec: Pick<ClusterSpec, "etcdSnapshots">): TimerUnits {
  const { interval, retention } = spec.etcdSnapshots;
  return timerUnits({
    name: ETCD_SNAPSHOT_UNIT,
    description: `kubeadm-ha: save and verify an etcd snapshot every ${interval}, keep ${retention}`,
    script: SAVE_SNAPSHOT_PATH,
    timeout: "15min",
    // Monotonic: every `interval` after the last run, whatever the wall clock (any span, not only divisors of a day).
    schedule: [
      ["OnBootSec", "15min"],
      ["OnUnitActiveSec", interval],
      ["AccuracySec", "1min"],
    ],
  });
}

/** `name=https://address:2380,...`: every stacked member as kubeadm names it (node name, peer URL). */
export function initialCluster(spec: Pick<ClusterSpec, "controlPlanes">): string {
  return spec.controlPlanes.map((cp) => `${cp.name}=${peerUrl(cp)}`).join(",");
}

/**
 * Each control plane with stacked etcd, once it has joined: the snapshot timer and the restore
 * script (installed for a loss of quorum, never run by Pulumi). With `etcdHosts`, each etcd host
 * once its member runs: the timer, local snapshots only (no restore script: that one stops and
 * starts api-servers on its own host). Nothing with `externalEtcdEndpoints` (an etcd run elsewhere).
 */
export function etcdSnapshots(ctx: PhaseContext): PlanStep[] {
  const { spec } = ctx;
  if (spec.etcdHosts.length > 0)
    return spec.etcdHosts.map((h) =>
      snapshotStep(spec, h, stepOf(ctx.before, "etcd-member", h.name).id, { s3: undefined, restore: false }),
    );
  if (spec.etcd.mode !== "stacked") return [];
  return spec.controlPlanes.map((cp, index) => {
    const joined = stepOf(ctx.before, index === 0 ? "kubeadm-init" : "kubeadm-join", cp.name);
    return snapshotStep(spec, cp, joined.id, { s3: spec.etcdSnapshots.s3, restore: true });
  });
}

/** Where an etcd member's snapshots go besides its disk, and whether it gets the restore script. */
interface SnapshotTarget {
  /** The bucket and prefix every snapshot is copied to, if any. */
  readonly s3: ClusterSpec["etcdSnapshots"]["s3"];
  /** Install the restore script (a control plane: it also stops and starts the api-server). */
  readonly restore: boolean;
}

/** One etcd member's snapshot step, after `after` (its init, join or member step). */
function snapshotStep(spec: ClusterSpec, h: HostSpec, after: string, { s3, restore }: SnapshotTarget): PlanStep {
  const units = etcdSnapshotUnits(spec);
  const save = saveScript(spec, h, s3);
  const restoreScriptText = restore ? restoreScript(spec, h) : undefined;
  const files: InstalledFile[] = [
    { path: `${UNIT_DIR}/${ETCD_SNAPSHOT_UNIT}.service`, content: units.service, mode: "0644" },
    { path: `${UNIT_DIR}/${ETCD_SNAPSHOT_UNIT}.timer`, content: units.timer, mode: "0644" },
    { path: SAVE_SNAPSHOT_PATH, content: save, mode: "0700" },
    ...(restoreScriptText
      ? [
          {
            path: ETCD_RESTORE_PATH,
            content: restoreScriptText,
            mode: "0700",
            note: "run by hand after a loss of quorum (README: Certificates and etcd snapshots), never by Pulumi",
          },
        ]
      : []),
  ];
  const { interval, retention } = spec.etcdSnapshots;
  return step({
    host: h.name,
    phase: "etcd-snapshot",
    description: restoreScriptText
      ? `etcd snapshot every ${interval}, keep ${retention}` +
        `${s3 ? `, copy to s3://${s3.bucket}/${s3.prefix}/` : ""}; install the restore script; take the first snapshot now`
      : `etcd snapshot every ${interval}, keep ${retention} in ${SNAPSHOT_DIR}; take the first snapshot now`,
    run: stepScript("etcd-snapshot", {
      UNIT_NAME: ETCD_SNAPSHOT_UNIT,
      SERVICE_UNIT: units.service,
      TIMER_UNIT: units.timer,
      SAVE_SCRIPT: save,
      SAVE_SCRIPT_PATH: SAVE_SNAPSHOT_PATH,
      RESTORE_SCRIPT: restoreScriptText ?? "none",
      RESTORE_SCRIPT_PATH: restoreScriptText ? ETCD_RESTORE_PATH : "none",
      NEEDS_AWS_CLI: String(s3 !== undefined),
    }),
    deleteScript: fillTemplate("remove-timer", {
      UNIT_NAME: ETCD_SNAPSHOT_UNIT,
      FILES: restoreScriptText ? `${SAVE_SNAPSHOT_PATH} ${ETCD_RESTORE_PATH}` : SAVE_SNAPSHOT_PATH,
    }),
    after: [after],
    files,
  });
}

/** The snapshot script of one etcd member, copying to `s3` when given. */
function saveScript(spec: ClusterSpec, cp: HostSpec, s3: SnapshotTarget["s3"]): string {
  return fillTemplate("save-etcd-snapshot", {
    NODE_NAME: cp.name,
    SNAPSHOT_DIR,
    TOOLS_DIR: ETCD_TOOLS_DIR,
    RETENTION: spec.etcdSnapshots.retention,
    S3_URI: s3 ? `s3://${s3.bucket}/${s3.prefix}/${cp.name}/` : "none",
    RUNTIME_ENDPOINT,
    ETCD_ENDPOINT: "https://127.0.0.1:2379",
    PKI_DIR: ETCD_PKI_DIR,
  });
}

/** The restore script of one control plane: its member name and peer URL, every member, kubeadm's paths. */
function restoreScript(spec: ClusterSpec, cp: HostSpec): string {
  return fillTemplate("etcd-restore", {
    MEMBER_NAME: cp.name,
    PEER_URL: peerUrl(cp),
    INITIAL_CLUSTER: initialCluster(spec),
    TOOLS_DIR: ETCD_TOOLS_DIR,
    SNAPSHOT_DIR,
    DATA_DIR: ETCD_DATA_DIR,
    MANIFESTS_DIR: "/etc/kubernetes/manifests",
    HELD_DIR: "/etc/kubernetes/kubeadm-ha/restore-held",
    PKI_DIR: ETCD_PKI_DIR,
    RUNTIME_ENDPOINT,
    API_PORT: spec.apiServerPort,
  });
}
