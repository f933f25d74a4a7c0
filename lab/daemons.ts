import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, startDaemon } from "./lib/daemon";
import { LabHost, LabTopology } from "./net/topology";
import { LabCert } from "./tls";

/** Where one run keeps its files. */
export interface LabPaths {
  /** Repository root (cwd of node children). */
  readonly repo: string;
  /** Work folder. */
  readonly work: string;
  /** Daemon logs. */
  readonly logs: string;
}

const ETCD_CLIENT = 2379;
const ETCD_PEER = 2380;

/** Folder of one host's files. */
export function hostDir(p: LabPaths, h: LabHost): string {
  const dir = join(p.work, h.name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * A REAL etcd member (Debian's etcd 3.4) as kubeadm's stacked etcd: one per control plane, static
 * initial cluster, plain HTTP inside the lab network (kubeadm uses TLS; the lab does not test it).
 * Restarting with the same data dir rejoins the existing cluster.
 */
export function startEtcd(p: LabPaths, t: LabTopology, cp: LabHost, token: string): Daemon {
  const cluster = t.cps.map((c) => `${c.name}=http://${c.address}:${ETCD_PEER}`).join(",");
  return startDaemon({
    name: `etcd@${cp.name}`,
    ns: cp.ns,
    logFile: join(p.logs, `etcd-${cp.name}.log`),
    argv: [
      "etcd", "--name", cp.name, "--data-dir", join(hostDir(p, cp), "etcd-data"),
      "--listen-client-urls", `http://${cp.address}:${ETCD_CLIENT},http://127.0.0.1:${ETCD_CLIENT}`,
      "--advertise-client-urls", `http://${cp.address}:${ETCD_CLIENT}`,
      "--listen-peer-urls", `http://${cp.address}:${ETCD_PEER}`,
      "--initial-advertise-peer-urls", `http://${cp.address}:${ETCD_PEER}`,
      "--initial-cluster", cluster, "--initial-cluster-state", "new", "--initial-cluster-token", token,
      "--logger", "zap", "--log-outputs", "stderr",
    ],
  });
}

/** The api-server stand-in of one control plane (lab/apiserver-standin.ts). */
export function startStandin(p: LabPaths, t: LabTopology, cp: LabHost, cert: LabCert): Daemon {
  return startDaemon({
    name: `apiserver-standin@${cp.name}`,
    ns: cp.ns,
    cwd: p.repo,
    logFile: join(p.logs, `apiserver-standin-${cp.name}.log`),
    argv: [process.execPath, "--import", "tsx", join(p.repo, "lab", "apiserver-standin.ts"),
      "--name", cp.name, "--port", String(t.spec.apiPort), "--cert", cert.certFile, "--key", cert.keyFile],
  });
}

/** Writes one LB's haproxy.cfg and keepalived.conf (0600: it holds auth_pass); returns their paths. */
export function writeLbConfigs(p: LabPaths, lb: LabHost, haproxyCfg: string, keepalivedConf: string): { haproxy: string; keepalived: string } {
  const dir = hostDir(p, lb);
  const haproxy = join(dir, "haproxy.cfg");
  const keepalived = join(dir, "keepalived.conf");
  writeFileSync(haproxy, haproxyCfg, { mode: 0o644 });
  writeFileSync(keepalived, keepalivedConf, { mode: 0o600 });
  chmodSync(keepalived, 0o600);
  return { haproxy, keepalived };
}

/**
 * REAL HAProxy from Debian, started as Debian's unit does (`-Ws -f CFG -p PIDFILE`), in a private
 * /run (tmpfs in the process's own mount namespace) so the two LBs do not share the rendered
 * `/run/haproxy/admin.sock`.
 */
export function startHaproxy(p: LabPaths, lb: LabHost): Daemon {
  const dir = hostDir(p, lb);
  return startDaemon({
    name: `haproxy@${lb.name}`,
    ns: lb.ns,
    logFile: join(p.logs, `haproxy-${lb.name}.log`),
    argv: ["sh", "-c", 'mount -t tmpfs -o mode=0755,size=1m kha-run /run && mkdir -m 0755 /run/haproxy && exec "$@"', "sh",
      "haproxy", "-Ws", "-f", join(dir, "haproxy.cfg"), "-p", join(dir, "haproxy.pid")],
  });
}

/** REAL keepalived from Debian, in the foreground as Debian's unit runs it, with its own pid files. */
export function startKeepalived(p: LabPaths, lb: LabHost): Daemon {
  const dir = hostDir(p, lb);
  return startDaemon({
    name: `keepalived@${lb.name}`,
    ns: lb.ns,
    logFile: join(p.logs, `keepalived-${lb.name}.log`),
    argv: ["keepalived", "--dont-fork", "--log-console", "--log-detail", "-f", join(dir, "keepalived.conf"),
      "--pid", join(dir, "keepalived.pid"), "--vrrp_pid", join(dir, "keepalived-vrrp.pid"), "--checkers_pid", join(dir, "keepalived-checkers.pid")],
  });
}
