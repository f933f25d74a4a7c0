import { chmodSync, existsSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, startDaemon } from "./lib/daemon";
import { LabError } from "./lib/errors";
import { mustRun } from "./lib/sh";
import { assertLabNs } from "./net/netns";
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
 * initial cluster, pre-vote on as in etcd 3.5, plain HTTP inside the lab network (kubeadm uses TLS;
 * the lab does not test it).
 * Restarting with the same data dir rejoins the existing cluster.
 */
export function startEtcd(p: LabPaths, t: LabTopology, cp: LabHost, token: string): Daemon {
  const cluster = t.cps.map((c) => `${c.name}=http://${c.address}:${ETCD_PEER}`).join(",");
  return startDaemon({
    name: `etcd@${cp.name}`,
    ns: cp.ns,
    logFile: join(p.logs, `etcd-${cp.name}.log`),
    argv: [
      "etcd",
      "--name",
      cp.name,
      "--data-dir",
      join(hostDir(p, cp), "etcd-data"),
      "--listen-client-urls",
      `http://${cp.address}:${ETCD_CLIENT},http://127.0.0.1:${ETCD_CLIENT}`,
      "--advertise-client-urls",
      `http://${cp.address}:${ETCD_CLIENT}`,
      "--listen-peer-urls",
      `http://${cp.address}:${ETCD_PEER}`,
      "--initial-advertise-peer-urls",
      `http://${cp.address}:${ETCD_PEER}`,
      "--initial-cluster",
      cluster,
      "--initial-cluster-state",
      "new",
      "--initial-cluster-token",
      token,
      // kubeadm runs etcd 3.5, where pre-vote is on by default (etcd PR #12770): a member cut off and back does not unseat the leader.
      "--pre-vote=true",
      "--logger",
      "zap",
      "--log-outputs",
      "stderr",
    ],
  });
}

/** The api-server stand-in of one control plane (lab/apiserver-standin.ts); `extra`: more of its arguments. */
export function startStandin(
  p: LabPaths,
  t: LabTopology,
  cp: LabHost,
  cert: LabCert,
  extra: readonly string[] = [],
): Daemon {
  return startDaemon({
    name: `apiserver-standin@${cp.name}`,
    ns: cp.ns,
    cwd: p.repo,
    logFile: join(p.logs, `apiserver-standin-${cp.name}.log`),
    argv: [
      process.execPath,
      "--import",
      "tsx",
      join(p.repo, "lab", "apiserver-standin.ts"),
      "--name",
      cp.name,
      "--port",
      // The api-servers' port: apiPort behind the LB pair, apiPort + 1 when HAProxy shares the host (colocated).
      String(t.spec.apiServerPort),
      "--cert",
      cert.certFile,
      "--key",
      cert.keyFile,
      ...extra,
    ],
  });
}

/** The name HAProxy's processes carry on `lb` in the lab (its comm, what keepalived's `process` matches). */
export function labHaproxyName(lb: LabHost): string {
  return `haproxy-${lb.name}`;
}

/**
 * keepalived.conf as the lab runs it on `lb`: the installed file with one change, `process haproxy`
 * becomes `process haproxy-<lb>`. Both LBs' processes share this machine's one process table, so
 * each keepalived would otherwise count the other LB's HAProxy as its own (on a real host there is
 * one HAProxy); the lab runs each LB's HAProxy under that name (startHaproxy).
 */
export function labKeepalivedConf(conf: string, lb: LabHost): string {
  const lines = conf.split("\n");
  const at = lines.flatMap((l, i) => (/^\s*process haproxy$/.test(l) ? [i] : []));
  if (at.length !== 1)
    throw new LabError(`keepalived.conf of ${lb.name} has ${at.length} "process haproxy" lines; the lab expects one`);
  lines[at[0]] = lines[at[0]].replace(/haproxy$/, labHaproxyName(lb));
  return lines.join("\n");
}

/** Writes one LB's haproxy.cfg and keepalived.conf (the lab's process name in it, 0600); returns their paths. */
export function writeLbConfigs(
  p: LabPaths,
  lb: LabHost,
  haproxyCfg: string,
  keepalivedConf: string,
): { haproxy: string; keepalived: string } {
  const dir = hostDir(p, lb);
  const haproxy = join(dir, "haproxy.cfg");
  const keepalived = join(dir, "keepalived.conf");
  writeFileSync(haproxy, haproxyCfg, { mode: 0o644 });
  writeFileSync(keepalived, labKeepalivedConf(keepalivedConf, lb), { mode: 0o600 });
  chmodSync(keepalived, 0o600);
  return { haproxy, keepalived };
}

/**
 * REAL HAProxy from Debian, started as Debian's unit does (`-Ws -f CFG -p PIDFILE`), in a private
 * /run (tmpfs in the process's own mount namespace) so the two LBs do not share the rendered
 * `/run/haproxy/admin.sock`. It is exec'd through a link named {@link labHaproxyName}, which gives
 * its processes that name.
 */
export function startHaproxy(p: LabPaths, lb: LabHost): Daemon {
  const dir = hostDir(p, lb);
  const bin = join(dir, "bin");
  const link = join(bin, labHaproxyName(lb));
  if (!existsSync(link)) {
    mkdirSync(bin, { recursive: true });
    symlinkSync(realpathSync(mustRun("sh", ["-c", "command -v haproxy"]).trim()), link);
  }
  return startDaemon({
    name: `haproxy@${lb.name}`,
    ns: lb.ns,
    logFile: join(p.logs, `haproxy-${lb.name}.log`),
    argv: [
      "sh",
      "-c",
      'mount -t tmpfs -o mode=0755,size=1m kha-run /run && mkdir -m 0755 /run/haproxy && exec "$@"',
      "sh",
      link,
      "-Ws",
      "-f",
      join(dir, "haproxy.cfg"),
      "-p",
      join(dir, "haproxy.pid"),
    ],
  });
}

/**
 * REAL keepalived from Debian, in the foreground as Debian's unit runs it, with its own pid files.
 * It follows HAProxy through the kernel's process events, which the kernel sends only to sockets of
 * the initial network namespace: it starts in the lab's own namespace (nsenter) and moves itself
 * into the LB's (`--namespace`, keepalived's option for this) after opening that socket. Its
 * namespace support makes a folder under /run/keepalived: a private tmpfs there keeps it off the host.
 */
export function startKeepalived(p: LabPaths, lb: LabHost): Daemon {
  const dir = hostDir(p, lb);
  assertLabNs(lb.ns);
  const ownNetns = `/proc/${process.pid}/ns/net`;
  return startDaemon({
    name: `keepalived@${lb.name}`,
    ns: lb.ns,
    logFile: join(p.logs, `keepalived-${lb.name}.log`),
    argv: [
      "sh",
      "-c",
      `[ ! -d /run/keepalived ] || mount -t tmpfs -o mode=0755,size=1m kha-run-keepalived /run/keepalived; exec nsenter --net=${ownNetns} "$@"`,
      "sh",
      "keepalived",
      "--namespace",
      lb.ns,
      "--dont-fork",
      "--log-console",
      "--log-detail",
      "-f",
      join(dir, "keepalived.conf"),
      "--pid",
      join(dir, "keepalived.pid"),
      "--vrrp_pid",
      join(dir, "keepalived-vrrp.pid"),
      "--checkers_pid",
      join(dir, "keepalived-checkers.pid"),
    ],
  });
}
