import { etcdClientUrl } from "../../core/config/validate-etcd";
import { Lab } from "../lab";
import { LabError } from "../lib/errors";
import { runAsync } from "../lib/sh";
import { pollUntil } from "../lib/time";
import { inNs } from "../net/netns";
import { LabHost } from "../net/topology";
import { etcdctlArgv } from "./daemons";

/** One etcd host's answer to `etcdctl endpoint status` (hex member id, leader or not). */
export interface EndpointView {
  readonly host: LabHost;
  readonly id: string;
  readonly isLeader: boolean;
}

const urlOf = (h: LabHost): string => etcdClientUrl({ privateAddress: h.address });

/** etcdctl in `from`'s namespace with the api-server's client certificate; its stdout, or undefined on failure. */
async function etcdctl(
  lab: Lab,
  from: LabHost,
  endpoints: readonly LabHost[],
  args: readonly string[],
): Promise<string | undefined> {
  const [cmd, ...rest] = inNs(from.ns, etcdctlArgv(lab.paths, endpoints.map(urlOf), args));
  const r = await runAsync(cmd, rest, 8_000);
  // etcdctl 3.4 prints `endpoint health` on stderr, the rest on stdout.
  return r.code === 0 ? `${r.stdout}${r.stderr}` : undefined;
}

/** `endpoint status` of each of `hosts` that answers (etcdctl's simple format: endpoint, id, version, size, leader, ...). */
export async function endpointViews(lab: Lab, hosts: readonly LabHost[]): Promise<EndpointView[]> {
  const views = await Promise.all(
    hosts.map(async (h) => {
      const out = await etcdctl(lab, h, [h], ["endpoint", "status", "-w", "simple"]);
      const cols = out?.trim().split(", ") ?? [];
      return cols.length >= 5 ? { host: h, id: cols[1], isLeader: cols[4] === "true" } : undefined;
    }),
  );
  return views.filter((v): v is EndpointView => v !== undefined);
}

/** How many of `hosts` answer `endpoint health` (a committed proposal: they see a leader). */
export async function healthyCount(lab: Lab, hosts: readonly LabHost[]): Promise<number> {
  const answers = await Promise.all(hosts.map((h) => etcdctl(lab, h, [h], ["endpoint", "health"])));
  return answers.filter((a) => a !== undefined && / is healthy/.test(a)).length;
}

/** The etcd host that leads, as the members report it. */
export async function etcdHostLeader(lab: Lab, hosts: readonly LabHost[]): Promise<LabHost | undefined> {
  return (await endpointViews(lab, hosts)).find((v) => v.isLeader)?.host;
}

/** Makes `to` the etcd leader (`etcdctl move-leader` against every live member); resolves once it leads. */
export async function makeEtcdHostLeader(lab: Lab, to: LabHost, alive: readonly LabHost[]): Promise<void> {
  const views = await endpointViews(lab, alive);
  const target = views.find((v) => v.host === to);
  if (!target) throw new LabError(`etcd on ${to.name} does not answer endpoint status`);
  if (target.isLeader) return;
  const out = await etcdctl(lab, to, alive, ["move-leader", target.id]);
  if (out === undefined) throw new LabError(`etcdctl move-leader to ${to.name} failed`);
  await pollUntil(
    `${to.name} to lead etcd`,
    async () => ((await etcdHostLeader(lab, alive)) === to ? true : undefined),
    { timeoutMs: 5_000, intervalMs: 100 },
  );
}
