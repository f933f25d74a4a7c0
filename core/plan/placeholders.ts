/**
 * Every placeholder the plan carries instead of a value, in one place: secrets (fed on stdin and
 * filled in on the host) and late values (known only once cloud resources exist, filled in by
 * the Pulumi layer). `npm run render` shows both, with the text below.
 */

/** Secrets a step reads on stdin, one per line, in the order its script declares (`# stdin:`). */
export type SecretName = "bootstrapToken" | "caCertHash" | "certificateKey" | "etcdCa" | "etcdClientCerts";

/** A secret as configs and the render show it: a named placeholder and where its value comes from. */
export interface SecretPlaceholder {
  /** The placeholder that stands for the value in configs and in PLAN.md. */
  readonly placeholder: string;
  /** Where the value is made (never the value). */
  readonly source: string;
}

/** Every secret a step may read on stdin, by name, in the order PLAN.md lists them. */
export const SECRETS: Readonly<Record<SecretName, SecretPlaceholder>> = {
  bootstrapToken: {
    placeholder: "@BOOTSTRAP_TOKEN@",
    source: "`random.RandomPassword` 6 + 16 characters `[a-z0-9]`, kept encrypted in the stack state",
  },
  certificateKey: {
    placeholder: "@CERTIFICATE_KEY@",
    source: "`random.RandomBytes` 32 bytes as 64 hex characters, kept encrypted in the stack state",
  },
  caCertHash: {
    placeholder: "@CA_CERT_HASH@",
    source: "secret stdout of the step that reads the CA public-key pin",
  },
  etcdCa: {
    placeholder: "@ETCD_CA@",
    source:
      "secret stdout of the `etcd-ca` step on `etcdHosts[0]`: the etcd CA certificate and key (base64 tar), for the etcd hosts only",
  },
  etcdClientCerts: {
    placeholder: "@ETCD_CLIENT_CERTS@",
    source:
      "secret stdout of the `etcd-client-cert` step on `etcdHosts[0]`: the etcd CA certificate and the api-server's etcd client certificate and key (base64 tar, never the CA key), for the control planes",
  },
};

/** Every secret name, in {@link SECRETS} order. */
export const SECRET_NAMES = Object.keys(SECRETS) as readonly SecretName[];

/** Every secret placeholder the render may contain, for leak checks. */
export const SECRET_PLACEHOLDERS: readonly string[] = SECRET_NAMES.map((n) => SECRETS[n].placeholder);

/** True if `text` names a secret. */
export function isSecretName(text: string): text is SecretName {
  return (SECRET_NAMES as readonly string[]).includes(text);
}

/**
 * Values known only after cloud resources exist (an Elastic IP, an NLB's DNS name). The plan
 * carries these placeholders; the Pulumi layer substitutes them, and `npm run render` shows them.
 */
export const LATE = {
  /** Host part of the control-plane endpoint when it is an NLB DNS name. */
  controlPlaneHost: "@CONTROL_PLANE_HOST@",
  /** Public address of the API (Elastic IP of the VIP, or the internet-facing NLB's name), added to the api-server certificate. */
  publicApiAddress: "@PUBLIC_API_ADDRESS@",
} as const;

/** Name of a late value. */
export type LateName = keyof typeof LATE;

/** What each late value is, for PLAN.md. */
export const LATE_MEANINGS: Readonly<Record<LateName, string>> = {
  controlPlaneHost:
    "DNS name of the Network Load Balancer the nodes use (internal), the host part of the control-plane endpoint",
  publicApiAddress:
    "Elastic IP of the VIP (keepalived) or DNS name of the internet-facing NLB (nlb): the API's public address, in the api-server certificate",
};

/**
 * The placeholder for the Pulumi URN of step `stepId`'s Command, for the exact
 * `pulumi up --replace <urn>` a script prints when that step must run again (stale join material).
 * The Pulumi layer fills it in; the render shows it as is.
 */
export function urnPlaceholder(stepId: string): string {
  return `@URN:${stepId}@`;
}

/** Matches {@link urnPlaceholder}s; group 1 is the step id. */
export const URN_PLACEHOLDER = /@URN:([a-z0-9][a-z0-9-]*)@/g;

/** What a URN placeholder is, for PLAN.md. */
const URN_MEANING = "the Pulumi URN of that step's Command, in the `pulumi up --replace` instruction a script prints";

/** A late value found in a text: its name, placeholder and meaning. */
export interface LateValue {
  /** Which value (`stepUrn` for the URN placeholders). */
  readonly name: LateName | "stepUrn";
  /** Its placeholder. */
  readonly placeholder: string;
  /** What it is. */
  readonly meaning: string;
}

/** Late values whose placeholder appears in `texts`, in {@link LATE} order, then the URN placeholders (sorted). */
export function lateValuesIn(texts: Iterable<string>): LateValue[] {
  const all = [...texts].join("\n");
  const late: LateValue[] = (Object.keys(LATE) as LateName[])
    .filter((name) => all.includes(LATE[name]))
    .map((name) => ({ name, placeholder: LATE[name], meaning: LATE_MEANINGS[name] }));
  const urns = [...new Set([...all.matchAll(URN_PLACEHOLDER)].map((m) => m[0]))].sort();
  return [...late, ...urns.map((placeholder) => ({ name: "stepUrn" as const, placeholder, meaning: URN_MEANING }))];
}
