import { Plan, PlanStep } from "../plan/steps";
import { lateValuesIn, SECRET_NAMES, SecretName, SECRETS } from "../plan/placeholders";
import { sudoWrap } from "../plan/sudo";
import { allHosts, ClusterSpec, etcdMemberCount, loadBalancerHosts, quorumOf } from "../config/types";
import {
  aboutMinutes,
  BringUpEstimate,
  estimateBringUp,
  estimateWithParallel,
  formatSeconds,
  PARALLEL_SHOWN,
} from "./estimates";
import { RenderedFile, StepLayout } from "./layout";
import { Schedule } from "./schedule";

/** What PLAN.md is written from. */
export interface PlanDocInput {
  /** Stack name, for the title and the command that made it. */
  readonly stack: string;
  /** The validated spec. */
  readonly spec: ClusterSpec;
  /** The plan. */
  readonly plan: Plan;
  /** Waves and critical path of the plan. */
  readonly schedule: Schedule;
  /** Where each step's files are, per host (in host order). */
  readonly layout: ReadonlyMap<string, readonly StepLayout[]>;
}

/** PLAN.md: hosts, the order across hosts in waves, secrets on stdin, replacement rules and the sudo wrapper. */
export function planMarkdown(input: PlanDocInput): string {
  return [
    header(input),
    hostsSection(input),
    durationSection(input, estimateBringUp(input.plan, input.spec)),
    orderSection(input),
    secretsSection(input),
    filesSection(input),
    lifecycleSection(input),
    wrapperSection(),
  ].join("\n");
}

const code = (text: string): string => `\`${text}\``;
const cell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
const row = (cells: readonly string[]): string => `| ${cells.map(cell).join(" | ")} |`;
const table = (head: readonly string[], rows: readonly (readonly string[])[]): string =>
  [row(head), row(head.map(() => "---")), ...rows.map(row)].join("\n") + "\n";
const link = (path: string): string => `[${code(path)}](${path})`;
const none = "—";

function header({ stack, spec, plan, schedule }: PlanDocInput): string {
  const members = etcdMemberCount(spec);
  const q = quorumOf(members);
  const etcd =
    spec.etcd.mode === "stacked"
      ? `stacked on the ${members} control plane(s): quorum ${q.quorum}, tolerates ${q.toleratedFailures} failure(s)`
      : `external, ${members} endpoint(s): ${spec.etcd.endpoints.map(code).join(", ")}`;
  const bastion = spec.ssh.bastion
    ? `, through bastion ${code(`${spec.ssh.bastion.user}@${spec.ssh.bastion.host}:${spec.ssh.bastion.port}`)}`
    : "";
  const lines = [
    `# Bring-up plan of stack ${code(stack)}`,
    "",
    `Written by ${code(`npm run render -- --stack ${stack}`)} from ${code("Pulumi.yaml")} and ${code(`Pulumi.${stack}.yaml`)},`,
    "offline: the same steps, scripts and configs `pulumi up` would run. Do not edit; render again.",
    "No secret value appears anywhere in this tree: secrets are named placeholders such as",
    `${code(SECRETS.bootstrapToken.placeholder)}, filled in on the host from the step's stdin.`,
    "",
    table(
      ["setting", "value"],
      [
        ["Platform", platformOf(spec)],
        ["Kubernetes", `${spec.kubernetesVersion} (${code(spec.kubeadmApiVersion)})`],
        [
          "API endpoint",
          loadBalancerHosts(spec).length > 0
            ? `${code(spec.controlPlaneEndpoint)}: VIP ${spec.vip}/${spec.vipPrefixLength}, VRRP router id ${spec.virtualRouterId}, advert ${spec.vrrpAdvertInterval}s` +
              (spec.loadBalancerMode === "colocated"
                ? `; HAProxy and keepalived on the control planes, api-servers on :${spec.apiServerPort}`
                : "")
            : `${code(spec.controlPlaneEndpoint)}: a load balancer outside the hosts, no VIP`,
        ],
        ["etcd", etcd],
        ["Networks", `CNI ${spec.cni}, pods ${spec.podNetworkCidr}, services ${spec.serviceCidr}`],
        ["SSH", `user ${code(spec.ssh.user)}, port ${spec.ssh.port}${bastion}`],
        ["Steps", `${plan.steps.length} in ${schedule.waves.length} waves`],
        ["Bring-up", `${aboutMinutes(estimateBringUp(plan, spec).totalSeconds)}, estimated (see Duration estimate)`],
      ],
    ).trimEnd(),
  ];
  if (spec.warnings.length > 0) lines.push("", "Warnings:", "", ...spec.warnings.map((w) => `- ${w}`));
  const late = lateValuesIn(
    plan.steps
      .flatMap((s) => [s.script ?? "", s.updateScript ?? "", s.deleteScript ?? "", ...s.files.map((f) => f.content)])
      .concat(spec.controlPlaneEndpoint),
  );
  if (late.length > 0) {
    lines.push(
      "",
      "Values known only once the cloud resources exist appear as placeholders too; the program fills them in before the commands run:",
      "",
    );
    lines.push(...late.map((l) => `- ${code(l.placeholder)}: ${l.meaning}`));
  }
  return lines.join("\n") + "\n";
}

function platformOf(spec: ClusterSpec): string {
  if (!spec.aws) return "existing hosts over SSH (baremetal)";
  const vpc = spec.aws.vpc.create ? `new VPC ${spec.aws.vpc.cidr}` : `VPC ${spec.aws.vpc.id}`;
  return `EC2 instances the program creates: ${spec.aws.region}, ${vpc}, ${spec.aws.subnets.length} AZ(s), API through ${spec.aws.loadBalancerMode === "nlb" ? "a Network Load Balancer" : "the keepalived pair"}${spec.aws.publicApi ? " (public)" : ""}`;
}

function hostsSection({ spec, plan, layout }: PlanDocInput): string {
  const rows = allHosts(spec).map((h) => {
    const here = layout.get(h.name) ?? [];
    const about = plan.steps
      .filter((s) => s.host === h.name && s.runsOn !== h.name)
      .map((s) => `${code(s.id)} on ${s.runsOn}`);
    // On EC2, SSH goes to the instance's public IP (or the bastion), known once the instance exists.
    const ssh = spec.platform === "aws" ? "the instance's public IP" : h.address;
    return [
      h.name,
      h.role,
      ssh,
      h.privateAddress,
      code(`${h.name}/`),
      String(here.length),
      about.length > 0 ? about.join(", ") : none,
    ];
  });
  return [
    "## Hosts",
    "",
    "Each host has a folder with the steps that RUN on it, numbered by phase (bring-up order), and the config files",
    "they install under `files/`. A step about another node (a control plane's certificate upload, the",
    "removal steps: drain, forget) runs on the admin host, the first control plane (those about the admin",
    "host itself on the next one): it is in that host's folder, named `-for-<node>`. Stack steps (named",
    "by their phase alone) run on the admin host.",
    "",
    table(
      [
        "host",
        "role",
        "SSH address",
        "cluster address",
        "folder",
        "steps run there",
        "steps about it that run elsewhere",
      ],
      rows,
    ),
  ].join("\n");
}

function durationSection({ plan, spec }: PlanDocInput, estimate: BringUpEstimate): string {
  const rows = estimate.phases.map((p) => [
    code(p.phase),
    String(p.steps),
    p.secondsEach.map(formatSeconds).join(" or "),
    p.onCriticalPath > 0 ? `${p.onCriticalPath}: ${formatSeconds(p.criticalSeconds)}` : none,
    p.estimate.assumption,
  ]);
  const skipped = plan.steps.length - estimate.phases.reduce((n, p) => n + p.steps, 0);
  return [
    "## Duration estimate",
    "",
    "Estimates, not measurements: each number assumes what its row says, on typical hosts with a package",
    "mirror and an image registry at about 10 MB/s; scale them to yours. The bring-up takes at least as",
    `long as its critical path, the chain of waits with the most estimated time: **${aboutMinutes(estimate.totalSeconds)}**`,
    `(${formatSeconds(estimate.totalSeconds)}: ${estimate.criticalPath.map(code).join(" → ")}).`,
    `Steps that run nothing on create (${skipped} here) cost nothing. That assumes Pulumi runs every ready`,
    "step at once, its default. With `pulumi up --parallel P` a step also waits for a free slot; with the",
    "same estimates, steps started in the order they become ready:",
    "",
    table(
      ["`--parallel`", ...PARALLEL_SHOWN.map(String)],
      [["bring-up", ...PARALLEL_SHOWN.map((p) => aboutMinutes(estimateWithParallel(plan, spec, p)))]],
    ),
    table(["phase", "steps", "each (estimate)", "on the critical path", "assumption"], rows),
  ].join("\n");
}

function orderSection({ schedule, layout }: PlanDocInput): string {
  const where = new Map<string, StepLayout>([...layout.values()].flat().map((l) => [l.step.id, l]));
  const parts = [
    "## Order",
    "",
    "A step starts once every step it waits for has finished, and Pulumi runs every step that is",
    "ready at the same time. Wave N holds the steps whose longest chain of waits has N steps: a",
    "wave's steps wait only for earlier waves and can run in parallel with each other. (A step may",
    "start before the rest of its wave's predecessors are done; waves are the shape, not a timetable.)",
    "",
    `Critical path (${schedule.criticalPath.length} steps): ${schedule.criticalPath.map(code).join(" → ")}.`,
    "",
  ];
  schedule.waves.forEach((steps, i) => {
    parts.push(
      `### Wave ${i + 1} (${steps.length} step${steps.length === 1 ? "" : "s"}${steps.length > 1 ? ", in parallel" : ""})`,
      "",
    );
    parts.push(
      table(
        ["step", "runs on", "for node", "waits for", "stdin (one secret a line)", "script", "what it does"],
        steps.map((s) => {
          const l = where.get(s.id) as StepLayout;
          return [
            code(s.id),
            s.runsOn,
            s.host,
            s.after.length > 0 ? s.after.map(code).join(", ") : none,
            stdinOf(s),
            [
              l.script !== undefined ? link(l.script) : "nothing on create",
              ...(l.updateScript ? [`on update ${link(l.updateScript)}`] : []),
              ...(l.deleteScript ? [`on delete ${link(l.deleteScript)}`] : []),
            ].join(", "),
            s.description,
          ];
        }),
      ),
    );
  });
  return parts.join("\n");
}

const stdinOf = (s: PlanStep): string => {
  const secrets = s.stdin.map((n) => code(SECRETS[n].placeholder));
  // Plain data (verify's node names) follows the secrets; its lines are listed in the script's `# stdin-data:` line.
  const data =
    s.stdinData !== undefined
      ? [`then ${s.stdinData.split("\n").filter((l) => l !== "").length} plain line(s) of data`]
      : [];
  return secrets.length + data.length > 0 ? [...secrets, ...data].join(", ") : none;
};

function secretsSection({ plan }: PlanDocInput): string {
  const readers = (name: SecretName): string =>
    plan.steps
      .filter((s) => s.stdin.includes(name))
      .map((s) => code(s.id))
      .join(", ") || none;
  const provider = (name: SecretName): string => {
    const step = plan.steps.find((s) => s.provides === name);
    return step ? ` (${code(step.id)})` : "";
  };
  const secretStdout = plan.steps
    .filter((s) => s.secretStdout)
    .map(
      (s) =>
        `- ${code(s.id)}: stdout is secret (encrypted in state, not streamed to the log)${s.provides ? `; it is ${code(SECRETS[s.provides].placeholder)}` : ""}`,
    );
  return [
    "## Secrets",
    "",
    "Secrets travel on a step's stdin, one per line in the order listed for the step, never in the",
    "script or on a command line, so a script's diff in `pulumi preview --diff` stays readable. The",
    "script reads each line, checks its shape without printing it, and replaces the placeholder in",
    "memory or in a 0600 file removed on exit.",
    "",
    table(
      ["placeholder", "secret", "value comes from", "read on stdin by"],
      SECRET_NAMES.map((n) => [code(SECRETS[n].placeholder), n, SECRETS[n].source + provider(n), readers(n)]),
    ),
    "Steps whose output is secret:",
    "",
    ...secretStdout,
    "",
  ].join("\n");
}

function filesSection({ layout }: PlanDocInput): string {
  const rows = [...layout.values()]
    .flat()
    .flatMap((l) => l.files.map((f) => [l.step.runsOn, hostPathCell(f), link(f.treePath), code(l.step.id)]));
  return ["## Installed files", "", table(["host", "path on the host", "rendered", "installed by"], rows)].join("\n");
}

/** The path, then the mode and the note where the plan gives them. */
function hostPathCell(f: RenderedFile): string {
  return `${code(f.hostPath)}${f.mode !== undefined ? ` (mode ${f.mode})` : ""}${f.note !== undefined ? `: ${f.note}` : ""}`;
}

function lifecycleSection({ plan }: PlanDocInput): string {
  // A long trigger list (the join token's: every node) is summarised, not spelled out.
  const triggers = (s: PlanStep): string =>
    s.replaceOn.length > 8
      ? `${s.replaceOn.length} values: every node and its cluster address`
      : s.replaceOn.length > 0
        ? s.replaceOn.map(code).join(", ")
        : none;
  const rows = plan.steps
    .filter((s) => s.replaceOn.length > 0 || s.deleteScript !== undefined || s.protect)
    .map((s) => [
      code(s.id),
      triggers(s),
      s.protect
        ? "never: protected, Pulumi refuses to delete or replace it"
        : s.replaceOn.length === 0
          ? none
          : s.deleteScript === undefined
            ? "runs again"
            : s.deleteBeforeReplace
              ? "delete script first, then create"
              : "create, then the old one's delete script",
      s.deleteScript !== undefined ? "yes" : none,
    ]);
  return [
    "## Changes and removal",
    "",
    "Any change to a script or its stdin re-runs the script in place (every script is idempotent).",
    "A change to a step's triggers replaces it instead: its delete script runs and it is created",
    "again. Removing a host from the stack runs the delete scripts of its steps.",
    "",
    table(["step", "replaced when these change", "replacement order", "delete script"], rows),
  ].join("\n");
}

function wrapperSection(): string {
  const fence = "```";
  return [
    "## How each script runs",
    "",
    "Every script is sent over SSH to the host it runs on (as the configured user) as exactly this",
    "text, with the script in place of the first line inside; a delete script runs the same way",
    "with `<step id>-delete`. The secrets, if any, are the command's stdin.",
    "",
    `${fence}bash`,
    sudoWrap("<contents of <host>/NN-<phase>.sh>", "<step id>").trimEnd(),
    fence,
    "",
  ].join("\n");
}
