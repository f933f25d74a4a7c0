import { z } from "zod";
import { ConfigKeyName, DefaultedKeyName, findKey } from "./keys";

/** A host as written in config; `privateAddress` and `interface` are filled in by the spec. */
export const hostSchema = z.strictObject({
  name: z.string(),
  address: z.string(),
  privateAddress: z.string().optional(),
  interface: z.string().optional(),
  hostKey: z.string().optional(),
});

/** The optional SSH jump host (`bastion`). */
export const bastionSchema = z.strictObject({
  host: z.string(),
  user: z.string().optional(),
  port: z.number().int().optional(),
  hostKey: z.string().optional(),
});

/** Instance type overrides per role (`instanceTypes`, aws). */
export const instanceTypesSchema = z
  .strictObject({ loadBalancer: z.string(), controlPlane: z.string(), worker: z.string(), etcd: z.string() })
  .partial();

/** The fields a host entry may have, in schema order. */
export const HOST_FIELDS = hostSchema.keyof().options;

/** The host fields every entry must have. */
export const REQUIRED_HOST_FIELDS = HOST_FIELDS.filter(
  (field) => !hostSchema.shape[field].safeParse(undefined).success,
);

/**
 * Seconds as a number: Pulumi hands `pulumi config set KEY 0.3` over as the text "0.3", a stack
 * file's YAML as a number. Only plain decimal text is read; anything else stays text, and is refused.
 */
const secondsSchema = z.preprocess(
  (v) => (typeof v === "string" && /^\d{1,4}(\.\d{1,4})?$/.test(v) ? Number(v) : v),
  z.number(),
);

// The value type of every key of the contract. Whether a key may be unset is not written here: it
// follows from keys.ts (no default = may be unset), and `satisfies` keeps these names equal to its names.
const VALUE_TYPES = {
  platform: z.string(),
  kubernetesVersion: z.string(),
  podNetworkCidr: z.string(),
  serviceCidr: z.string(),
  apiPort: z.number().int(),
  cni: z.string(),
  sshUser: z.string(),
  sshPrivateKey: z.string(),
  sshPort: z.number().int(),
  bastion: bastionSchema,
  vip: z.string(),
  vipInterface: z.string(),
  virtualRouterId: z.number().int(),
  vrrpAdvertInterval: secondsSchema,
  loadBalancers: z.array(hostSchema),
  controlPlanes: z.array(hostSchema),
  workers: z.array(hostSchema),
  externalEtcdEndpoints: z.array(z.string()),
  etcdHosts: z.array(hostSchema),
  etcdCount: z.number().int(),
  clusterName: z.string(),
  loadBalancerMode: z.string(),
  vpcCidr: z.string(),
  vpcId: z.string(),
  subnetIds: z.array(z.string()),
  availabilityZoneCount: z.number().int(),
  ami: z.string(),
  instanceTypes: instanceTypesSchema,
  controlPlaneCount: z.number().int(),
  workerCount: z.number().int(),
  rootVolumeSizeGb: z.number().int(),
  sshPublicKey: z.string(),
  sshAllowedCidrs: z.array(z.string()),
  apiAllowedCidrs: z.array(z.string()),
  allowOpenCidrs: z.boolean(),
  publicApi: z.boolean(),
  etcdSnapshotInterval: z.string(),
  etcdSnapshotRetention: z.number().int(),
  etcdSnapshotBucket: z.string(),
  upgradeMaxUnavailable: z.number().int(),
} satisfies Record<ConfigKeyName, z.ZodType>;

type ValueTypes = typeof VALUE_TYPES;

/** The config shape: a key without a default in the contract is optional. */
type ConfigShape = {
  [K in keyof ValueTypes]: K extends DefaultedKeyName ? ValueTypes[K] : z.ZodOptional<ValueTypes[K]>;
};

/** Makes optional every key the contract gives no default (defaults are applied before the shape check). */
function withContractOptionality(types: ValueTypes): ConfigShape {
  const shape: Record<string, z.ZodType> = {};
  // Insertion order is VALUE_TYPES' order, which is the order zod reports issues in.
  for (const [name, type] of Object.entries(types))
    shape[name] = findKey(name)?.default === undefined ? type.optional() : type;
  // The loop builds exactly the mapped type; TypeScript cannot follow a loop over keys.
  return shape as ConfigShape;
}

/** The shape (types only) of the config; ranges and relations are checked by the `validate-*.ts` validators. */
export const rawConfigSchema = z.object(withContractOptionality(VALUE_TYPES));

/** Config after the shape check. */
export type RawConfig = z.infer<typeof rawConfigSchema>;
/** A host entry after the shape check. */
export type RawHost = z.infer<typeof hostSchema>;
