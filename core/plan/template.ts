import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isSecretName, SECRET_NAMES, SecretName } from "./placeholders";

/** Folder of the `.sh` templates. */
export const SCRIPTS_DIR = join(__dirname, "..", "scripts");

/** Quotes a value for bash so it is taken literally (single quotes, `'` escaped). */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * `text` with a newline before it, to search instead of `text`: a filled template is two slices of
 * the shared template joined around its assignments (fillTemplate), and V8 turns a joined string
 * into a flat copy of its own, in place, the first time it is searched. Searching the probe copies
 * it, which is garbage at once, and leaves `text` sharing the template.
 */
export function searchable(text: string): string {
  return `\n${text}`;
}

/** Names a template declares with `: "${NAME:?}"` lines. */
export function declaredVariables(template: string): string[] {
  return [...template.matchAll(/^: "\$\{([A-Z][A-Z0-9_]*):\?\}"$/gm)].map((m) => m[1]);
}

/** Values of a template's variables, by name. */
export type TemplateVars = Readonly<Record<string, string | number>>;

/** One secret of a template's `# stdin:` line. */
export interface StdinEntry {
  /** The secret, one stdin line. */
  readonly name: SecretName;
  /** Written `[name]`: read only in some runs (e.g. the certificate key, by joining control planes only). */
  readonly optional: boolean;
}

/**
 * The secrets a template reads on stdin, in read order, from its one `# stdin: a b [c]` line;
 * none when it has no such line. Throws on a second line, on a name that is not a secret, and
 * when the template's `read_secret` calls read other secrets or in another order.
 */
export function declaredStdin(template: string, name = "template"): StdinEntry[] {
  const lines = [...template.matchAll(/^# stdin:(.*)$/gm)].map((m) => m[1].trim());
  if (lines.length > 1)
    throw new Error(`script template ${name}.sh has ${lines.length} "# stdin:" lines; one is the rule`);
  const entries =
    lines.length === 0
      ? []
      : lines[0].split(/\s+/).map((word) => {
          const m = /^(\[?)([A-Za-z]+)(\]?)$/.exec(word);
          if (!m || m[1].length !== m[3].length || !isSecretName(m[2])) {
            const known = SECRET_NAMES.join(", ");
            throw new Error(
              `script template ${name}.sh: "# stdin:" names ${JSON.stringify(word)}, not one of ${known} (or [name])`,
            );
          }
          return { name: m[2], optional: m[1] === "[" };
        });
  const reads = readSecretCalls(template);
  // load-balancer.sh reads its one line with `read -r`; where read_secret is used, it must agree.
  if (reads.length > 0 && reads.join(" ") !== entries.map((e) => shellName(e.name)).join(" ")) {
    throw new Error(
      `script template ${name}.sh: "# stdin: ${lines[0] ?? ""}" but its read_secret calls read ${reads.join(" ")}`,
    );
  }
  return entries;
}

/** A step's script and what is fed to it, checked against the template's `# stdin:` and `# stdin-data:` lines. */
export interface Script {
  /** The filled template. */
  readonly text: string;
  /** Secrets fed on stdin, in order. */
  readonly stdin: readonly SecretName[];
  /** Plain data fed on stdin after the secrets (what the template's `# stdin-data:` line describes). */
  readonly data?: string;
}

/**
 * Fills a template for a step that feeds it `stdin` (secrets) and, after them, `data` (plain
 * lines); see {@link fillTemplate}. A template reads data only if it says so on a
 * `# stdin-data: <what>` line, and then it must be given.
 */
export function stepScript(
  name: string,
  vars: TemplateVars = {},
  stdin: readonly SecretName[] = [],
  data?: string,
): Script {
  const text = fillTemplate(name, vars, stdin);
  // The template says whether it reads data, not the values filled in (and scanning the filled
  // text would copy it whole: see fillTemplate).
  const reads = [...readTemplate(name).template.matchAll(/^# stdin-data: \S.*$/gm)].length;
  if (reads > 1) throw new Error(`script template ${name}.sh has ${reads} "# stdin-data:" lines; one is the rule`);
  if ((reads === 1) !== (data !== undefined)) {
    throw new Error(
      `script template ${name}.sh ${reads === 1 ? "reads" : "does not read"} data on stdin, and the step ${data === undefined ? "feeds none" : "feeds some"}`,
    );
  }
  return { text, stdin: [...stdin], ...(data !== undefined ? { data } : {}) };
}

/**
 * Renders `core/scripts/<name>.sh`: the values are assigned, shell-quoted, right after
 * `set -euo pipefail`. Every declared variable must be given and nothing else, and `stdin` must
 * be what the template's `# stdin:` line reads, in that order, so a template and its caller
 * cannot drift apart silently.
 */
export function fillTemplate(name: string, vars: TemplateVars = {}, stdin: readonly SecretName[] = []): string {
  const { template, declared } = readTemplate(name);
  const given = Object.keys(vars);
  const missing = declared.filter((v) => !given.includes(v));
  const extra = given.filter((v) => !declared.includes(v));
  if (missing.length > 0 || extra.length > 0) {
    throw new Error(
      `script template ${name}.sh: missing variables [${missing.join(", ")}], unexpected [${extra.join(", ")}]`,
    );
  }
  checkStdin(name, template, stdin);
  const marker = "set -euo pipefail\n";
  const at = template.indexOf(marker);
  if (at < 0) throw new Error(`script template ${name}.sh must contain "set -euo pipefail"`);
  const assignments = declared
    .map((v) => {
      const value = String(vars[v]);
      // File contents (a check script, a config) carry `$` on purpose: they are written, not expanded.
      const note = /[$`]/.test(value) ? "# shellcheck disable=SC2016 # literal content, written to a file\n" : "";
      return `${note}${v}=${shellQuote(value)}\n`;
    })
    .join("");
  const cut = at + marker.length;
  // Kept as V8 joins it, two slices of the one template around this step's assignments: hundreds
  // of workers' scripts then share the template's text instead of a copy each. Searching the
  // result would flatten it into a copy; callers search a probe (searchable).
  return template.slice(0, cut) + assignments + template.slice(cut);
}

/** A template file with its includes inlined, and what it declares: read once per process. */
interface TemplateFile {
  readonly template: string;
  readonly declared: readonly string[];
  /** Its `# stdin:` line, parsed and checked on first use. */
  stdin?: readonly StdinEntry[];
}

// Templates are files of the repository: read and parsed once, not once per step (thousands of
// steps at 2,000 workers spent most of the plan's time here).
const templateFiles = new Map<string, TemplateFile>();

function readTemplate(name: string): TemplateFile {
  let file = templateFiles.get(name);
  if (!file) {
    const template = inlineIncludes(readFileSync(join(SCRIPTS_DIR, `${name}.sh`), "utf8"));
    file = { template, declared: declaredVariables(template) };
    templateFiles.set(name, file);
  }
  return file;
}

/** Throws unless `stdin` is what the template's `# stdin:` line declares, in that order. */
function checkStdin(name: string, template: string, stdin: readonly SecretName[]): void {
  const file = readTemplate(name);
  file.stdin ??= declaredStdin(template, name);
  const declared = file.stdin;
  const shown = declared.map((e) => (e.optional ? `[${e.name}]` : e.name)).join(" ");
  // Walk the declaration: each name must be the next line fed, unless it is optional.
  let at = 0;
  let matches = true;
  for (const entry of declared) {
    if (stdin[at] === entry.name) at++;
    else if (!entry.optional) matches = false;
  }
  if (!matches || at !== stdin.length) {
    throw new Error(`script template ${name}.sh reads stdin as [${shown}], the step feeds [${stdin.join(" ")}]`);
  }
}

/** Variables the template's `read_secret VAR` calls fill, in order (comments skipped). */
function readSecretCalls(template: string): string[] {
  return template
    .split("\n")
    .filter((line) => !/^\s*#/.test(line))
    .flatMap((line) => [...line.matchAll(/\bread_secret ([A-Z][A-Z0-9_]*)\b/g)].map((m) => m[1]));
}

/** `caCertHash` → `CA_CERT_HASH`: the shell variable a secret is read into. */
function shellName(name: SecretName): string {
  return name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
}

/** Replaces `# @include lib/x.sh` lines with that file, so shared shell helpers live in one place. */
function inlineIncludes(template: string): string {
  return template.replace(/^# @include (\S+)$/gm, (_line, file: string) =>
    readFileSync(join(SCRIPTS_DIR, file), "utf8")
      .replace(/^#!.*\n/, "")
      .trimEnd(),
  );
}
