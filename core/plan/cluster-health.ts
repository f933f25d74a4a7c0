import { z } from "zod";

const count = z.number().int().nonnegative();

/** Characters of unparsable output quoted in the error. */
const EXCERPT = 80;

/** The one-line JSON report the verify step prints (`core/scripts/verify.sh`): the `clusterHealth` output. */
export const clusterHealthSchema = z.object({
  /** Each expected node and whether it is Ready. */
  nodes: z.array(z.object({ name: z.string(), ready: z.boolean() })),
  /** True when every expected node was Ready. */
  allNodesReady: z.boolean(),
  /** False with `cni: none`: nodes stay NotReady until a CNI is installed, and verify does not fail on that. */
  cniManaged: z.boolean(),
  /** etcd membership and health, seen from any member that answers (stacked) or at each endpoint (external). */
  etcd: z.object({
    mode: z.enum(["stacked", "external"]),
    /** Started members (external: as the first healthy endpoint lists them). */
    members: count,
    /** Members the config expects: one per control plane (stacked), or the endpoints (external). */
    expectedMembers: count,
    /** Members (stacked) or endpoints (external) that answered healthy. */
    healthyEndpoints: count,
    quorum: count,
    hasQuorum: z.boolean(),
    /** Expected members absent or not started (peer URLs), or external endpoints no member lists as its client URL. */
    missingMembers: z.array(z.string()),
    /** Members the config does not name (`name peerURLs`): a control plane removed in the same update leaves after verify. */
    unexpectedMembers: z.array(z.string()),
    /**
     * External etcd: each endpoint and whether it answered healthy with the api-server's client
     * certificate (empty when stacked; absent from the report of an older verify).
     */
    endpoints: z.array(z.object({ url: z.string(), healthy: z.boolean() })).optional(),
  }),
  /**
   * The admin host's certificate that expires first (`kubeadm certs check-expiration`, externally
   * managed ones left out): `earliestExpiry` in RFC 3339 (UTC), `certificate` its kubeadm name.
   * Null when it could not be read; absent from reports of earlier versions.
   */
  certificates: z.object({ earliestExpiry: z.string(), certificate: z.string() }).nullable().optional(),
});

/** What the final verify step saw on the admin host. */
export type ClusterHealth = z.infer<typeof clusterHealthSchema>;

/** The verify step printed something that is not its report; the message names the step and the fault. */
export class ClusterHealthError extends Error {
  /**
   * @param stepId Id of the step whose stdout was read (`verify`).
   * @param problem What was wrong, in words.
   */
  constructor(
    public readonly stepId: string,
    public readonly problem: string,
  ) {
    super(`${stepId} printed ${problem}; expected the clusterHealth JSON of core/scripts/verify.sh`);
    this.name = "ClusterHealthError";
  }
}

/** Reads the verify step's stdout; throws a {@link ClusterHealthError} naming `stepId` if it is not a valid report. */
export function parseClusterHealth(stdout: string, stepId: string): ClusterHealth {
  if (stdout.trim() === "") throw new ClusterHealthError(stepId, "nothing");
  let value: unknown;
  try {
    value = JSON.parse(stdout);
  } catch {
    // An excerpt, quoted, says more than the parser's position and keeps the message on one line.
    const excerpt = stdout.length > EXCERPT ? `${stdout.slice(0, EXCERPT)}...` : stdout;
    throw new ClusterHealthError(stepId, `output that is not JSON: ${JSON.stringify(excerpt)}`);
  }
  // "missing" reads better than zod's "expected boolean, received undefined".
  const result = clusterHealthSchema.safeParse(value, {
    error: (issue) =>
      issue.code === "invalid_type" && issue.input === undefined ? `missing (expected ${issue.expected})` : undefined,
  });
  if (result.success) return result.data;
  const faults = result.error.issues.map((issue) => `${pathText(issue.path) || "the report"}: ${issue.message}`);
  throw new ClusterHealthError(stepId, `a report of the wrong shape (${faults.join("; ")})`);
}

/** `etcd.members`, `nodes[0].ready`: where in the report a fault is. */
function pathText(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, part) => (typeof part === "number" ? `${out}[${part}]` : `${out}${out ? "." : ""}${String(part)}`),
    "",
  );
}
