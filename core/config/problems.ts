/** One thing wrong with the stack configuration. */
export interface Problem {
  /** Full config key with path, e.g. `kubeadm-ha:controlPlanes[1].address`. */
  readonly key: string;
  /** What is wrong and what would be valid. Never contains a secret value. */
  readonly message: string;
}

/** Thrown before any resource exists: lists every problem at once. */
export class ConfigError extends Error {
  /** Every problem found, in config order. */
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[]) {
    const lines = problems.map((p) => `  - ${p.key}: ${p.message}`);
    super(
      `kubeadm-ha: invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${lines.join("\n")}`,
    );
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** Renders a user value for an error message, short and quoted. */
export function show(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
