import { CONFIG_KEYS, CONFIG_NAMESPACE, findKey } from "./keys";
import { Problem, show } from "./problems";

/** Marker that replaces a secret's value: the spec only needs to know it is set. */
export const SECRET_SET = "<secret set>";

/**
 * Turns a config map (Pulumi's `allConfig()` of strings, or a parsed `Pulumi.<stack>.yaml` of typed
 * values) into plain values per key of the contract, with defaults applied. Secrets never pass
 * through: they become {@link SECRET_SET}. Keys of other namespaces (`aws:region`) are ignored.
 */
export function normalizeConfig(entries: Record<string, unknown>): { values: Record<string, unknown>; problems: Problem[] } {
  const values: Record<string, unknown> = {};
  const problems: Problem[] = [];
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const [fullKey, raw] of Object.entries(entries)) {
    if (!fullKey.startsWith(prefix)) continue;
    const name = fullKey.slice(prefix.length);
    const key = findKey(name);
    if (!key) {
      problems.push({ key: fullKey, message: `unknown key; valid keys are ${CONFIG_KEYS.map((k) => k.name).join(", ")}` });
      continue;
    }
    if (key.kind === "secret") {
      if (raw !== undefined && raw !== null && raw !== "") values[name] = SECRET_SET;
      continue;
    }
    const parsed = parseValue(key.kind, raw);
    if (parsed.ok) values[name] = parsed.value;
    else problems.push({ key: fullKey, message: `${show(raw)} is not valid JSON for a ${key.kind} value` });
  }
  for (const key of CONFIG_KEYS) {
    if (values[key.name] === undefined && key.default !== undefined) values[key.name] = key.default;
  }
  return { values, problems };
}

function parseValue(kind: string, raw: unknown): { ok: true; value: unknown } | { ok: false } {
  if (typeof raw !== "string" || kind === "string") return { ok: true, value: raw };
  // Pulumi stores non-string values as JSON text; YAML stack files give them typed already.
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch {
    return kind === "integer" ? { ok: true, value: raw } : { ok: false };
  }
}
