import { AwsFacts, AwsSpec } from "./aws";
import { normalizeConfig } from "./normalize";
import { neutralise, parseShape } from "./parse-shape";
import { ConfigError, Problem } from "./problems";
import { keyAndParents, problemCollector, Report, Warn } from "./report";
import { RawConfig } from "./schema";
import { ClusterSpec } from "./types";
import { AwsContext, validateAws } from "./validate-aws";
import { validateCni, validatePlatform } from "./validate-choices";
import { boundCounts } from "./validate-counts";
import { etcdSnapshotSpec, validateDay2 } from "./validate-day2";
import { etcdSpec, validateEtcd } from "./validate-etcd";
import { apiServerPortOf, validateBareMetalMode } from "./validate-lb-mode";
import { validateHostClashes } from "./validate-host-clashes";
import { HostLists, validateBareMetalCounts, validateHosts } from "./validate-hosts";
import { validateNetworks, validatePodCapacity } from "./validate-networks";
import { validateBastion, validatePorts, validateSshKey, validateSshUser } from "./validate-ssh";
import { validateVersion } from "./validate-version";
import {
  Vip,
  validateVip,
  validateVipInterface,
  validateVipOnLbNetwork,
  validateVipOutsideNetworks,
  validateVrrp,
} from "./validate-vip";
// config → plan imports: the aws host layout and the late endpoint are pure plan values the spec holds.
import { awsLayout } from "../plan/aws-layout";
import { LATE } from "../plan/placeholders";

// Kept exported from here, where it has always been.
export { SUPPORTED_MINORS } from "./validate-version";

/** Facts known before validation (never resources): on aws, see {@link AwsFacts}. */
export interface SpecContext extends AwsFacts {
  /**
   * Full keys Pulumi marks secret (`pulumi config set --secret`); without it, a value is secret
   * only when it is a stack file's `{secure: ...}`. See {@link normalizeConfig}.
   */
  readonly secretKeys?: ReadonlySet<string>;
}

/**
 * Reads a config map (see {@link normalizeConfig}) into a {@link ClusterSpec}. Throws one
 * {@link ConfigError} that lists every problem; nothing is created before this returns.
 */
export function buildSpec(entries: Record<string, unknown>, context: SpecContext = {}): ClusterSpec {
  const normalized = normalizeConfig(entries, context.secretKeys);
  // Sizes first: a huge list or count is refused before it is parsed or laid out.
  const bounded = boundCounts(normalized.values);
  const shape = parseShape(bounded.values);
  const problems = [...normalized.problems, ...bounded.problems, ...shape.problems];
  // A shape error must not hide the rest: check the other keys on a copy with the bad parts neutralised.
  const config =
    shape.config ??
    parseShape(
      neutralise(
        bounded.values,
        shape.problems.map((p) => p.key),
      ),
    ).config;
  if (!config) throw new ConfigError(problems);
  const result = checkSemantics(config, { ...context, region: entries["aws:region"] });
  const reported = new Set(problems.map((p) => p.key));
  // One problem, one message: nothing more about a key (or its parts) already reported.
  for (const p of result.problems) if (!keyAndParents(p.key).some((k) => reported.has(k))) problems.push(p);
  if (problems.length > 0 || !result.spec) throw new ConfigError(problems);
  return { ...result.spec, warnings: [...normalized.warnings, ...result.spec.warnings] };
}

/** The hosts, the VIP and (on aws) the AWS settings, from the host lists or the aws layout. */
interface Placement {
  /** Hosts per role; empty while an aws setting is invalid. */
  readonly hosts: HostLists;
  /** The VIP: configured on bare metal, from the layout on aws. */
  readonly vip: Vip;
  /** AWS settings with `subnetOf` (aws only, when valid). */
  readonly aws?: AwsSpec;
}

/** Every semantic check, in the order problems are listed; the spec when there is none. */
function checkSemantics(c: RawConfig, context: AwsContext): { spec?: ClusterSpec; problems: Problem[] } {
  const { problems, report } = problemCollector();
  const warnings: string[] = [];
  const warn: Warn = (message) => warnings.push(message);
  const isAws = c.platform === "aws";

  validatePlatform(c, report);
  validateCni(c, report);
  validateSshKey(c, report);
  validateSshUser(c, report);
  const minor = validateVersion(c, report);
  validatePorts(c, report);
  validateVrrp(c, report);
  validateBastion(c, report);
  validateVipInterface(c, report);
  const nets = validateNetworks(c, report);
  const configuredVip = validateVip(c, report);
  const placed = isAws
    ? placeAwsHosts(c, context, configuredVip, report, warn)
    : placeBareMetalHosts(c, configuredVip, report, warn);
  validateHostClashes(placed.hosts, placed.vip, nets, report, isAws ? "aws" : "baremetal");
  if (!isAws) validateBareMetalMode(c, report, warn);
  if (!isAws) validateVipOnLbNetwork(c, placed.vip, placed.hosts, report);
  validateVipOutsideNetworks(placed.vip, nets, report);
  validatePodCapacity(c, nets.pod, placed.hosts.controlPlanes.length + placed.hosts.workers.length, report);
  validateEtcd(c, report, warn);
  validateDay2(c, report);

  if (problems.length > 0 || minor === undefined || (isAws && !placed.aws)) return { problems };
  return { problems, spec: assembleSpec(c, minor, placed, warnings) };
}

/** Bare metal: the listed hosts, checked, and their counts. */
function placeBareMetalHosts(c: RawConfig, vip: Vip, report: Report, warn: Warn): Placement {
  const hosts = validateHosts(c, report);
  validateBareMetalCounts(c, hosts, report, warn);
  return { hosts, vip };
}

/** aws: the checked settings, then the pure layout; no hosts while a setting is invalid. */
function placeAwsHosts(c: RawConfig, context: AwsContext, vip: Vip, report: Report, warn: Warn): Placement {
  const valid = validateAws(c, context, report, warn);
  if (!valid) return { hosts: { loadBalancers: [], controlPlanes: [], workers: [], etcdHosts: [] }, vip };
  const layout = awsLayout(valid.layout);
  // subnetOf goes right after subnets, where the spec has always had it.
  const { region, clusterName, vpc, subnets, ...rest } = valid.settings;
  return {
    hosts: {
      loadBalancers: layout.loadBalancers,
      controlPlanes: layout.controlPlanes,
      workers: layout.workers,
      etcdHosts: layout.etcdHosts,
    },
    vip: { address: layout.vip, prefixLength: layout.vipPrefixLength },
    aws: { region, clusterName, vpc, subnets, subnetOf: layout.subnetOf, ...rest },
  };
}

/** The ClusterSpec of a config that passed every check. */
function assembleSpec(c: RawConfig, minor: number, placed: Placement, warnings: string[]): ClusterSpec {
  return {
    platform: placed.aws ? "aws" : "baremetal",
    aws: placed.aws,
    kubernetesVersion: c.kubernetesVersion,
    kubernetesMinor: `1.${minor}`,
    kubeadmApiVersion: minor >= 31 ? "kubeadm.k8s.io/v1beta4" : "kubeadm.k8s.io/v1beta3",
    podNetworkCidr: c.podNetworkCidr,
    serviceCidr: c.serviceCidr,
    apiPort: c.apiPort,
    apiServerPort: apiServerPortOf(c.apiPort, c.loadBalancerMode),
    loadBalancerMode: placed.aws?.loadBalancerMode ?? (c.loadBalancerMode as ClusterSpec["loadBalancerMode"]),
    cni: c.cni as ClusterSpec["cni"],
    ssh: {
      user: c.sshUser,
      port: c.sshPort,
      bastion: c.bastion && {
        host: c.bastion.host,
        user: c.bastion.user ?? c.sshUser,
        port: c.bastion.port ?? 22,
        ...(c.bastion.hostKey !== undefined ? { hostKey: c.bastion.hostKey } : {}),
      },
    },
    vip: placed.vip.address,
    vipPrefixLength: placed.vip.prefixLength,
    virtualRouterId: c.virtualRouterId,
    vrrpAdvertInterval: c.vrrpAdvertInterval,
    // An NLB's DNS name exists only once it is created: a late value the Pulumi layer fills in.
    controlPlaneEndpoint: `${placed.aws?.loadBalancerMode === "nlb" ? LATE.controlPlaneHost : placed.vip.address}:${c.apiPort}`,
    loadBalancers: placed.hosts.loadBalancers,
    controlPlanes: placed.hosts.controlPlanes,
    workers: placed.hosts.workers,
    etcdHosts: placed.hosts.etcdHosts,
    etcd: etcdSpec(c.externalEtcdEndpoints, placed.hosts.etcdHosts),
    etcdSnapshots: etcdSnapshotSpec(c),
    upgradeMaxUnavailable: c.upgradeMaxUnavailable,
    warnings,
  };
}
