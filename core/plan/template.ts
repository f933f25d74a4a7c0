import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Folder of the `.sh` templates. */
export const SCRIPTS_DIR = join(__dirname, "..", "scripts");

/** Quotes a value for bash so it is taken literally (single quotes, `'` escaped). */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Names a template declares with `: "${NAME:?}"` lines. */
export function declaredVariables(template: string): string[] {
  return [...template.matchAll(/^: "\$\{([A-Z][A-Z0-9_]*):\?\}"$/gm)].map((m) => m[1]);
}

/**
 * Renders `core/scripts/<name>.sh`: the values are assigned, shell-quoted, right after
 * `set -euo pipefail`. Every declared variable must be given and nothing else, so a template and
 * its caller cannot drift apart silently.
 */
export function fillTemplate(name: string, vars: Readonly<Record<string, string | number>> = {}): string {
  const template = inlineIncludes(readFileSync(join(SCRIPTS_DIR, `${name}.sh`), "utf8"));
  const declared = declaredVariables(template);
  const given = Object.keys(vars);
  const missing = declared.filter((v) => !given.includes(v));
  const extra = given.filter((v) => !declared.includes(v));
  if (missing.length > 0 || extra.length > 0) {
    throw new Error(`script template ${name}.sh: missing variables [${missing.join(", ")}], unexpected [${extra.join(", ")}]`);
  }
  const marker = "set -euo pipefail\n";
  const at = template.indexOf(marker);
  if (at < 0) throw new Error(`script template ${name}.sh must contain "set -euo pipefail"`);
  const assignments = declared.map((v) => {
    const value = String(vars[v]);
    // File contents (a check script, a config) carry `$` on purpose: they are written, not expanded.
    const note = /[$`]/.test(value) ? "# shellcheck disable=SC2016 # literal content, written to a file\n" : "";
    return `${note}${v}=${shellQuote(value)}\n`;
  }).join("");
  const cut = at + marker.length;
  return template.slice(0, cut) + assignments + template.slice(cut);
}

/** Replaces `# @include lib/x.sh` lines with that file, so shared shell helpers live in one place. */
function inlineIncludes(template: string): string {
  return template.replace(/^# @include (\S+)$/gm, (_line, file: string) =>
    readFileSync(join(SCRIPTS_DIR, file), "utf8").replace(/^#!.*\n/, "").trimEnd());
}
