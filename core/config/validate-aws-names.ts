/**
 * Shapes of the AWS strings (region, cluster name, instance types, AMI id, SSH public key), so a
 * typo fails before any resource exists instead of in the middle of an apply. Pure.
 */
import { hostKeyProblem } from "../lib/ssh-host-key";
import { Architecture } from "./aws";
import { show } from "./problems";
import { Report } from "./report";

// Region names: `<area>[-<qualifier>]-<direction>-<n>` (us-east-1, us-gov-west-1, cn-northwest-1,
// us-isob-east-1, eusc-de-east-1); see the AWS "Regions and Zones" list.
const REGION =
  /^[a-z]{2,4}(?:-[a-z]{2,5})?-(?:central|north|south|east|west|northeast|northwest|southeast|southwest)-[1-9]\d?$/;
// An availability zone (eu-west-1a) or Local Zone (us-east-1-bos-1a) given where a region belongs.
const ZONE = /^([a-z]{2,4}(?:-[a-z]{2,5})?-[a-z]+-[1-9]\d?)(?:[a-z]|-[a-z0-9-]+)$/;

/** `aws:region`: required on aws, and a region name (not a zone). */
export function checkRegion(region: unknown, report: Report): string | undefined {
  if (region === undefined || region === "") {
    report(["aws:region"], "is required on aws: `pulumi config set aws:region eu-west-1`");
    return undefined;
  }
  if (typeof region === "string" && REGION.test(region)) return region;
  const zone = typeof region === "string" ? ZONE.exec(region) : null;
  report(
    ["aws:region"],
    zone && REGION.test(zone[1])
      ? `${show(region)} is an availability zone; the region is ${show(zone[1])}`
      : `${show(region)} is not an AWS region name such as "eu-west-1" or "us-gov-west-1"`,
  );
  return undefined;
}

// DNS-label-like and short: it prefixes AWS names and tags (`<clusterName>-cp1-root`) and forms
// the tag key `kubernetes.io/cluster/<clusterName>` that Kubernetes cloud integrations read.
const CLUSTER_NAME = /^[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

/** `clusterName`: 1-32 lowercase letters, digits and `-`, starting with a letter, not ending with `-`. */
export function checkClusterName(name: string, report: Report): void {
  if (!CLUSTER_NAME.test(name)) {
    report(
      ["clusterName"],
      `${show(name)} is not a cluster name: 1-32 lowercase letters, digits and "-", starting with a letter and not ending with "-" (e.g. "prod-eu")`,
    );
  }
}

// AMI ids are `ami-` and 8 (older) or 17 hex digits.
const AMI = /^ami-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/** `ami`: an AMI id shape; the image itself is looked up before validation (see validate-aws.ts). */
export function checkAmiId(ami: string | undefined, report: Report): void {
  if (ami !== undefined && !AMI.test(ami))
    report(["ami"], `${show(ami)} is not an AMI id such as "ami-0abcdef1234567890" ("ami-" and 8 or 17 hex digits)`);
}

// <family><generation><attributes>[-<option>].<size>: t3.medium, c6gn.16xlarge, m7i-flex.large,
// x2iedn.metal, is4gen.medium; plus the high-memory `u-6tb1.metal` family.
const INSTANCE_TYPE =
  /^(?:([a-z]+)(\d+)([a-z]*)(?:-[a-z0-9]+)?|u-\d+tb\d)\.(?:nano|micro|small|medium|large|xlarge|[1-9]\d{0,2}xlarge|metal(?:-\d+xl)?)$/;

/** What an instance type name says: its architecture, or why it is refused. */
export type InstanceTypeShape = { readonly architecture: Architecture } | { readonly problem: string };

/**
 * Reads an instance type name. Graviton (arm64) types carry a `g` in their attributes (t4g, m7g,
 * c6gn, im4gn, is4gen) or are the a1 family; every other EC2 Linux type is x86_64.
 */
export function instanceTypeShape(type: string): InstanceTypeShape {
  const m = INSTANCE_TYPE.exec(type);
  if (!m) return { problem: `${show(type)} is not an EC2 instance type name such as "t3.medium" or "m7g.large"` };
  const [, family, , attributes] = m;
  // Mac instances run macOS on dedicated hosts only.
  if (family === "mac")
    return {
      problem: `${show(type)} is a Mac instance (dedicated hosts, macOS); use a Linux type such as "m7i.large"`,
    };
  return { architecture: family === "a" || (attributes ?? "").includes("g") ? "arm64" : "x86_64" };
}

/** Instance types whose memory is below what a control plane with etcd needs (kubeadm's floor is 1.7 GB). */
const TOO_SMALL_FOR_CONTROL_PLANE = /^[a-z]+\d+[a-z]*\.(?:nano|micro|small)$/;

/**
 * `instanceTypes`: each a type name, a control plane of at least `medium`, and one architecture
 * for all roles (one AMI serves every instance). Returns that architecture when all are valid.
 */
export function checkInstanceTypes(
  types: Readonly<Record<"loadBalancer" | "controlPlane" | "worker" | "etcd", string>>,
  roles: readonly ("loadBalancer" | "controlPlane" | "worker" | "etcd")[],
  report: Report,
): Architecture | undefined {
  const archOf = new Map<string, Architecture>();
  for (const role of roles) {
    const shape = instanceTypeShape(types[role]);
    if ("problem" in shape) report(["instanceTypes", role], shape.problem);
    else archOf.set(role, shape.architecture);
  }
  if (roles.includes("controlPlane") && TOO_SMALL_FOR_CONTROL_PLANE.test(types.controlPlane)) {
    report(
      ["instanceTypes", "controlPlane"],
      `${show(types.controlPlane)} is too small for a control plane (etcd and the api-server need 2 vCPU and more than 2 GiB); use t3.medium or larger`,
    );
  }
  const arches = new Set(archOf.values());
  if (arches.size > 1) {
    const list = [...archOf]
      .map(([role, arch]) => `${role} ${show(types[role as keyof typeof types])} is ${arch}`)
      .join(", ");
    report(
      ["instanceTypes"],
      `mixes architectures (${list}): one AMI serves every instance, so use one architecture for all roles`,
    );
    return undefined;
  }
  return archOf.size === roles.length ? [...arches][0] : undefined;
}

/** The AMI override against the instance types: it must exist and match their architecture. */
export function checkAmiArchitecture(
  ami: { readonly id: string; readonly architecture?: string },
  architecture: Architecture,
  region: string,
  report: Report,
): void {
  if (ami.architecture === undefined)
    report(["ami"], `${show(ami.id)} was not found in ${region} (AMIs are regional: copy it, or pick the region's id)`);
  else if (ami.architecture !== architecture) {
    report(
      ["ami"],
      `${show(ami.id)} is an ${ami.architecture} image but instanceTypes are ${architecture}; pick an ${architecture} AMI or matching instance types`,
    );
  }
}

// EC2 imports RSA and ED25519 public keys only (ImportKeyPair): `<type> <base64> [comment]`, one line.
const PUBLIC_KEY = /^(ssh-ed25519|ssh-rsa) (\S+)(?: [^\r\n]*)?$/;

/** `sshPublicKey`: required, one complete OpenSSH ED25519 or RSA public key on one line. */
export function checkSshPublicKey(key: string | undefined, report: Report): void {
  const hint = `the public half of sshPrivateKey, one line "ssh-ed25519 AAAA... comment" (EC2 imports ED25519 and RSA keys)`;
  if (key === undefined || key === "") {
    report(["sshPublicKey"], `is required on aws: ${hint}`);
    return;
  }
  const m = PUBLIC_KEY.exec(key);
  // The key material is checked as a pinned host key is: same wire format (RFC 4253, RFC 8709).
  const problem = m ? hostKeyProblem(`${m[1]} ${m[2]}`) : "is not an OpenSSH public key";
  if (problem) report(["sshPublicKey"], `${show(key)} ${problem}: ${hint}`);
}
