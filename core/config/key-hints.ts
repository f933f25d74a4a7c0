/** "Did you mean" hints for keys Pulumi hands over but the program does not know. */
import { closest, editDistance } from "../lib/edit-distance";
import { CONFIG_KEYS, CONFIG_NAMESPACE } from "./keys";

const KEY_NAMES = CONFIG_KEYS.map((k) => k.name);

/** The message for a `kubeadm-ha:` key that is not in the contract, with the likely intended key first. */
export function unknownKeyMessage(name: string): string {
  // `kubeadm-ha:kubeadm-ha:vip` (namespace written twice) and the like: the part after the last colon.
  const tail = name.includes(":") ? name.slice(name.lastIndexOf(":") + 1) : name;
  const guess = KEY_NAMES.includes(tail) ? tail : closest(tail, KEY_NAMES);
  const hint = guess ? `did you mean ${CONFIG_NAMESPACE}:${guess}? ` : "";
  return `unknown key; ${hint}valid keys are ${KEY_NAMES.join(", ")}`;
}

/** Namespaces one slip away from this project's: `kubeadmha`, `kubeadm_ha`, `kubeadm-ah`, `Kubeadm-HA`. */
function nearNamespace(namespace: string): boolean {
  if (namespace === CONFIG_NAMESPACE) return false;
  const squash = (s: string): string => s.toLowerCase().replace(/[-_.\s]/g, "");
  return (
    squash(namespace) === squash(CONFIG_NAMESPACE) || editDistance(namespace.toLowerCase(), CONFIG_NAMESPACE, 2) <= 2
  );
}

/**
 * A warning for a key of another namespace that looks meant for this program (Pulumi hands every
 * namespace over and this program ignores the others), or undefined.
 */
export function namespaceWarning(fullKey: string): string | undefined {
  const colon = fullKey.indexOf(":");
  if (colon < 0) return undefined;
  const namespace = fullKey.slice(0, colon);
  if (!nearNamespace(namespace)) return undefined;
  const name = fullKey.slice(colon + 1);
  const guess = KEY_NAMES.includes(name) ? name : closest(name, KEY_NAMES);
  const meant = guess ? `${CONFIG_NAMESPACE}:${guess}` : `a key of the ${CONFIG_NAMESPACE} namespace`;
  return `${fullKey} is ignored: its namespace "${namespace}" is not "${CONFIG_NAMESPACE}". Did you mean ${meant}? (pulumi config rm '${fullKey}', then set it under ${CONFIG_NAMESPACE}:)`;
}
