import { ClusterSpec, HostSpec } from "../../config/types";
import { stepOf } from "../lookup";
import { urnPlaceholder } from "../placeholders";
import { InstalledFile, PlanStep } from "../plan-step";
import { timerUnits, TimerUnits, UNIT_DIR } from "../systemd";
import { fillTemplate, stepScript } from "../template";
import { adminHost, PhaseContext, step } from "./context";

/** systemd unit name of the certificate check. */
export const CERT_RENEWAL_UNIT = "kubeadm-ha-cert-renewal";
/** Where the script the service runs is installed (from `core/scripts/renew-certs.sh`). */
export const RENEW_CERTS_PATH = "/usr/local/sbin/kubeadm-ha-renew-certs";
/** Renew when the earliest certificate has fewer days left than this. */
export const RENEW_BEFORE_DAYS = 30;
/** Below this many days a renewal no longer waits for the other api-servers to be ready. */
export const URGENT_DAYS = 7;
/** Static-pod manifests a renewal has moved out of the kubelet's folder while it restarts them. */
export const HELD_MANIFESTS_DIR = "/etc/kubernetes/kubeadm-ha/held-manifests";
/** The containerd socket crictl talks to (kubeadm's criSocket). */
export const RUNTIME_ENDPOINT = "unix:///run/containerd/containerd.sock";

/**
 * The UTC time of control plane `index`'s daily check: one hour apart (cp1 01:15, cp2 02:15, ...),
 * so no two control planes restart their api-servers at the same time; a run is bounded by
 * `TimeoutStartSec` (30 min) well inside its hour. Beyond 24 control planes the hours repeat.
 */
export function renewalTime(index: number): string {
  return `${String((1 + index) % 24).padStart(2, "0")}:15:00`;
}

/** The service and timer of control plane `index`. */
export function certRenewalUnits(index: number): TimerUnits {
  return timerUnits({
    name: CERT_RENEWAL_UNIT,
    description: `kubeadm-ha: renew the kubeadm certificates when fewer than ${RENEW_BEFORE_DAYS} days are left`,
    script: RENEW_CERTS_PATH,
    timeout: "30min",
    schedule: [
      ["OnCalendar", `*-*-* ${renewalTime(index)} UTC`],
      // No random delay: the fixed hour per control plane is what keeps the restarts apart.
      ["RandomizedDelaySec", 0],
      // A run missed while the host was off happens at boot (then it waits for the other api-servers).
      ["Persistent", "true"],
    ],
  });
}

/** Each control plane, once it has joined: the daily certificate check and renewal timer. */
export function certificateRenewal(ctx: PhaseContext): PlanStep[] {
  const { spec } = ctx;
  return spec.controlPlanes.map((cp, index) => {
    const joined =
      index === 0 ? stepOf(ctx.before, "kubeadm-init", cp.name) : stepOf(ctx.before, "kubeadm-join", cp.name);
    const units = certRenewalUnits(index);
    // The admin host's admin.conf is the `kubeconfig` output: its renewal says how to refresh it.
    const kubeconfigUrn =
      cp.name === adminHost(spec).name ? urnPlaceholder(stepOf(ctx.before, "admin-kubeconfig").id) : "none";
    const runScript = renewScript(spec, cp, kubeconfigUrn);
    const files: InstalledFile[] = [
      { path: `${UNIT_DIR}/${CERT_RENEWAL_UNIT}.service`, content: units.service, mode: "0644" },
      { path: `${UNIT_DIR}/${CERT_RENEWAL_UNIT}.timer`, content: units.timer, mode: "0644" },
      { path: RENEW_CERTS_PATH, content: runScript, mode: "0700" },
    ];
    return step({
      host: cp.name,
      phase: "cert-renewal",
      description: `daily at ${renewalTime(index)} UTC: kubeadm certs check-expiration; below ${RENEW_BEFORE_DAYS} days, renew all and restart the static pods one by one`,
      run: stepScript("cert-renewal", {
        UNIT_NAME: CERT_RENEWAL_UNIT,
        SERVICE_UNIT: units.service,
        TIMER_UNIT: units.timer,
        RUN_SCRIPT: runScript,
        RUN_SCRIPT_PATH: RENEW_CERTS_PATH,
      }),
      deleteScript: fillTemplate("remove-timer", { UNIT_NAME: CERT_RENEWAL_UNIT, FILES: RENEW_CERTS_PATH }),
      after: [joined.id],
      files,
    });
  });
}

/** The renewal script of one control plane. */
function renewScript(spec: ClusterSpec, cp: HostSpec, kubeconfigUrn: string): string {
  const peers = spec.controlPlanes.filter((o) => o !== cp).map((o) => o.privateAddress);
  return fillTemplate("renew-certs", {
    NODE_NAME: cp.name,
    RENEW_BEFORE_DAYS,
    URGENT_DAYS,
    PEER_ADDRESSES: peers.length > 0 ? peers.join(" ") : "none",
    API_PORT: spec.apiServerPort,
    STACKED_ETCD: String(spec.etcd.mode === "stacked"),
    KUBECONFIG_URN: kubeconfigUrn,
    MANIFESTS_DIR: "/etc/kubernetes/manifests",
    HELD_DIR: HELD_MANIFESTS_DIR,
    RUNTIME_ENDPOINT,
  });
}
