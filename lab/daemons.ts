import { chmodSync, existsSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { etcdClientUrl } from "../core/config/validate-etcd";
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
 * A REAL etcd member (Debian's etcd 3.4) on `h`, the one way the lab starts etcd: static initial
 * cluster of `members`, pre-vote on as in etcd 3.5. With `tlsDir` (kubeadm's file names: ca.crt,
 * server.*, peer.*) it runs the flags kubeadm's `etcd local` phase gives a member: client and peer
 * TLS with client-certificate auth, one CA; without, plain HTTP inside the lab network.
 * Restarting with the same data dir rejoins the existing cluster.
 */
export function startEtcdMember(
  p: LabPaths,
  h: LabHost,
  members: readonly LabHost[],
  token: string,
  tlsDir?: string,
): Daemon {
  const scheme = tlsDir ? "https" : "http";
  const cluster = members.map((m) => `${m.name}=${scheme}://${m.address}:${ETCD_PEER}`).join(",");
  const clientUrl = tlsDir ? etcdClientUrl({ privateAddress: h.address }) : `http://${h.address}:${ETCD_CLIENT}`;
  const local = `${scheme}://127.0.0.1:${ETCD_CLIENT}`;
  const tls = tlsDir
    ? [
        "--client-cert-auth=true",
        "--trusted-ca-file",
        join(tlsDir, "ca.crt"),
        "--cert-file",
        join(tlsDir, "server.crt"),
        "--key-file",
        join(tlsDir, "server.key"),
        "--peer-client-cert-auth=true",
        "--peer-trusted-ca-file",
        join(tlsDir, "ca.crt"),
        "--peer-cert-file",
        join(tlsDir, "peer.crt"),
        "--peer-key-file",
        join(tlsDir, "peer.key"),
      ]
    : [];
  return startDaemon({
    name: `etcd@${h.name}`,
    ns: h.ns,
    logFile: join(p.logs, `etcd-${h.name}.log`),
    argv: [
      "etcd",
      "--name",
      h.name,
      "--data-dir",
      join(hostDir(p, h), "etcd-data"),
      "--listen-client-urls",
      // The order each variant has always had (it shows in the member's log).
      tlsDir ? `${local},${clientUrl}` : `${clientUrl},${local}`,
      "--advertise-client-urls",
      clientUrl,
      "--listen-peer-urls",
      `${scheme}://${h.address}:${ETCD_PEER}`,
      "--initial-advertise-peer-urls",
      `${scheme}://${h.address}:${ETCD_PEER}`,
      "--initial-cluster",
      cluster,
      "--initial-cluster-state",
      "new",
      "--initial-cluster-token",
      token,
      ...tls,
      // kubeadm runs etcd 3.5, where pre-vote is on by default (etcd PR #12770): a member cut off and back does not unseat the leader.
      "--pre-vote=true",
      "--logger",
      "zap",
      "--log-outputs",
      "stderr",
    ],
  });
}

/**
 * A stacked etcd member, as kubeadm's: one per control plane, plain HTTP (kubeadm uses TLS; the
 * stacked lab does not test it, `--etcd external` does).
 */
export function startEtcd(p: LabPaths, t: LabTopology, cp: LabHost, token: string): Daemon {
  return startEtcdMember(p, cp, t.cps, token);
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
