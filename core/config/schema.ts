import { z } from "zod";
import { CONFIG_NAMESPACE } from "./keys";
import { Problem } from "./problems";

/** A host as written in config; `privateAddress` and `interface` are filled in by the spec. */
export const hostSchema = z.strictObject({
  name: z.string(),
  address: z.string(),
  privateAddress: z.string().optional(),
  interface: z.string().optional(),
  hostKey: z.string().optional(),
});

/** The shape (types only) of the config; ranges and relations are checked in `validate.ts`. */
export const rawConfigSchema = z.object({
  platform: z.string(),
  kubernetesVersion: z.string(),
  podNetworkCidr: z.string(),
  serviceCidr: z.string(),
  apiPort: z.number().int(),
  cni: z.string(),
  sshUser: z.string(),
  sshPrivateKey: z.string().optional(),
  sshPort: z.number().int(),
  bastion: z.strictObject({ host: z.string(), user: z.string().optional(), port: z.number().int().optional() }).optional(),
  vip: z.string().optional(),
  vipInterface: z.string(),
  virtualRouterId: z.number().int(),
  vrrpAdvertInterval: z.number().int(),
  loadBalancers: z.array(hostSchema).optional(),
  controlPlanes: z.array(hostSchema).optional(),
  workers: z.array(hostSchema),
  externalEtcdEndpoints: z.array(z.string()),
  clusterName: z.string(),
  loadBalancerMode: z.string(),
  vpcCidr: z.string(),
  vpcId: z.string().optional(),
  subnetIds: z.array(z.string()),
  availabilityZoneCount: z.number().int(),
  ami: z.string().optional(),
  instanceTypes: z.strictObject({ loadBalancer: z.string(), controlPlane: z.string(), worker: z.string() }).partial(),
  controlPlaneCount: z.number().int(),
  workerCount: z.number().int(),
  rootVolumeSizeGb: z.number().int(),
  sshPublicKey: z.string().optional(),
  sshAllowedCidrs: z.array(z.string()).optional(),
  apiAllowedCidrs: z.array(z.string()).optional(),
  allowOpenCidrs: z.boolean(),
  publicApi: z.boolean(),
});

/** Config after the shape check. */
export type RawConfig = z.infer<typeof rawConfigSchema>;
/** A host entry after the shape check. */
export type RawHost = z.infer<typeof hostSchema>;

/** Formats a config path like `controlPlanes[1].address` under the namespace. */
export function keyPath(path: readonly PropertyKey[]): string {
  // A first part with its own namespace (`aws:region`) is a full key already.
  const full = typeof path[0] === "string" && path[0].includes(":");
  let out = full ? "" : CONFIG_NAMESPACE + ":";
  path.forEach((part, i) => {
    if (typeof part === "number") out += `[${part}]`;
    else out += (i === 0 ? "" : ".") + String(part);
  });
  return out;
}

/** Checks the shape; returns every shape problem with its key. */
export function parseShape(values: Record<string, unknown>): { config?: RawConfig; problems: Problem[] } {
  const result = rawConfigSchema.safeParse(values);
  if (result.success) return { config: result.data, problems: [] };
  const problems = result.error.issues.map((issue): Problem => {
    if (issue.code === "unrecognized_keys") {
      return { key: keyPath(issue.path), message: `unknown field(s) ${issue.keys.join(", ")}; valid fields are name, address, privateAddress, interface, hostKey (bastion: host, user, port; instanceTypes: loadBalancer, controlPlane, worker)` };
    }
    const got = valueAt(values, issue.path);
    return { key: keyPath(issue.path), message: `${issue.message} (got ${got === undefined ? "nothing" : JSON.stringify(got)})` };
  });
  return { problems };
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const part of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[part];
  }
  return cur;
}
