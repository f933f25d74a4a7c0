import { CONFIG_KEYS, CONFIG_NAMESPACE, ConfigKey, findKey, KeyKind } from "./keys";
import { namespaceWarning, unknownKeyMessage } from "./key-hints";
import { Problem, show } from "./problems";

/** Marker that replaces a secret's value: the spec only needs to know it is set. */
export const SECRET_SET = "<secret set>";

/** A config map read into plain values per key, with what was wrong and what looks wrong. */
export interface NormalizedConfig {
  /** Values per key name (no namespace), defaults applied. */
  readonly values: Record<string, unknown>;
  /** Keys and values that cannot be used, each named. */
  readonly problems: Problem[];
  /** Allowed but probably not meant (a misspelt namespace, a private key in plain text). */
  readonly warnings: string[];
}

/** A stack file's encrypted value (`key: {secure: ...}`), as the render reads it without decrypting. */
function isSecureValue(raw: unknown): boolean {
  return (
    raw !== null && typeof raw === "object" && !Array.isArray(raw) && Object.keys(raw).length === 1 && "secure" in raw
  );
}

/**
 * Turns a config map (Pulumi's `allConfig()` of strings, or a parsed `Pulumi.<stack>.yaml` of typed
 * values) into plain values per key of the contract, with defaults applied. Secrets never pass
 * through: they become {@link SECRET_SET}. Keys of other namespaces (`aws:region`) are ignored,
 * with a warning when the namespace looks like a slip of `kubeadm-ha`.
 *
 * A value is secret when its key is in `secretKeys` (what Pulumi marks secret: `pulumi config set
 * --secret`) or when it is a stack file's `{secure: ...}`. Only `sshPrivateKey` may be secret:
 * every other value ends up in scripts, resource inputs or outputs in clear, so a secret one is
 * refused rather than leaked (and never shown in a message).
 */
export function normalizeConfig(
  entries: Record<string, unknown>,
  secretKeys: ReadonlySet<string> = new Set(),
): NormalizedConfig {
  const values: Record<string, unknown> = {};
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const [fullKey, raw] of Object.entries(entries)) {
    if (!fullKey.startsWith(prefix)) {
      const warning = namespaceWarning(fullKey);
      if (warning) warnings.push(warning);
      continue;
    }
    const name = fullKey.slice(prefix.length);
    const key = findKey(name);
    if (!key) {
      problems.push({ key: fullKey, message: unknownKeyMessage(name) });
      continue;
    }
    const secret = secretKeys.has(fullKey) || isSecureValue(raw);
    if (key.kind === "secret") {
      if (raw === undefined || raw === null || raw === "") continue;
      values[name] = SECRET_SET;
      if (!secret)
        warnings.push(
          `${fullKey} is stored in plain text in the stack configuration; store it encrypted: pulumi config set --secret ${fullKey} < ~/.ssh/id_ed25519`,
        );
      continue;
    }
    if (secret) {
      problems.push({ key: fullKey, message: notSecretMessage(fullKey, key) });
      continue;
    }
    const parsed = parseValue(key.kind, raw);
    if (parsed.ok) values[name] = parsed.value;
    else
      problems.push({
        key: fullKey,
        message: `${show(raw)} is not ${KIND_WORDS[key.kind]}; write it as JSON, e.g. ${KIND_EXAMPLES[key.kind]}`,
      });
  }
  for (const key of CONFIG_KEYS) {
    if (values[key.name] === undefined && key.default !== undefined) values[key.name] = key.default;
  }
  return { values, problems, warnings };
}

/** The refusal of a secret value for a key whose value is used in clear. */
function notSecretMessage(fullKey: string, key: ConfigKey): string {
  const how =
    key.kind === "object" || key.kind === "array"
      ? `pulumi config set --path, or a plain YAML value in Pulumi.<stack>.yaml`
      : `pulumi config set ${fullKey} <value>`;
  return `is set as a secret, but its value goes into scripts, resource inputs and outputs in clear, so it cannot stay secret; only sshPrivateKey can. Set it again without --secret (${how})`;
}

const KIND_WORDS: Readonly<Record<KeyKind, string>> = {
  integer: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "an object",
  string: "a string",
  secret: "a string",
};
const KIND_EXAMPLES: Readonly<Record<KeyKind, string>> = {
  integer: "6443",
  boolean: "true",
  array: `["a", "b"] (a YAML list in Pulumi.<stack>.yaml)`,
  object: `{"host": "203.0.113.5"} (a YAML map in Pulumi.<stack>.yaml)`,
  string: `"text"`,
  secret: `"text"`,
};

function parseValue(kind: KeyKind, raw: unknown): { ok: true; value: unknown } | { ok: false } {
  if (typeof raw !== "string" || kind === "string") return { ok: true, value: raw };
  // Pulumi stores non-string values as JSON text; YAML stack files give them typed already.
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch {
    return kind === "integer" ? { ok: true, value: raw } : { ok: false };
  }
}
